package dev.ctxtestkit.testkit;

import dev.ctxtestkit.runtime.EventLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * A virtual clock that is also the worker's event loop (CTX-8): time moves only when the test says so, and every
 * timer, loop task and continuation runs on the thread that moves it. A 30-second limit costs microseconds.
 *
 * <p>Three separate operations:
 * <ul>
 *   <li>{@link #runDue()} runs what is due now, without moving time;</li>
 *   <li>{@link #advanceBy(Duration)} / {@link #advanceTo(Instant)} move time forward, running each timer at its own
 *       instant; timers due <em>exactly</em> at the end point run (the end is inclusive);</li>
 *   <li>{@link #runUntilIdle()} moves time from timer to timer until nothing is scheduled.</li>
 * </ul>
 * Ties are broken by (time, sequence): timers due at the same instant run in the order they were scheduled.
 *
 * <p>Real I/O (the origin, beacons) completes on other threads. While such work is in flight (announced through
 * {@link #beginExternal}), every operation above waits for it in bounded real time ({@link #realTimeWait()}) before
 * moving time, so I/O never races virtual time; a wait that runs out fails with the name of the operation.
 *
 * <p>Whenever a drive finds the loop idle — nothing ready, no external I/O, no timer but watchdogs such as the limit —
 * it runs the {@linkplain #whenIdle idle listeners}: that is how the runtime detects a handler that can never
 * settle (ERR-3), at the virtual instant the loop ran out of work.
 *
 * <p>Thread-safe: {@link #execute}, {@link #schedule} and {@link #beginExternal} may be called from any thread. Only
 * one thread at a time should drive the clock.
 */
public final class VirtualClock extends Clock implements InstantSource, EventLoop {
    /** The instant a clock made with {@link #VirtualClock()} starts at. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");
    private static final int DEFAULT_STEP_LIMIT = 1_000_000;

    private final Object lock = new Object();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final List<String> external = new ArrayList<>();
    private final List<Runnable> idleListeners = new ArrayList<>();
    /** Scheduled timers that are not watchdogs: while there is one, the loop is not idle. */
    private int busyTimers;
    private volatile Instant now;
    private volatile Thread driver;
    private long sequence;
    /** Bumped whenever work is added from anywhere, so {@link #awaitWork} notices new timers too. */
    private long version;
    private Duration realTimeWait = Duration.ofSeconds(10);
    private volatile java.util.function.Function<String, Duration> externalLatency = description -> Duration.ZERO;

    /** A clock at {@link #DEFAULT_START}. */
    public VirtualClock() {
        this(DEFAULT_START);
    }

    public VirtualClock(Instant start) {
        this.now = Objects.requireNonNull(start, "start");
    }

    // ------------------------------------------------------------------ Clock / InstantSource

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** A view of this clock in another zone; it reads the same virtual instant. */
    @Override
    public Clock withZone(ZoneId zone) {
        VirtualClock self = this;
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return zone;
            }

            @Override
            public Clock withZone(ZoneId other) {
                return self.withZone(other);
            }

            @Override
            public Instant instant() {
                return self.instant();
            }
        };
    }

    // ------------------------------------------------------------------ EventLoop

    @Override
    public Clock clock() {
        return this;
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        synchronized (lock) {
            ready.add(task);
            version++;
            lock.notifyAll();
        }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        return schedule(delay, task, false);
    }

    /** A timer that does not keep the loop busy: with only watchdogs left, the loop is idle ({@link #whenIdle}). */
    @Override
    public Cancellable scheduleWatchdog(Duration delay, Runnable task) {
        return schedule(delay, task, true);
    }

    private Cancellable schedule(Duration delay, Runnable task, boolean watchdog) {
        Objects.requireNonNull(task, "task");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        Timer timer;
        synchronized (lock) {
            timer = new Timer(now.plus(delay), sequence++, task, watchdog);
            addTimerLocked(timer);
            version++;
            lock.notifyAll();
        }
        return () -> {
            synchronized (lock) {
                if (timers.remove(timer) && !timer.watchdog) {
                    busyTimers--;
                }
            }
        };
    }

    /**
     * Runs {@code listener} once on the loop, the next time the loop is idle while being driven: nothing ready, no
     * external I/O in flight, no timer but watchdogs (the limit). The runtime uses it for hang detection (ERR-3).
     */
    @Override
    public Optional<Cancellable> whenIdle(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        Runnable entry = () -> listener.run();
        synchronized (lock) {
            idleListeners.add(entry);
            version++;
            lock.notifyAll();
        }
        return Optional.of(() -> {
            synchronized (lock) {
                idleListeners.remove(entry);
            }
        });
    }

    @Override
    public boolean inEventLoop() {
        return Thread.currentThread() == driver;
    }

    @Override
    public ExternalOperation beginExternal(String description) {
        Objects.requireNonNull(description, "description");
        synchronized (lock) {
            external.add(description);
        }
        return new ExternalOperation() {
            private boolean done;

            @Override
            public void complete(Runnable continuation) {
                synchronized (lock) {
                    if (done) {
                        throw new IllegalStateException("external operation completed twice: " + description);
                    }
                    done = true;
                    external.remove(description);
                    Duration latency = externalLatency.apply(description);
                    if (latency == null || latency.isZero() || latency.isNegative()) {
                        ready.add(continuation);
                    } else {
                        // Time stood still while the I/O was in flight, so this is "latency after it started".
                        addTimerLocked(new Timer(now.plus(latency), sequence++, continuation, false));
                    }
                    lock.notifyAll();
                }
            }
        };
    }

    // ------------------------------------------------------------------ driving

    /**
     * Runs every loop task and every timer due at or before now, including work they make due now, without moving
     * time. Does not wait for external I/O.
     *
     * @return how many tasks ran
     */
    public int runDue() {
        return drive(() -> {
            int steps = 0;
            do {
                steps = runDueLocked(steps, DEFAULT_STEP_LIMIT);
            } while (releaseIdleListeners());
            return steps;
        });
    }

    /**
     * Moves time forward by {@code duration}, running each timer at its own instant, then everything due at the end
     * point (inclusive). Waits for in-flight external I/O before each step.
     *
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public void advanceBy(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("cannot move a clock backwards: advanceBy(" + duration + ")");
        }
        advanceTo(now.plus(duration));
    }

    /**
     * Moves time forward to {@code target} (inclusive), as {@link #advanceBy}.
     *
     * @throws IllegalArgumentException if {@code target} is before now
     */
    public void advanceTo(Instant target) {
        Objects.requireNonNull(target, "target");
        if (target.isBefore(now)) {
            throw new IllegalArgumentException("cannot move a clock backwards: advanceTo(" + target + ") but now is " + now);
        }
        drive(() -> {
            int steps = 0;
            while (true) {
                steps = runDueLocked(steps, DEFAULT_STEP_LIMIT);
                if (awaitExternal() || releaseIdleListeners()) {
                    continue;
                }
                Timer next = peekTimer();
                if (next == null || next.at.isAfter(target)) {
                    break;
                }
                now = next.at;
            }
            now = target;
            do {
                steps = runDueLocked(steps, DEFAULT_STEP_LIMIT);
            } while (releaseIdleListeners());
            return steps;
        });
    }

    /**
     * Runs everything, moving time from timer to timer, until no loop task, timer or external I/O is left.
     *
     * @return how far time moved
     * @throws IllegalStateException if more than {@code 1,000,000} tasks ran (a timer that keeps rescheduling itself);
     *                               the message lists what was still scheduled
     */
    public Duration runUntilIdle() {
        return runUntilIdle(DEFAULT_STEP_LIMIT);
    }

    /** {@link #runUntilIdle()} with an explicit limit on the number of tasks run. */
    public Duration runUntilIdle(int maxTasks) {
        Instant start = now;
        drive(() -> {
            int steps = 0;
            while (true) {
                steps = runDueLocked(steps, maxTasks);
                if (awaitExternal() || releaseIdleListeners()) {
                    continue;
                }
                Timer next = peekTimer();
                if (next == null) {
                    return steps;
                }
                now = next.at;
            }
        });
        return Duration.between(start, now);
    }

    /** How many loop tasks and timers are waiting. */
    public int pendingTasks() {
        synchronized (lock) {
            return ready.size() + timers.size();
        }
    }

    /** The instants of the scheduled timers, earliest first. */
    public List<Instant> pendingTimers() {
        synchronized (lock) {
            return timers.stream().sorted().map(t -> t.at).toList();
        }
    }

    /** External operations in flight, by description. */
    public List<String> pendingExternalOperations() {
        synchronized (lock) {
            return List.copyOf(external);
        }
    }

    /**
     * Makes external I/O take virtual time: {@code latency} maps an operation's description (such as
     * {@code fetch GET http://127.0.0.1:8081/x}) to how long after it started its result is delivered. The default
     * delivers results at once, without moving time.
     */
    public VirtualClock externalLatency(java.util.function.Function<String, Duration> latency) {
        this.externalLatency = java.util.Objects.requireNonNull(latency, "latency");
        return this;
    }

    /**
     * Waits, in real time, until there is something for the clock to do, or {@code timeout} passes: a loop task is
     * ready, a timer was scheduled (from any thread) since the call, or external I/O is in flight (which the next
     * {@code runUntilIdle()} waits for). Does not run anything.
     *
     * @return whether there is something to do
     */
    public boolean awaitWork(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            long seen = version;
            while (ready.isEmpty() && external.isEmpty() && version == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** How long, in real time, a step waits for in-flight external I/O (default 10 s). */
    public Duration realTimeWait() {
        return realTimeWait;
    }

    public VirtualClock realTimeWait(Duration wait) {
        if (wait.isNegative() || wait.isZero()) {
            throw new IllegalArgumentException("realTimeWait must be positive: " + wait);
        }
        this.realTimeWait = wait;
        return this;
    }

    @Override
    public String toString() {
        return "VirtualClock[" + now + ", " + pendingTasks() + " pending, " + pendingExternalOperations().size() + " external]";
    }

    // ------------------------------------------------------------------ internals

    private interface Step {
        int run();
    }

    private int drive(Step step) {
        Thread current = Thread.currentThread();
        if (driver == current) {
            throw new IllegalStateException("the VirtualClock cannot be driven from inside one of its own tasks");
        }
        synchronized (lock) {
            if (driver != null) {
                throw new IllegalStateException("the VirtualClock is already being driven by thread '" + driver.getName() + "'");
            }
            driver = current;
        }
        try {
            return step.run();
        } finally {
            driver = null;
        }
    }

    /**
     * Runs due work; {@code ran} tasks have run so far in this drive, at most {@code maxTasks} may.
     *
     * @return the new total
     */
    private int runDueLocked(int ran, int maxTasks) {
        while (true) {
            Runnable task;
            synchronized (lock) {
                Timer due = timers.peek();
                boolean timerDue = due != null && !due.at.isAfter(now);
                if (ready.isEmpty() && !timerDue) {
                    return ran;
                }
                if (ran >= maxTasks) {
                    // Checked before taking the task, so that what is still scheduled stays listed and scheduled.
                    throw new IllegalStateException("more than " + maxTasks + " tasks ran without the loop becoming idle; still scheduled: "
                            + timers.stream().sorted().limit(10).map(t -> t.at).toList() + (timers.size() > 10 ? " …" : "")
                            + (ready.isEmpty() ? "" : " and " + ready.size() + " loop task(s)"));
                }
                if (!ready.isEmpty()) {
                    task = ready.poll();
                } else {
                    Timer timer = timers.poll();
                    if (!timer.watchdog) {
                        busyTimers--;
                    }
                    task = timer.task;
                }
            }
            ran++;
            task.run();
        }
    }

    /** Waits for a continuation from in-flight I/O; returns whether one arrived. */
    private boolean awaitExternal() {
        long deadline = System.nanoTime() + realTimeWait.toNanos();
        synchronized (lock) {
            if (!ready.isEmpty()) {
                return true;
            }
            while (!external.isEmpty() && ready.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("waited " + realTimeWait.toMillis() + " ms of real time for external I/O to complete: "
                            + external + " (virtual time stands still while it is in flight)");
                }
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for " + external, e);
                }
            }
            return !ready.isEmpty();
        }
    }

    private void addTimerLocked(Timer timer) {
        timers.add(timer);
        if (!timer.watchdog) {
            busyTimers++;
        }
    }

    /**
     * If the loop is idle (nothing ready, no external I/O, no timer but watchdogs), makes the first idle listener ready:
     * one at a time, because a listener that makes work (a hang ending in fail-open, say) may settle what the others
     * wait for, so they run only if the loop is idle again after it.
     *
     * @return whether one became ready
     */
    private boolean releaseIdleListeners() {
        synchronized (lock) {
            if (idleListeners.isEmpty() || !ready.isEmpty() || !external.isEmpty() || busyTimers > 0) {
                return false;
            }
            ready.add(idleListeners.remove(0));
            return true;
        }
    }

    private Timer peekTimer() {
        synchronized (lock) {
            return timers.peek();
        }
    }

    private record Timer(Instant at, long sequence, Runnable task, boolean watchdog) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            int byTime = at.compareTo(other.at);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }
}
