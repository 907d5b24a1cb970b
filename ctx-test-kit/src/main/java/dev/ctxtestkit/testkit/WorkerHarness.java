package dev.ctxtestkit.testkit;

import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.ScheduledEvent;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs workers in-process on the reference runtime, under a {@link VirtualClock}, with a {@link MockOrigin} as the
 * fail-open origin and global outbound. Framework-neutral: the JUnit extension injects one per test, and any other
 * test or property-testing library can use it with try-with-resources.
 *
 * <p>Every call that waits is bounded by the <em>hang guard</em> (30 s of real time by default): if the clock
 * cannot finish an invocation in that time (handler code blocked the loop, or waits on work nothing will complete),
 * the call fails naming the tasks still pending, where they were registered, and what the loop thread is doing.
 *
 * <pre>{@code
 * try (WorkerHarness harness = WorkerHarness.builder().build()) {
 *     InvocationResult result = harness.fetch(Worker.fetch(handler), IncomingRequest.get("http://worker.test/"));
 * }
 * }</pre>
 */
public final class WorkerHarness implements AutoCloseable {
    /** The default real-time bound of every wait. */
    public static final Duration DEFAULT_HANG_GUARD = Duration.ofSeconds(30);

    private final VirtualClock clock;
    private final MockOrigin origin;
    private final boolean ownsOrigin;
    private final Limit limit;
    private final Duration hangGuard;
    private final boolean hangDetection;
    private final Map<String, Object> bindings = new LinkedHashMap<>();
    private final Map<Worker, WorkerInstance> instances = new IdentityHashMap<>();
    private final Map<FetchHandler, Worker> handlerWorkers = new IdentityHashMap<>();
    private final List<Invocation> started = new ArrayList<>();
    private final Set<Invocation> observed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final ExecutorService driver;
    private volatile Thread driverThread;
    private boolean closed;

