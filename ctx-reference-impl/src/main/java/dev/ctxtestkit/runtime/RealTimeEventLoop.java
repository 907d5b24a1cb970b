package dev.ctxtestkit.runtime;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link EventLoop} on one dedicated daemon thread and the system clock: what a worker instance uses in
 * production. Close it to stop the thread.
 */
public final class RealTimeEventLoop implements EventLoop, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RealTimeEventLoop.class.getName());
    private static final AtomicInteger THREAD_NUMBERS = new AtomicInteger();

    private final ScheduledThreadPoolExecutor executor;
    private final Clock clock = Clock.systemUTC();
    private volatile Thread thread;

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
        try {
            executor.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            // The loop was closed while work (e.g. an HTTP response) was still on its way back: drop it.
            LOG.log(System.Logger.Level.DEBUG, "event loop closed; dropped a task");
        }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        try {
            ScheduledFuture<?> future = executor.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.DEBUG, "event loop closed; dropped a timer");
            return () -> { };
        }
    }

    @Override
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    @Override
    public ExternalOperation beginExternal(String description) {
        return this::execute;
    }

    /** Stops the loop thread; pending tasks are dropped. */
    @Override
    public void close() {
        executor.shutdownNow();
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
