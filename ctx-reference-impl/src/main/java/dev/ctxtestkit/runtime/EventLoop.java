package dev.ctxtestkit.runtime;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The single-threaded event loop of one worker instance (CTX-8): handler code and runtime callbacks run on it, one
 * at a time, and every timer goes through {@link #schedule}, bound to {@link #clock()}. Replacing it with a virtual
 * loop (the test kit's {@code VirtualClock}) makes every run deterministic.
 *
 * <p>All methods are safe to call from any thread.
 */
public interface EventLoop {

    /** The clock that timers are bound to. */
    Clock clock();

    /** Runs {@code task} on the loop, after the tasks submitted before it. */
    void execute(Runnable task);

    /**
     * Runs {@code task} on the loop once {@code delay} has passed on {@link #clock()}. Tasks due at the same instant
     * run in the order they were scheduled.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    Cancellable schedule(Duration delay, Runnable task);

    /**
     * Like {@link #schedule}, but the timer does not keep the loop busy: a loop whose only timers are watchdogs is
     * idle (see {@link #whenIdle}). For timers that end work rather than do it, such as the limit (LIM-4), which must
     * not postpone hang detection (ERR-3). The default schedules an ordinary timer.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    default Cancellable scheduleWatchdog(Duration delay, Runnable task) {
        return schedule(delay, task);
    }

    /**
     * Runs {@code listener} once on the loop, the next time the loop is idle: no loop task is ready, no external
     * operation is in flight, and no timer other than a {@linkplain #scheduleWatchdog watchdog} is scheduled. From
     * then on nothing on this loop can make progress, so a handler stage that is still pending can never settle
     * (ERR-3) unless another thread completes it.
     *
     * @return a handle that unregisters the listener, or empty if this loop cannot tell when it is idle (the default;
     *         a worker on such a loop has no hang detection)
     */
    default Optional<Cancellable> whenIdle(Runnable listener) {
        return Optional.empty();
    }

    /** Whether the calling thread is the loop's thread, running a loop task now. */
    boolean inEventLoop();

    /**
     * Announces work that completes outside the loop (network I/O). A virtual loop waits, in bounded real time, for
     * such work before it moves its clock, so that I/O never races virtual time. The caller must finish the returned
     * operation exactly once.
     *
     * @param description what is being waited for, named in timeouts and diagnostics
     */
    ExternalOperation beginExternal(String description);

    /** A handle for scheduled work. */
    interface Cancellable {
        /** Prevents the task from running if it has not run yet. */
        void cancel();
    }

    /** Work in progress outside the loop. */
    interface ExternalOperation {
        /** Ends the operation and runs {@code continuation} on the loop. */
        void complete(Runnable continuation);
    }
}