    private WorkerHarness(Builder builder) {
        this.clock = builder.clock != null ? builder.clock : new VirtualClock();
        this.ownsOrigin = builder.origin == null;
        this.origin = builder.origin != null ? builder.origin : MockOrigin.start();
        this.limit = builder.limit;
        this.hangGuard = builder.hangGuard;
        this.hangDetection = builder.hangDetection;
        builder.bindings.forEach((name, factory) -> bindings.put(name, Objects.requireNonNull(factory.apply(clock), "binding '" + name + "' supplied null")));
        this.driver = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ctx-virtual-loop");
            thread.setDaemon(true);
            driverThread = thread;
            return thread;
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    public VirtualClock clock() {
        return clock;
    }

    public MockOrigin origin() {
        return origin;
    }

    public Limit limit() {
        return limit;
    }

    public Duration hangGuard() {
        return hangGuard;
    }

    /** A binding this harness gives every worker, as created for this harness. */
    public <T> T binding(String name, Class<T> type) {
        return dev.ctxtestkit.runtime.internal.EnvSupport.binding(bindings, name, type);
    }

    /** Every binding this harness gives its workers, by name. */
    public Map<String, Object> bindings() {
        return Map.copyOf(bindings);
    }

    /** The worker instance that serves {@code worker} (one per worker object, so module-level state persists). */
    public synchronized WorkerInstance instance(Worker worker) {
        requireOpen();
        return instances.computeIfAbsent(Objects.requireNonNull(worker, "worker"), w -> {
            WorkerInstance.Builder b = WorkerInstance.builder(w).eventLoop(clock).limit(limit).hangDetection(hangDetection)
                    .origin(origin.url()).globalOutbound(origin.url());
            bindings.forEach(b::binding);
            return b.build();
        });
    }

    /** Starts a fetch invocation and returns at once; finish it with {@link #finish} or let the end of the test drain it. */
    public synchronized Invocation start(Worker worker, IncomingRequest request) {
        Invocation invocation = instance(worker).fetch(request);
        started.add(invocation);
        return invocation;
    }

    /** Starts a fetch invocation with {@code props} (CTX-4). */
    public synchronized Invocation start(Worker worker, IncomingRequest request, Map<String, Object> props) {
        Invocation invocation = instance(worker).fetch(request, props);
        started.add(invocation);
        return invocation;
    }

    /** Starts a scheduled event. */
    public synchronized Invocation startScheduled(Worker worker) {
        Invocation invocation = instance(worker).scheduled(new ScheduledEvent(clock.instant(), "* * * * *"));
        started.add(invocation);
        return invocation;
    }

    /** Sends {@code request} to {@code worker} and runs the clock until the invocation has finished. */
    public InvocationResult fetch(Worker worker, IncomingRequest request) {
        return finish(start(worker, request));
    }

    /** {@link #fetch(Worker, IncomingRequest)} for a handler. */
    public InvocationResult fetch(FetchHandler handler, IncomingRequest request) {
        return fetch(workerFor(handler), request);
    }

    /** A {@code GET} of {@code url}. */
    public InvocationResult fetch(FetchHandler handler, String url) {
        return fetch(handler, IncomingRequest.get(url));
    }

    /** Runs a scheduled event to the end. */
    public InvocationResult scheduled(Worker worker) {
        return finish(startScheduled(worker));
    }

    /**
     * Runs the clock until {@code invocation} has finished (its drain ended, LIM-8), bounded by the hang guard, and
     * returns its result. The invocation counts as observed: its task failures are the test's to assert.
     *
     * @throws AssertionError if it does not finish within the hang guard, naming what is pending
     */
    public InvocationResult finish(Invocation invocation) {
        synchronized (this) {
            observed.add(invocation);
        }
        runUntil(() -> invocation.isFinished() && invocation.finished().toCompletableFuture().isDone(), List.of(invocation));
        InvocationRecord record = invocation.finished().toCompletableFuture().join();
        CompletableFuture<ClientResponse> response = invocation.response().toCompletableFuture();
        Optional<ClientResponse> client = response.isDone() && !response.isCompletedExceptionally() ? Optional.of(response.join()) : Optional.empty();
        return new InvocationResult(invocation, client, record);
    }

    /**
     * Makes the origin answer {@code latency} of virtual time after each request (fail-open and every
     * {@code env.fetch}, which the harness routes to the origin), so origin delays follow the virtual clock: the
     * clock can run other timers meanwhile, and no real time is spent.
     */
    public WorkerHarness originLatency(Duration latency) {
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + latency);
        }
        // Only the requests themselves: reading a client body or streaming a relayed body costs no extra time.
        clock.externalLatency(description -> description.startsWith("fetch ") || description.startsWith("fail-open ") ? latency : Duration.ZERO);
        return this;
    }

    /** Runs the clock by {@code duration} (end inclusive), bounded by the hang guard. */
    public void advanceBy(Duration duration) {
        drive(() -> clock.advanceBy(duration), "advancing the clock by " + duration, List.copyOf(started));
    }

    /**
     * Finishes every invocation this harness started and reports what went wrong, without throwing: invocations that
     * did not finish within the hang guard, task rejections of invocations the test never finished itself, and
     * strict-origin violations.
     */
    public List<AssertionError> drainAll() {
        List<AssertionError> failures = new ArrayList<>();
        if (closed) {
            failures.add(new AssertionError("drainAll() on a closed WorkerHarness: its invocations were abandoned when it closed"));
            return failures;
        }
        List<Invocation> all;
        synchronized (this) {
            all = List.copyOf(started);
        }
        try {
            runUntil(() -> all.stream().allMatch(i -> i.isFinished() && i.finished().toCompletableFuture().isDone()), all);
        } catch (AssertionError e) {
            failures.add(e);
            return failures;
        }
        for (Invocation invocation : all) {
            boolean seen;
            synchronized (this) {
                seen = observed.contains(invocation);
            }
            if (seen) {
                continue;
            }
            InvocationRecord record = invocation.finished().toCompletableFuture().join();
            for (LoggedException e : record.exceptions()) {
                if (e.source().equals(LoggedException.ASYNC)) {
                    AssertionError failure = new AssertionError(record.label() + ": a task rejected and the test never looked at this invocation: "
                            + e.name() + ": " + e.message() + "\n(call harness.finish(invocation) to assert on it)\n" + record.timeline());
                    if (e.throwable() != null) {
                        failure.initCause(e.throwable());
                    }
                    failures.add(failure);
                }
            }
        }
        try {
            origin.verify();
        } catch (AssertionError e) {
            failures.add(e);
        }
        return failures;
    }

    /** The invocations started so far. */
    public synchronized List<Invocation> invocations() {
        return List.copyOf(started);
    }

    private interface Condition {
        boolean met();
    }

    private void runUntil(Condition done, List<Invocation> watched) {
        long deadline = System.nanoTime() + hangGuard.toNanos();
        while (true) {
            drive(clock::runUntilIdle, "running the clock", watched);
            if (done.met()) {
                return;
            }
            long left = deadline - System.nanoTime();
            // Idle but unfinished: only work from another thread can move it on; wait for it in real time.
            if (left <= 0 || !clock.awaitWork(Duration.ofNanos(left))) {
                throw hang(watched, null);
            }
        }
    }

    private void drive(Runnable step, String what, List<Invocation> watched) {
        requireOpen();
        Future<?> future = driver.submit(step);
        try {
            future.get(hangGuard.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            StackTraceElement[] loopStack = driverThread == null ? new StackTraceElement[0] : driverThread.getStackTrace();
            future.cancel(true);
            throw hang(watched, loopStack);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error err) {
                throw err;
            }
            throw new AssertionError(what + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while " + what, e);
        }
    }

    private AssertionError hang(List<Invocation> watched, StackTraceElement[] loopStack) {
        StringBuilder message = new StringBuilder("hang guard: not finished after " + hangGuard.toMillis() + " ms of real time ("
                + clock.instant() + " virtual)\n");
        for (Invocation invocation : watched) {
            if (invocation.isFinished()) {
                continue;
            }
            message.append("  ").append(invocation.label()).append(" (invocation #").append(invocation.id()).append(") is still running\n");
            for (TaskRecord task : invocation.pendingTasks()) {
                message.append("    task#").append(task.index()).append(" never settled; registered at ").append(task.registeredAtSite())
                        .append(" during the ").append(task.registeredDuring()).append('\n');
            }
        }
        if (limit.isUnlimited()) {
            message.append("  the limit is unlimited, so nothing cancels a task that never settles\n");
        }
        if (loopStack != null) {
            message.append("  the event loop is blocked in:\n");
            for (int i = 0; i < Math.min(12, loopStack.length); i++) {
                message.append("    at ").append(loopStack[i]).append('\n');
            }
        }
        List<String> external = clock.pendingExternalOperations();
        if (!external.isEmpty()) {
            message.append("  external I/O still in flight: ").append(external).append('\n');
        }
        message.append("  (work completed on threads other than the event loop is logged as a WARN in the invocation record: CTX-8)");
        return new AssertionError(message.toString());
    }

    /** One worker per handler object, so repeated calls share one instance and its module-level state. */
    private synchronized Worker workerFor(FetchHandler handler) {
        return handlerWorkers.computeIfAbsent(Objects.requireNonNull(handler, "handler"), Worker::fetch);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this WorkerHarness is closed");
        }
    }

    /** Closes the worker instances, the driver thread and, if the harness created it, the origin. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        instances.values().forEach(WorkerInstance::close);
        driver.shutdownNow();
        if (ownsOrigin) {
            origin.close();
        }
    }

    /** Configures a {@link WorkerHarness}. */
    public static final class Builder {
        private VirtualClock clock;
        private MockOrigin origin;
        private Limit limit = Limit.DEFAULT;
        private Duration hangGuard = DEFAULT_HANG_GUARD;
        private boolean hangDetection = true;
        private final Map<String, java.util.function.Function<VirtualClock, ?>> bindings = new LinkedHashMap<>();

        private Builder() {
        }

        /** The clock (default: a new one at {@link VirtualClock#DEFAULT_START}). */
        public Builder clock(VirtualClock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** The origin (default: a new one, closed with the harness). */
        public Builder origin(MockOrigin value) {
            this.origin = Objects.requireNonNull(value, "origin");
            return this;
        }

        /** The limit after invocation end (LIM-4); 30 s by default. */
        public Builder limit(Limit value) {
            this.limit = Objects.requireNonNull(value, "limit");
            return this;
        }

        /** The real-time bound of every wait (30 s by default). */
        public Builder hangGuard(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("hangGuard must be positive: " + value);
            }
            this.hangGuard = value;
            return this;
        }

        /**
         * Whether the workers end a handler stage that can never settle as hung (ERR-3), as workerd does; on by default.
         * Under the virtual clock that happens the moment the clock is driven while nothing is left to run, so a test
         * whose handler awaits a future that the test itself completes later turns it off (see
         * {@link WorkerInstance.Builder#hangDetection}).
         */
        public Builder hangDetection(boolean value) {
            this.hangDetection = value;
            return this;
        }

        /** A binding every worker gets; {@code supplier} is called once per harness. */
        public Builder binding(String name, Supplier<?> supplier) {
            Objects.requireNonNull(supplier, "supplier");
            return bindingOnClock(name, clock -> supplier.get());
        }

        /**
         * A binding made from the harness's clock, e.g. {@code clock -> new InMemoryCache(clock, Duration.ofMillis(20))}
         * for storage whose writes take virtual time; called once per harness.
         */
        public Builder bindingOnClock(String name, java.util.function.Function<VirtualClock, ?> factory) {
            bindings.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(factory, "factory"));
            return this;
        }

        public WorkerHarness build() {
            return new WorkerHarness(this);
        }
    }
}
