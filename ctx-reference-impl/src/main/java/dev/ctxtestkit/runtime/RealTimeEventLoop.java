package dev.ctxtestkit.runtime;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link EventLoop} on one dedicated daemon thread and the system clock: what a worker instance uses in
 * production. Close it to stop the thread.
 *
 * <p>It counts its work in progress (ready tasks, ordinary timers, external operations) so that it can tell when it is
 * idle ({@link #whenIdle}, hang detection, ERR-3).
 */
public final class RealTimeEventLoop implements EventLoop, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RealTimeEventLoop.class.getName());
    private static final AtomicInteger THREAD_NUMBERS = new AtomicInteger();

    private final ScheduledThreadPoolExecutor executor;
    private final Clock clock = Clock.systemUTC();
    private volatile Thread thread;
    /** Ready tasks, ordinary timers not yet run or cancelled, and external operations in flight. */
    private final AtomicInteger busy = new AtomicInteger();
    private final List<Runnable> idleListeners = new ArrayList<>();

    public RealTimeEventLoop() {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, "ctx-event-loop-" + THREAD_NUMBERS.incrementAndGet());
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.prestartCoreThread();
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        busy.incrementAndGet();
        if (!submit(() -> {
            try {
                guarded(task).run();
            } finally {
                releaseOnLoop();
            }
        })) {
            release();
        }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        return schedule(delay, task, false);
    }

    @Override
    public Cancellable scheduleWatchdog(Duration delay, Runnable task) {
        return schedule(delay, task, true);
    }

    private Cancellable schedule(Duration delay, Runnable task, boolean watchdog) {
        Objects.requireNonNull(task, "task");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        if (watchdog) { // does not count as work: the loop may be idle while it waits
            try {
                ScheduledFuture<?> future = executor.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
                return () -> future.cancel(false);
            } catch (RejectedExecutionException e) {
                LOG.log(System.Logger.Level.DEBUG, "event loop closed; dropped a timer");
                return () -> { };
            }
        }
        // Whoever flips 'pending' first, the timer or a cancel, gives back the timer's share of 'busy'.
        AtomicBoolean pending = new AtomicBoolean(true);
        busy.incrementAndGet();
        ScheduledFuture<?> future;
        try {
            future = executor.schedule(() -> {
                if (pending.compareAndSet(true, false)) {
                    try {
                        guarded(task).run();
                    } finally {
                        releaseOnLoop();
                    }
                }
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.DEBUG, "event loop closed; dropped a timer");
            release();
            return () -> { };
        }
        return () -> {
            if (pending.compareAndSet(true, false)) {
                future.cancel(false);
                release();
            }
        };
    }

    @Override
    public Optional<Cancellable> whenIdle(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        Runnable entry = () -> listener.run();
        synchronized (idleListeners) {
            idleListeners.add(entry);
        }
        if (busy.get() == 0) {
            submit(this::fireIdleListeners); // already idle: nothing else would notice
        }
        return Optional.of(() -> {
            synchronized (idleListeners) {
                idleListeners.remove(entry);
            }
        });
    }

    @Override
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    @Override
    public ExternalOperation beginExternal(String description) {
        Objects.requireNonNull(description, "description");
        busy.incrementAndGet();
        AtomicBoolean done = new AtomicBoolean();
        return continuation -> {
            if (!done.compareAndSet(false, true)) {
                throw new IllegalStateException("external operation completed twice: " + description);
            }
            execute(continuation); // counted before the operation's own share is given back, so no false idle
            release();
        };
    }

    /** Stops the loop thread; pending tasks are dropped. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Queues {@code task} on the loop thread, uncounted; false if the loop is closed. */
    private boolean submit(Runnable task) {
        try {
            executor.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            // The loop was closed while work (e.g. an HTTP response) was still on its way back: drop it.
            LOG.log(System.Logger.Level.DEBUG, "event loop closed; dropped a task");
            return false;
        }
    }

    /** Gives back one unit of work from the loop thread, at the end of a task: idle listeners run at once. */
    private void releaseOnLoop() {
        if (busy.decrementAndGet() == 0) {
            fireIdleListeners();
        }
    }

    /** Gives back one unit of work from any thread (a cancel, an external operation): idle listeners run on the loop. */
    private void release() {
        if (busy.decrementAndGet() == 0) {
            synchronized (idleListeners) {
                if (idleListeners.isEmpty()) {
                    return;
                }
            }
            submit(this::fireIdleListeners);
        }
    }

    /**
     * Runs the idle listeners one at a time, each only while the loop is still idle: a listener that makes work (a
     * hang ending in fail-open, say) leaves the rest for the next time the loop is idle, since that work may settle them.
     */
    private void fireIdleListeners() {
        while (true) {
            Runnable next;
            synchronized (idleListeners) {
                if (idleListeners.isEmpty() || busy.get() != 0) {
                    return;
                }
                next = idleListeners.remove(0);
            }
            guarded(next).run();
        }
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                // Invocation code catches handler errors itself; anything reaching here is a runtime bug.
                LOG.log(System.Logger.Level.ERROR, "uncaught error on the event loop", t);
            }
        };
    }
}
