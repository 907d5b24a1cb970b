package dev.ctxtestkit.testkit;

import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.InvocationAbortedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A real {@link Context} for calling handler code directly, without a runtime: it records every registration
 * (with where it happened), the pass-through flag, aborts, and {@code waitUntil(null)} registrations as suspicious
 * (WU-13). Like the production Context it is bound to one invocation: after {@link #finish()} every method but
 * {@link #props()} throws {@link IllegalStateException} (CTX-7).
 *
 * <pre>{@code
 * TestContext ctx = new TestContext();
 * Response response = handler.fetch(request, env, ctx).toCompletableFuture().join();
 * List<Registration> settled = ctx.awaitTasks(clock, Duration.ofSeconds(5));
 * }</pre>
 *
 * Thread-safe.
 */
public final class TestContext implements Context {
    private final Map<String, Object> props;
    private final List<Registration> registrations = new ArrayList<>();
    private int passThroughCalls;
    private Object abortReason;
    private boolean aborted;
    private boolean finished;
    private boolean awaited;

    public TestContext() {
        this(Map.of());
    }

    public TestContext(Map<String, Object> props) {
        this.props = Map.copyOf(Objects.requireNonNull(props, "props"));
    }

    /** One {@code waitUntil} call. {@code task} is null for {@code waitUntil(null)}, which is {@code suspicious}. */
    public record Registration(int index, CompletionStage<?> task, boolean suspicious, StackTraceElement site) {
        /** Whether the task has settled; a suspicious registration counts as settled. */
        public boolean settled() {
            return task == null || task.toCompletableFuture().isDone();
        }

        /** The rejection, if the task rejected. */
        public Optional<Throwable> failure() {
            if (task == null || !task.toCompletableFuture().isCompletedExceptionally()) {
                return Optional.empty();
            }
            try {
                task.toCompletableFuture().join();
                return Optional.empty();
            } catch (RuntimeException e) {
                return Optional.of(e.getCause() != null ? e.getCause() : e);
            }
        }

        @Override
        public String toString() {
            return "registration#" + index + (suspicious ? " waitUntil(null) (suspicious, WU-13)" : settled()
                    ? failure().map(f -> " rejected: " + f).orElse(" resolved") : " pending") + " at " + site;
        }
    }

    @Override
    public synchronized void waitUntil(CompletionStage<?> task) {
        requireUnfinished("waitUntil");
        registrations.add(new Registration(registrations.size(), task, task == null, callerSite()));
    }

    @Override
    public synchronized void passThroughOnException() {
        requireUnfinished("passThroughOnException");
        passThroughCalls++;
    }

    @Override
    public void abort(Object reason) {
        synchronized (this) {
            requireUnfinished("abort");
            aborted = true;
            abortReason = reason;
        }
        throw new InvocationAbortedException(reason);
    }

    @Override
    public Map<String, Object> props() {
        return props;
    }

    /** Every registration so far, in order. */
    public synchronized List<Registration> registrations() {
        return List.copyOf(registrations);
    }

    /** The {@code waitUntil(null)} registrations (WU-13). */
    public synchronized List<Registration> suspiciousRegistrations() {
        return registrations.stream().filter(Registration::suspicious).toList();
    }

    /** Whether {@code passThroughOnException()} was called (the flag is sticky: PT-1). */
    public synchronized boolean passThroughOnExceptionCalled() {
        return passThroughCalls > 0;
    }

    public synchronized int passThroughCalls() {
        return passThroughCalls;
    }

    public synchronized boolean aborted() {
        return aborted;
    }

    /** The value passed to {@code abort}, if it was called with one. */
    public synchronized Optional<Object> abortReason() {
        return Optional.ofNullable(abortReason);
    }

    /** Ends the invocation this context belongs to: later calls throw (CTX-7). */
    public synchronized void finish() {
        finished = true;
    }

    public synchronized boolean isFinished() {
        return finished;
    }

    /**
     * Runs {@code clock} until every registered task, including those registered while running, has settled, waiting
     * at most {@code realTimeout} of real time for work from other threads.
     *
     * @return the registrations, all settled
     * @throws AssertionError listing the tasks still pending and where they were registered
     */
    public List<Registration> awaitTasks(VirtualClock clock, Duration realTimeout) {
        synchronized (this) {
            awaited = true;
        }
        long deadline = System.nanoTime() + realTimeout.toNanos();
        Duration previousWait = clock.realTimeWait();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    // I/O in flight must not hold us past our own bound.
                    clock.realTimeWait(Duration.ofNanos(Math.min(left, previousWait.toNanos())));
                    try {
                        clock.runUntilIdle();
                    } catch (IllegalStateException ioTimeout) {
                        List<Registration> pending = registrations().stream().filter(r -> !r.settled()).toList();
                        throw new AssertionError(pending.size() + " task(s) registered with this TestContext never settled within " + realTimeout.toMillis()
                                + " ms of real time: " + pending + "; " + ioTimeout.getMessage(), ioTimeout);
                    }
                }
                List<Registration> all = registrations();
                List<Registration> pending = all.stream().filter(r -> !r.settled()).toList();
                if (pending.isEmpty()) {
                    return all;
                }
                left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(pending.size() + " task(s) registered with this TestContext never settled within "
                            + realTimeout.toMillis() + " ms of real time: " + pending);
                }
                // A task finished on another thread posts nothing to the clock: look again at least every 20 ms.
                clock.awaitWork(Duration.ofNanos(Math.min(left, Duration.ofMillis(20).toNanos())));
            }
        } finally {
            clock.realTimeWait(previousWait);
        }
    }

    /** Whether a test waited for the tasks with {@code awaitTasks}: then their rejections are its to assert. */
    public synchronized boolean tasksAwaited() {
        return awaited;
    }

    /** The tasks that rejected so far. */
    public List<Registration> rejected() {
        return registrations().stream().filter(r -> r.failure().isPresent()).toList();
    }

    /** Waits for every task without a clock (tasks completed by other threads), bounded by {@code realTimeout}. */
    public List<Registration> awaitTasks(Duration realTimeout) {
        synchronized (this) {
            awaited = true;
        }
        List<Registration> all = registrations();
        CompletableFuture<?>[] futures = all.stream().filter(r -> r.task() != null).map(r -> r.task().toCompletableFuture()).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(futures).handle((v, e) -> null).get(realTimeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("tasks registered with this TestContext never settled within " + realTimeout.toMillis() + " ms: "
                    + all.stream().filter(r -> !r.settled()).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for tasks", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("unreachable: handle() swallows failures", e);
        }
        return registrations();
    }

    private void requireUnfinished(String method) {
        if (finished) {
            throw new IllegalStateException("ctx." + method + "() called on a TestContext whose invocation has finished (CTX-7)");
        }
    }

    private static StackTraceElement callerSite() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().equals(TestContext.class.getName()))
                .findFirst().map(StackWalker.StackFrame::toStackTraceElement).orElse(null));
    }

    @Override
    public synchronized String toString() {
        return "TestContext[" + registrations.size() + " registrations, passThrough=" + (passThroughCalls > 0) + (aborted ? ", aborted" : "")
                + (finished ? ", finished" : "") + "]";
    }
}
