package dev.ctxtestkit.testkit;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LogLine;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.runtime.internal.InvocationImpl;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class VirtualClockTest {
    private final VirtualClock clock = new VirtualClock();
    private final Instant start = VirtualClock.DEFAULT_START;
    private final List<String> ran = Collections.synchronizedList(new ArrayList<>());

    private Runnable record(String name) {
        return () -> ran.add(name);
    }

    private Runnable recordWithTime(String name) {
        return () -> ran.add(name + "@" + Duration.between(start, clock.instant()).toMillis() + "ms");
    }

    @Nested
    class IdleListeners {

        @Test
        void aListenerRunsWhenOnlyWatchdogsAreLeft_atTheInstantTheLastTimerFired() {
            clock.scheduleWatchdog(Duration.ofSeconds(30), recordWithTime("watchdog"));
            clock.schedule(Duration.ofMillis(20), recordWithTime("timer"));
            clock.whenIdle(recordWithTime("idle")).orElseThrow();

            clock.advanceBy(Duration.ofMillis(10));
            assertThat(ran).isEmpty();
            clock.advanceBy(Duration.ofMillis(10));
            assertThat(ran).containsExactly("timer@20ms", "idle@20ms");
        }

        @Test
        void aListenerThatMakesWorkHoldsBackTheNextUntilTheLoopIsIdleAgain() {
            clock.whenIdle(() -> {
                ran.add("first");
                clock.schedule(Duration.ofMillis(10), recordWithTime("the first's timer"));
            }).orElseThrow();
            clock.whenIdle(recordWithTime("second")).orElseThrow();

            clock.runUntilIdle();
            assertThat(ran).containsExactly("first", "the first's timer@10ms", "second@10ms");
        }
    }

    @Nested
    class Basics {

        @Test
        void startsAtTheDefaultInstantInUtcAndIsItsOwnClock() {
            assertThat(clock.instant()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
            assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
            assertThat(clock.clock()).isSameAs(clock);
            assertThat(new VirtualClock(Instant.EPOCH).instant()).isEqualTo(Instant.EPOCH);
        }

        @Test
        void withZoneReadsTheSameVirtualInstant() {
            var paris = clock.withZone(ZoneId.of("Europe/Paris"));

            clock.advanceBy(Duration.ofHours(1));

            assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
            assertThat(paris.instant()).isEqualTo(start.plus(Duration.ofHours(1)));
        }

        @Test
        void runDueRunsWhatIsDueNowWithoutMovingTime() {
            clock.execute(record("task"));
            clock.schedule(Duration.ZERO, record("zero-delay timer"));
            clock.schedule(Duration.ofNanos(1), record("future timer"));

            int count = clock.runDue();

            assertThat(count).isEqualTo(2);
            assertThat(ran).containsExactly("task", "zero-delay timer");
            assertThat(clock.instant()).isEqualTo(start);
            assertThat(clock.pendingTimers()).containsExactly(start.plusNanos(1));
        }

        @Test
        void runDueAlsoRunsWorkThatTasksMakeDueNow() {
            clock.execute(() -> {
                ran.add("outer");
                clock.execute(record("inner"));
                clock.schedule(Duration.ZERO, record("inner timer"));
            });

            assertThat(clock.runDue()).isEqualTo(3);
            assertThat(ran).containsExactly("outer", "inner", "inner timer");
        }

        @Test
        void negativeScheduleDelayIsRejected() {
            assertThatThrownBy(() -> clock.schedule(Duration.ofMillis(-1), record("x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        }

        @Test
        void cancelledTimerNeverRuns() {
            EventLoop.Cancellable timer = clock.schedule(Duration.ofSeconds(1), record("cancelled"));
            clock.schedule(Duration.ofSeconds(2), record("kept"));

            timer.cancel();
            clock.advanceBy(Duration.ofSeconds(5));

            assertThat(ran).containsExactly("kept");
            assertThat(clock.pendingTasks()).isZero();
        }

        @Test
        void inEventLoopOnlyWhileDrivingOnTheDriverThread() {
            AtomicReference<Boolean> inside = new AtomicReference<>();
            clock.execute(() -> inside.set(clock.inEventLoop()));

            assertThat(clock.inEventLoop()).isFalse();
            clock.runDue();

            assertThat(inside).hasValue(true);
            assertThat(clock.inEventLoop()).isFalse();
        }

        @Test
        void executeFromAnotherThreadIsPickedUpByTheDriver() throws Exception {
            AtomicReference<Thread> ranOn = new AtomicReference<>();

            CompletableFuture.runAsync(() -> clock.execute(() -> ranOn.set(Thread.currentThread()))).get(5, SECONDS);
            int count = clock.runDue();

            assertThat(count).isEqualTo(1);
            assertThat(ranOn).hasValue(Thread.currentThread());
        }
    }

    @Nested
    class Advancing {

        @Test
        void ctx8_advanceByRunsTimersDueExactlyAtTheEnd() {
            clock.schedule(Duration.ofSeconds(5), record("at end"));
            clock.schedule(Duration.ofSeconds(5).plusNanos(1), record("just after"));

            clock.advanceBy(Duration.ofSeconds(5));

            assertThat(ran).containsExactly("at end");
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(5));

            clock.advanceBy(Duration.ofNanos(1));
            assertThat(ran).containsExactly("at end", "just after");
        }

        @Test
        void ctx8_eachTimerRunsAtItsOwnInstant() {
            clock.schedule(Duration.ofMillis(2500), recordWithTime("b"));
            clock.schedule(Duration.ofMillis(1000), recordWithTime("a"));

            clock.advanceBy(Duration.ofSeconds(10));

            assertThat(ran).containsExactly("a@1000ms", "b@2500ms");
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(10));
        }

        @Test
        void ctx8_timersScheduledByTimersRunWithinTheSameAdvanceIfDue() {
            clock.schedule(Duration.ofSeconds(1), () -> {
                ran.add("first@" + Duration.between(start, clock.instant()).toMillis() + "ms");
                clock.schedule(Duration.ofSeconds(1), recordWithTime("second"));
                clock.schedule(Duration.ofSeconds(9), recordWithTime("too late"));
            });

            clock.advanceBy(Duration.ofSeconds(3));

            assertThat(ran).containsExactly("first@1000ms", "second@2000ms");
            assertThat(clock.pendingTimers()).containsExactly(start.plusSeconds(10));
        }

        @Test
        void ctx8_tiesRunInSchedulingOrder() {
            clock.schedule(Duration.ofSeconds(2), record("a"));
            clock.schedule(Duration.ofSeconds(1), record("b"));
            clock.schedule(Duration.ofSeconds(2), record("c"));
            clock.schedule(Duration.ofSeconds(2), record("d"));
            clock.advanceBy(Duration.ofSeconds(1));
            clock.schedule(Duration.ofSeconds(1), record("e")); // due at 2 s too, scheduled last

            clock.advanceBy(Duration.ofSeconds(1));

            assertThat(ran).containsExactly("b", "a", "c", "d", "e");
        }

        @Test
        void advanceToIsInclusiveToo() {
            clock.schedule(Duration.ofMinutes(1), record("at target"));

            clock.advanceTo(start.plus(Duration.ofMinutes(1)));

            assertThat(ran).containsExactly("at target");
        }

        @Test
        void negativeAdvanceIsRejectedWithAClearMessageAndTimeStays() {
            clock.advanceBy(Duration.ofSeconds(1));

            assertThatThrownBy(() -> clock.advanceBy(Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("cannot move a clock backwards: advanceBy(PT-1S)");
            assertThatThrownBy(() -> clock.advanceTo(start))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot move a clock backwards")
                    .hasMessageContaining("now is " + start.plusSeconds(1));
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(1));
        }

        @Test
        void advanceByZeroRunsWhatIsDueNow() {
            clock.execute(record("queued"));

            clock.advanceBy(Duration.ZERO);

            assertThat(ran).containsExactly("queued");
            assertThat(clock.instant()).isEqualTo(start);
        }
    }

    @Nested
    class RunUntilIdle {

        @Test
        void movesTimeToTheLastTimerAndReturnsTheDuration() {
            clock.schedule(Duration.ofSeconds(3), recordWithTime("b"));
            clock.schedule(Duration.ofSeconds(1), recordWithTime("a"));
            clock.schedule(Duration.ofSeconds(7), recordWithTime("c"));

            Duration moved = clock.runUntilIdle();

            assertThat(moved).isEqualTo(Duration.ofSeconds(7));
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(7));
            assertThat(ran).containsExactly("a@1000ms", "b@3000ms", "c@7000ms");
            assertThat(clock.pendingTasks()).isZero();
        }

        @Test
        void onAnIdleClockReturnsZero() {
            assertThat(clock.runUntilIdle()).isEqualTo(Duration.ZERO);
            assertThat(clock.instant()).isEqualTo(start);
        }

        @Test
        void followsTimersScheduledByTimers() {
            clock.schedule(Duration.ofSeconds(1), () -> clock.schedule(Duration.ofSeconds(4), recordWithTime("chained")));

            assertThat(clock.runUntilIdle()).isEqualTo(Duration.ofSeconds(5));
            assertThat(ran).containsExactly("chained@5000ms");
        }

        @Test
        void runawaySelfReschedulingTimerHitsTheStepLimit() {
            AtomicInteger runs = new AtomicInteger();
            clock.schedule(Duration.ofMillis(1), new Runnable() {
                @Override
                public void run() {
                    runs.incrementAndGet();
                    clock.schedule(Duration.ofMillis(1), this);
                }
            });

            assertThatThrownBy(() -> clock.runUntilIdle(1000))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("without the loop becoming idle")
                    .hasMessageContaining("still scheduled");
            assertThat(runs).hasValue(1000);
        }

        @Test
        void runawayTimerMessageNamesTheLimit() {
            clock.schedule(Duration.ofMillis(1), new Runnable() {
                @Override
                public void run() {
                    clock.schedule(Duration.ofMillis(1), this);
                }
            });

            assertThatThrownBy(() -> clock.runUntilIdle(1000))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("more than 1000 tasks ran");
        }

        @Test
        void runawayTimerIsListedAndKeptWhenTheStepLimitHits() {
            clock.schedule(Duration.ofMillis(1), new Runnable() {
                @Override
                public void run() {
                    clock.schedule(Duration.ofMillis(1), this);
                }
            });
            Instant runawayDueAt = start.plusMillis(1001);

            assertThatThrownBy(() -> clock.runUntilIdle(1000))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(runawayDueAt.toString());
            assertThat(clock.pendingTimers()).containsExactly(runawayDueAt);
        }

        @Test
        void runawayTaskLoopWithoutTimeMovingNamesTheLimit() {
            clock.execute(new Runnable() {
                @Override
                public void run() {
                    clock.execute(this);
                }
            });

            assertThatThrownBy(() -> clock.runUntilIdle(1000))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("more than 1000 tasks ran");
        }

        @Test
        void exactlyTheLimitIsStillAllowed() {
            AtomicInteger runs = new AtomicInteger();
            clock.schedule(Duration.ofMillis(1), new Runnable() {
                @Override
                public void run() {
                    if (runs.incrementAndGet() < 1000) {
                        clock.schedule(Duration.ofMillis(1), this);
                    }
                }
            });

            assertThat(clock.runUntilIdle(1000)).isEqualTo(Duration.ofMillis(1000));
            assertThat(runs).hasValue(1000);
        }
    }

    @Nested
    class ExternalOperations {

        private Executor after(long millis) {
            return CompletableFuture.delayedExecutor(millis, MILLISECONDS);
        }

        @Test
        void advanceByWaitsForAnInFlightOperationCompletedFromAnotherThread() throws Exception {
            clock.realTimeWait(Duration.ofSeconds(10));
            AtomicReference<Thread> continuationThread = new AtomicReference<>();
            EventLoop.ExternalOperation operation = clock.beginExternal("fetch GET http://origin.test/");
            clock.schedule(Duration.ofSeconds(1), recordWithTime("timer"));
            CompletableFuture<Void> completer = CompletableFuture.runAsync(() -> operation.complete(() -> {
                continuationThread.set(Thread.currentThread());
                recordWithTime("continuation").run();
            }), after(50));

            clock.advanceBy(Duration.ofSeconds(2));

            completer.get(5, SECONDS);
            // Virtual time stood still until the I/O completed, then the timer ran at its own instant.
            assertThat(ran).containsExactly("continuation@0ms", "timer@1000ms");
            assertThat(continuationThread).hasValue(Thread.currentThread());
            assertThat(clock.pendingExternalOperations()).isEmpty();
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(2));
        }

        @Test
        void pendingOperationsAreListedByDescription() {
            EventLoop.ExternalOperation operation = clock.beginExternal("beacon POST http://origin.test/b");

            assertThat(clock.pendingExternalOperations()).containsExactly("beacon POST http://origin.test/b");
            operation.complete(record("done"));
            assertThat(clock.pendingExternalOperations()).isEmpty();
            assertThat(clock.runDue()).isEqualTo(1);
        }

        @Test
        void advanceByTimesOutNamingTheOperationWhenItNeverCompletes() {
            clock.realTimeWait(Duration.ofMillis(200));
            EventLoop.ExternalOperation operation = clock.beginExternal("fetch GET http://origin.test/slow");
            clock.schedule(Duration.ofMillis(500), record("timer"));

            assertThatThrownBy(() -> clock.advanceBy(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("fetch GET http://origin.test/slow")
                    .hasMessageContaining("200 ms");
            assertThat(clock.instant()).isEqualTo(start);
            assertThat(ran).isEmpty();

            // Once it completes, the clock can be driven again.
            operation.complete(record("late continuation"));
            clock.advanceBy(Duration.ofSeconds(1));
            assertThat(ran).containsExactly("late continuation", "timer");
        }

        @Test
        void runUntilIdleTimesOutNamingTheOperation() {
            clock.realTimeWait(Duration.ofMillis(200));
            clock.beginExternal("fail-open GET http://origin.test/");

            assertThatThrownBy(clock::runUntilIdle)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("fail-open GET http://origin.test/");
        }

        @Test
        void runDueDoesNotWaitForExternalOperations() {
            clock.realTimeWait(Duration.ofSeconds(10));
            clock.beginExternal("never completes");

            assertThat(clock.runDue()).isZero();
        }

        @Test
        void completingTwiceIsRejected() {
            EventLoop.ExternalOperation operation = clock.beginExternal("once");
            operation.complete(record("first"));

            assertThatThrownBy(() -> operation.complete(record("second")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("completed twice: once");
        }

        @Test
        void realTimeWaitMustBePositive() {
            assertThatThrownBy(() -> clock.realTimeWait(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThat(clock.realTimeWait(Duration.ofMillis(5)).realTimeWait()).isEqualTo(Duration.ofMillis(5));
        }
    }

    @Nested
    class Reentrancy {

        @Test
        void drivingFromInsideATaskIsRejected() {
            List<Throwable> errors = new ArrayList<>();
            clock.execute(() -> {
                for (Runnable drive : List.<Runnable>of(
                        () -> clock.advanceBy(Duration.ofSeconds(1)),
                        clock::runDue,
                        clock::runUntilIdle)) {
                    try {
                        drive.run();
                    } catch (IllegalStateException e) {
                        errors.add(e);
                    }
                }
            });

            clock.runDue();

            assertThat(errors).hasSize(3).allSatisfy(e ->
                    assertThat(e).hasMessage("the VirtualClock cannot be driven from inside one of its own tasks"));
            assertThat(clock.instant()).isEqualTo(start);
        }

        @Test
        void driverIsReleasedAfterAFailingTask() {
            clock.execute(() -> {
                throw new IllegalStateException("task failed");
            });

            assertThatThrownBy(clock::runDue).hasMessage("task failed");
            clock.execute(record("after"));
            assertThat(clock.runDue()).isEqualTo(1);
            assertThat(ran).containsExactly("after");
        }
    }

    @Nested
    class ExternalLatency {

        @Test
        void aCompletedOperationsContinuationIsDeliveredAfterItsLatency() {
            assertThat(clock.externalLatency(description -> Duration.ofMillis(300))).isSameAs(clock);
            EventLoop.ExternalOperation operation = clock.beginExternal("fetch GET http://origin.test/slow");

            operation.complete(recordWithTime("continuation"));

            assertThat(clock.pendingExternalOperations()).isEmpty();
            assertThat(clock.pendingTimers()).containsExactly(start.plusMillis(300));
            assertThat(clock.runDue()).as("not due yet").isZero();
            assertThat(clock.runUntilIdle()).isEqualTo(Duration.ofMillis(300));
            assertThat(ran).containsExactly("continuation@300ms");
        }

        @Test
        void timeDoesNotMoveWhileTheOperationIsInFlight() throws Exception {
            clock.externalLatency(description -> Duration.ofMillis(300));
            EventLoop.ExternalOperation operation = clock.beginExternal("fetch GET http://origin.test/");
            clock.schedule(Duration.ofSeconds(1), recordWithTime("timer"));
            AtomicReference<Instant> nowWhenCompleted = new AtomicReference<>();
            CompletableFuture<Void> completer = CompletableFuture.runAsync(() -> {
                nowWhenCompleted.set(clock.instant());
                operation.complete(recordWithTime("continuation"));
            }, CompletableFuture.delayedExecutor(50, MILLISECONDS));

            clock.advanceBy(Duration.ofSeconds(2));

            completer.get(5, SECONDS);
            assertThat(nowWhenCompleted).as("virtual time stood still while the I/O was in flight").hasValue(start);
            assertThat(ran).containsExactly("continuation@300ms", "timer@1000ms");
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(2));
        }

        @Test
        void aLongLatencyLetsEarlierTimersRunFirst() {
            clock.externalLatency(description -> Duration.ofSeconds(5));
            EventLoop.ExternalOperation operation = clock.beginExternal("beacon POST http://origin.test/b");
            clock.schedule(Duration.ofSeconds(1), recordWithTime("timer"));

            operation.complete(recordWithTime("continuation"));
            clock.advanceBy(Duration.ofSeconds(4));

            assertThat(ran).containsExactly("timer@1000ms");
            clock.advanceBy(Duration.ofSeconds(1));
            assertThat(ran).containsExactly("timer@1000ms", "continuation@5000ms");
        }

        @Test
        void theLatencyIsChosenPerOperationByItsDescription() {
            List<String> asked = Collections.synchronizedList(new ArrayList<>());
            clock.externalLatency(description -> {
                asked.add(description);
                return description.contains("/slow") ? Duration.ofMillis(500) : description.contains("/fast") ? Duration.ofMillis(10) : Duration.ZERO;
            });
            EventLoop.ExternalOperation slow = clock.beginExternal("fetch GET http://origin.test/slow");
            EventLoop.ExternalOperation fast = clock.beginExternal("fetch GET http://origin.test/fast");
            EventLoop.ExternalOperation instant = clock.beginExternal("fail-open GET http://origin.test/");

            slow.complete(recordWithTime("slow"));
            fast.complete(recordWithTime("fast"));
            instant.complete(recordWithTime("instant"));
            clock.runUntilIdle();

            assertThat(ran).containsExactly("instant@0ms", "fast@10ms", "slow@500ms");
            assertThat(asked).containsExactly("fetch GET http://origin.test/slow", "fetch GET http://origin.test/fast", "fail-open GET http://origin.test/");
        }

        @Test
        void aTimerDueAtTheSameInstantRunsFirstWhenScheduledFirst() {
            clock.externalLatency(description -> Duration.ofMillis(300));
            EventLoop.ExternalOperation operation = clock.beginExternal("fetch GET http://origin.test/");
            clock.schedule(Duration.ofMillis(300), record("timer"));

            operation.complete(record("continuation"));
            clock.runUntilIdle();

            assertThat(ran).containsExactly("timer", "continuation");
        }

        @Test
        void zeroNegativeOrNullLatencyDeliversAtOnce() {
            clock.externalLatency(description -> switch (description) {
                case "zero" -> Duration.ZERO;
                case "negative" -> Duration.ofMillis(-5);
                default -> null;
            });
            for (String description : List.of("zero", "negative", "null")) {
                clock.beginExternal(description).complete(recordWithTime(description));
            }

            assertThat(clock.runDue()).isEqualTo(3);
            assertThat(ran).containsExactly("zero@0ms", "negative@0ms", "null@0ms");
            assertThat(clock.instant()).isEqualTo(start);
        }

        @Test
        void byDefaultResultsAreDeliveredAtOnce() {
            clock.beginExternal("fetch GET http://origin.test/").complete(recordWithTime("continuation"));

            assertThat(clock.pendingTimers()).isEmpty();
            assertThat(clock.runDue()).isEqualTo(1);
            assertThat(ran).containsExactly("continuation@0ms");
        }

        @Test
        void aLaterCallReplacesTheLatencyAndNullIsRejected() {
            clock.externalLatency(description -> Duration.ofSeconds(9));
            clock.externalLatency(description -> Duration.ofMillis(1));

            clock.beginExternal("op").complete(recordWithTime("continuation"));
            clock.runUntilIdle();

            assertThat(ran).containsExactly("continuation@1ms");
            assertThatThrownBy(() -> clock.externalLatency(null)).isInstanceOf(NullPointerException.class).hasMessage("latency");
        }
    }

    @Nested
    class AwaitWork {

        @Test
        void returnsFalseAfterTheTimeoutWhenNothingIsPosted() {
            long startNanos = System.nanoTime();

            boolean work = clock.awaitWork(Duration.ofMillis(200));

            long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
            assertThat(work).isFalse();
            assertThat(elapsedMillis).isBetween(200L, 5_000L);
        }

        @Test
        void returnsAtOnceWhenATaskIsReadyAndDoesNotRunIt() {
            clock.execute(record("ready"));
            long startNanos = System.nanoTime();

            assertThat(clock.awaitWork(Duration.ofSeconds(10))).isTrue();

            assertThat((System.nanoTime() - startNanos) / 1_000_000).isLessThan(5_000L);
            assertThat(ran).isEmpty();
            assertThat(clock.pendingTasks()).isEqualTo(1);
        }

        @Test
        void wakesWhenAnotherThreadPostsWork() throws Exception {
            CompletableFuture<Void> poster = CompletableFuture.runAsync(() -> clock.execute(record("posted")),
                    CompletableFuture.delayedExecutor(50, MILLISECONDS));
            long startNanos = System.nanoTime();

            boolean work = clock.awaitWork(Duration.ofSeconds(10));

            poster.get(5, SECONDS);
            assertThat(work).isTrue();
            assertThat((System.nanoTime() - startNanos) / 1_000_000).isLessThan(5_000L);
            assertThat(clock.runDue()).isEqualTo(1);
            assertThat(ran).containsExactly("posted");
        }

        @Test
        void wakesWhenAnExternalOperationDeliversItsContinuation() throws Exception {
            EventLoop.ExternalOperation operation = clock.beginExternal("fetch GET http://origin.test/");
            // while the operation is in flight awaitWork returns at once, so that a driver goes on to wait for it
            assertThat(clock.awaitWork(Duration.ofSeconds(10))).isTrue();

            CompletableFuture<Void> completer = CompletableFuture.runAsync(() -> operation.complete(record("continuation")),
                    CompletableFuture.delayedExecutor(50, MILLISECONDS));
            clock.runUntilIdle();
            completer.get(5, SECONDS);

            assertThat(ran).containsExactly("continuation");
            assertThat(clock.awaitWork(Duration.ofMillis(1))).as("nothing left").isFalse();
        }

        @Test
        void aTimerIsNotWorkReadyToRun() {
            clock.schedule(Duration.ofSeconds(1), record("timer"));

            assertThat(clock.awaitWork(Duration.ofMillis(200))).isFalse();
            assertThat(ran).isEmpty();
        }

        @Test
        void wakesWhenAnotherThreadSchedulesATimer() throws Exception {
            CompletableFuture<Void> scheduler = CompletableFuture.runAsync(() -> clock.schedule(Duration.ZERO, record("timer")),
                    CompletableFuture.delayedExecutor(50, MILLISECONDS));
            long startNanos = System.nanoTime();

            boolean work = clock.awaitWork(Duration.ofSeconds(2));

            scheduler.get(5, SECONDS);
            assertThat(work).isTrue();
            assertThat((System.nanoTime() - startNanos) / 1_000_000).isLessThan(1_000L);
        }

        @Test
        void anInterruptedWaitReturnsFalseAndKeepsTheFlag() {
            Thread.currentThread().interrupt();
            try {
                assertThat(clock.awaitWork(Duration.ofSeconds(10))).isFalse();
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
        }
    }

    @Nested
    class WithAWorkerInstance {

        @Test
        void lim4_lim5_lim6_neverSettlingTaskIsCancelledAtExactlyThirtyVirtualSeconds() throws Exception {
            CompletableFuture<Void> never = new CompletableFuture<>();
            try (WorkerInstance instance = WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(never);
                return Response.text("ok");
            })).eventLoop(clock).build()) {
                assertThat(instance.limit()).isEqualTo(Limit.DEFAULT);
                Invocation invocation = instance.fetch(IncomingRequest.get("http://worker.test/"));

                clock.runDue();

                CompletableFuture<ClientResponse> response = invocation.response().toCompletableFuture();
                assertThat(response).isCompleted();
                assertThat(response.join().status()).isEqualTo(200);
                assertThat(response.join().completedAt()).isEqualTo(start);

                clock.advanceBy(Duration.ofSeconds(30).minusNanos(1));
                assertThat(invocation.isFinished()).isFalse();
                assertThat(invocation.finished().toCompletableFuture()).isNotDone();

                clock.advanceBy(Duration.ofNanos(1));

                CompletableFuture<InvocationRecord> finished = invocation.finished().toCompletableFuture();
                assertThat(finished).isCompleted();
                InvocationRecord record = finished.join();
                Instant limitAt = start.plusSeconds(30);
                assertThat(record.invocationEndAt()).isEqualTo(start);
                assertThat(record.finishedAt()).isEqualTo(limitAt);
                assertThat(record.finishReason()).isEqualTo(FinishReason.LIMIT);
                assertThat(record.tasks()).singleElement().satisfies(t -> {
                    assertThat(t.result()).isEqualTo(TaskResult.CANCELLED);
                    assertThat(t.settledAt()).isEqualTo(limitAt);
                });
                assertThat(record.logsAt(LogLevel.WARN)).singleElement().satisfies(l -> {
                    assertThat(l.message()).isEqualTo(InvocationImpl.LIMIT_WARNING);
                    assertThat(l.at()).isEqualTo(limitAt);
                });
                assertThat(record.logs()).extracting(LogLine::level).containsExactly(LogLevel.WARN);
                assertThat(record.outcome()).isEqualTo(Outcome.OK);
                assertThat(record.status()).hasValue(200);
                assertThat(clock.pendingTasks()).isZero();

                // LIM-5: a late settlement changes nothing.
                never.complete(null);
                clock.runUntilIdle();
                assertThat(invocation.finished().toCompletableFuture().join().tasks())
                        .extracting(TaskRecord::result).containsExactly(TaskResult.CANCELLED);
            }
        }

        @Test
        void envTimersRunOnVirtualTime() throws Exception {
            try (WorkerInstance instance = WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(env.timers().sleep(Duration.ofSeconds(10)));
                return Response.text("ok");
            })).eventLoop(clock).build()) {
                Invocation invocation = instance.fetch(IncomingRequest.get("http://worker.test/"));

                Duration moved = clock.runUntilIdle();

                assertThat(moved).isEqualTo(Duration.ofSeconds(10));
                InvocationRecord record = invocation.finished().toCompletableFuture().join();
                assertThat(record.finishReason()).isEqualTo(FinishReason.DRAINED);
                assertThat(record.tasks()).singleElement().satisfies(t -> {
                    assertThat(t.result()).isEqualTo(TaskResult.RESOLVED);
                    assertThat(t.settledAt()).isEqualTo(start.plusSeconds(10));
                });
            }
        }

        @Test
        void runUntilIdleWaitsForFailOpenIoWithoutMovingVirtualTime() throws Exception {
            try (MockWebServer origin = new MockWebServer()) {
                origin.start();
                origin.enqueue(new MockResponse.Builder().code(203).body("from origin").build());
                try (WorkerInstance instance = WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
                    ctx.passThroughOnException();
                    throw new IllegalStateException("boom");
                })).eventLoop(clock).origin(origin.url("/").toString()).build()) {
                    Invocation invocation = instance.fetch(IncomingRequest.get("http://worker.test/x"));

                    Duration moved = clock.runUntilIdle();

                    assertThat(moved).isZero();
                    assertThat(invocation.finished().toCompletableFuture()).isCompleted();
                    assertThat(invocation.response().toCompletableFuture()).isCompleted();
                    assertThat(invocation.response().toCompletableFuture().join().bodyText()).isEqualTo("from origin");
                    assertThat(origin.takeRequest(5, SECONDS).getTarget()).isEqualTo("/x");
                    assertThat(clock.pendingExternalOperations()).isEmpty();
                }
            }
        }
    }
}
