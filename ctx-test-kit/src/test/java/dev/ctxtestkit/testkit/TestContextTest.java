package dev.ctxtestkit.testkit;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.InvocationAbortedException;
import dev.ctxtestkit.testkit.TestContext.Registration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TestContext}: a standalone ctx that records what handler code did with it. */
@Timeout(30)
class TestContextTest {
    private static final Duration SHORT = Duration.ofMillis(200);

    private final TestContext ctx = new TestContext();
    private final VirtualClock clock = new VirtualClock();
    private final Instant start = VirtualClock.DEFAULT_START;

    /** A task that resolves after {@code delay} of virtual time. */
    private CompletableFuture<String> after(Duration delay, String value) {
        CompletableFuture<String> task = new CompletableFuture<>();
        clock.schedule(delay, () -> task.complete(value));
        return task;
    }

    @Nested
    class Registrations {

        @Test
        void recordsEachRegistrationInOrderWithItsCallSite() {
            CompletableFuture<String> first = new CompletableFuture<>();
            CompletableFuture<String> second = CompletableFuture.completedFuture("done");

            ctx.waitUntil(first);
            ctx.waitUntil(second);

            List<Registration> registrations = ctx.registrations();
            assertThat(registrations).extracting(Registration::index).containsExactly(0, 1);
            assertThat(registrations).extracting(Registration::task).containsExactly(first, second);
            assertThat(registrations).extracting(Registration::suspicious).containsExactly(false, false);
            assertThat(registrations.get(0).site()).satisfies(site -> {
                assertThat(site.getClassName()).isEqualTo(Registrations.class.getName());
                assertThat(site.getMethodName()).isEqualTo("recordsEachRegistrationInOrderWithItsCallSite");
                assertThat(site.getLineNumber()).isPositive();
            });
            assertThat(registrations.get(1).site().getLineNumber()).isGreaterThan(registrations.get(0).site().getLineNumber());
            assertThat(registrations.get(0).settled()).isFalse();
            assertThat(registrations.get(1).settled()).isTrue();
        }

        @Test
        void theCallSiteIsTheHandlerThatCalledWaitUntil() {
            Context asContext = ctx;
            Runnable handler = () -> asContext.waitUntil(new CompletableFuture<>());

            handler.run();

            assertThat(ctx.registrations()).singleElement()
                    .extracting(r -> r.site().getClassName()).isEqualTo(Registrations.class.getName());
        }

        @Test
        void registrationsIsASnapshot() {
            List<Registration> before = ctx.registrations();

            ctx.waitUntil(new CompletableFuture<>());

            assertThat(before).isEmpty();
            assertThat(ctx.registrations()).hasSize(1);
            assertThatThrownBy(() -> ctx.registrations().clear()).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void wu13_waitUntilNullIsASettledTaskFlaggedSuspicious() {
            ctx.waitUntil(CompletableFuture.completedFuture(1));
            ctx.waitUntil(null);

            assertThat(ctx.suspiciousRegistrations()).singleElement().satisfies(r -> {
                assertThat(r.index()).isEqualTo(1);
                assertThat(r.task()).isNull();
                assertThat(r.suspicious()).isTrue();
                assertThat(r.settled()).as("a suspicious registration counts as settled").isTrue();
                assertThat(r.failure()).isEmpty();
                assertThat(r.site().getMethodName()).isEqualTo("wu13_waitUntilNullIsASettledTaskFlaggedSuspicious");
                assertThat(r.toString()).startsWith("registration#1 waitUntil(null) (suspicious, WU-13) at ");
            });
            assertThat(ctx.registrations()).hasSize(2);
            assertThat(ctx.rejected()).isEmpty();
        }

        @Test
        void wu13_aSuspiciousRegistrationDoesNotHoldUpAwaitTasks() {
            ctx.waitUntil(null);

            assertThat(ctx.awaitTasks(clock, SHORT)).singleElement().extracting(Registration::suspicious).isEqualTo(true);
        }

        @Test
        void wu10_anyNumberOfRegistrationsFromSeveralThreadsGetDistinctIndexes() throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    workers.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < 250; i++) {
                            ctx.waitUntil(CompletableFuture.completedFuture(i));
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> worker : workers) {
                    worker.get(10, SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            assertThat(ctx.registrations()).hasSize(1000)
                    .extracting(Registration::index).doesNotHaveDuplicates().allSatisfy(i -> assertThat(i).isBetween(0, 999));
        }

        @Test
        void toStringDescribesPendingResolvedAndRejectedTasks() {
            CompletableFuture<String> pending = new CompletableFuture<>();
            ctx.waitUntil(pending);
            ctx.waitUntil(CompletableFuture.completedFuture("ok"));
            ctx.waitUntil(CompletableFuture.failedFuture(new IllegalStateException("beacon refused")));

            List<Registration> registrations = ctx.registrations();

            assertThat(registrations.get(0).toString()).startsWith("registration#0 pending at ").contains("TestContextTest");
            assertThat(registrations.get(1).toString()).startsWith("registration#1 resolved at ");
            assertThat(registrations.get(2).toString())
                    .startsWith("registration#2 rejected: java.lang.IllegalStateException: beacon refused at ");
            assertThat(ctx).hasToString("TestContext[3 registrations, passThrough=false]");
        }
    }

    @Nested
    class Rejections {

        @Test
        void rejectedListsTheTasksThatRejectedWithTheirUnwrappedCause() {
            IllegalStateException refused = new IllegalStateException("refused");
            ctx.waitUntil(CompletableFuture.completedFuture("fine"));
            ctx.waitUntil(CompletableFuture.failedFuture(refused));
            ctx.waitUntil(CompletableFuture.supplyAsync(() -> {
                throw new IllegalArgumentException("in a stage");
            }, Runnable::run));

            List<Registration> rejected = ctx.rejected();

            assertThat(rejected).extracting(Registration::index).containsExactly(1, 2);
            assertThat(rejected.get(0).failure()).containsSame(refused);
            assertThat(rejected.get(1).failure()).hasValueSatisfying(f ->
                    assertThat(f).isInstanceOf(IllegalArgumentException.class).hasMessage("in a stage"));
        }

        @Test
        void aCancelledTaskCountsAsRejected() {
            CompletableFuture<String> task = new CompletableFuture<>();
            ctx.waitUntil(task);

            task.cancel(false);

            assertThat(ctx.rejected()).singleElement()
                    .satisfies(r -> assertThat(r.failure()).hasValueSatisfying(f -> assertThat(f).isInstanceOf(CancellationException.class)));
        }

        @Test
        void aPendingTaskIsNotRejectedYet() {
            CompletableFuture<String> task = new CompletableFuture<>();
            ctx.waitUntil(task);

            assertThat(ctx.rejected()).isEmpty();
            task.completeExceptionally(new IllegalStateException("later"));
            assertThat(ctx.rejected()).hasSize(1);
        }
    }

    @Nested
    class PassThrough {

        @Test
        void pt1_theFlagIsOffUntilCalledThenSticksAndCountsCalls() {
            assertThat(ctx.passThroughOnExceptionCalled()).isFalse();
            assertThat(ctx.passThroughCalls()).isZero();

            ctx.passThroughOnException();
            ctx.passThroughOnException();

            assertThat(ctx.passThroughOnExceptionCalled()).isTrue();
            assertThat(ctx.passThroughCalls()).isEqualTo(2);
            assertThat(ctx).hasToString("TestContext[0 registrations, passThrough=true]");
        }

        @Test
        void pt1_finishingDoesNotClearTheFlag() {
            ctx.passThroughOnException();

            ctx.finish();

            assertThat(ctx.passThroughOnExceptionCalled()).isTrue();
        }
    }

    @Nested
    class Abort {

        @Test
        void abt1_abortThrowsSoNoCodeAfterItRunsAndRecordsTheReason() {
            List<String> ran = new ArrayList<>();

            assertThatThrownBy(() -> {
                ctx.abort("bad input");
                ran.add("after abort");
            }).isInstanceOfSatisfying(InvocationAbortedException.class, e -> assertThat(e.reason()).isEqualTo("bad input"));

            assertThat(ran).isEmpty();
            assertThat(ctx.aborted()).isTrue();
            assertThat(ctx.abortReason()).contains("bad input");
            assertThat(ctx.toString()).contains(", aborted");
        }

        @Test
        void abortWithoutAReasonUsesTheDefaultMessageAndRecordsNoReason() {
            assertThatThrownBy(ctx::abort)
                    .isInstanceOf(InvocationAbortedException.class)
                    .hasMessage(InvocationAbortedException.DEFAULT_MESSAGE);

            assertThat(ctx.aborted()).isTrue();
            assertThat(ctx.abortReason()).isEmpty();
        }

        @Test
        void aThrowableReasonIsKept() {
            IllegalStateException cause = new IllegalStateException("upstream down");

            assertThatThrownBy(() -> ctx.abort(cause)).isInstanceOf(InvocationAbortedException.class);

            assertThat(ctx.abortReason()).containsSame(cause);
        }

        @Test
        void notAbortedUntilCalled() {
            assertThat(ctx.aborted()).isFalse();
            assertThat(ctx.abortReason()).isEmpty();
        }
    }

    @Nested
    class Finish {

        @Test
        void ctx7_afterFinishWaitUntilPassThroughAndAbortThrowAndChangeNothing() {
            ctx.finish();

            assertThat(ctx.isFinished()).isTrue();
            assertThatThrownBy(() -> ctx.waitUntil(new CompletableFuture<>()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("ctx.waitUntil() called on a TestContext whose invocation has finished (CTX-7)");
            assertThatThrownBy(() -> ctx.waitUntil(null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("(CTX-7)");
            assertThatThrownBy(ctx::passThroughOnException)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("ctx.passThroughOnException() called on a TestContext whose invocation has finished (CTX-7)");
            assertThatThrownBy(() -> ctx.abort("late"))
                    .as("a stale ctx throws IllegalStateException, not InvocationAbortedException")
                    .isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessage("ctx.abort() called on a TestContext whose invocation has finished (CTX-7)");
            assertThatThrownBy(ctx::abort).isExactlyInstanceOf(IllegalStateException.class);

            assertThat(ctx.registrations()).isEmpty();
            assertThat(ctx.passThroughOnExceptionCalled()).isFalse();
            assertThat(ctx.aborted()).isFalse();
            assertThat(ctx.abortReason()).isEmpty();
            assertThat(ctx.toString()).contains(", finished");
        }

        @Test
        void ctx7_registrationsMadeBeforeFinishAreKept() {
            ctx.waitUntil(CompletableFuture.completedFuture(1));
            ctx.finish();

            assertThatThrownBy(() -> ctx.waitUntil(CompletableFuture.completedFuture(2))).isInstanceOf(IllegalStateException.class);

            assertThat(ctx.registrations()).hasSize(1);
        }

        @Test
        void ctx4_ctx7_propsStayReadableAfterFinish() {
            TestContext withProps = new TestContext(Map.of("tenant", "acme"));
            withProps.finish();

            assertThat(withProps.props()).containsExactly(Map.entry("tenant", "acme"));
        }

        @Test
        void finishingTwiceIsHarmless() {
            ctx.finish();
            ctx.finish();

            assertThat(ctx.isFinished()).isTrue();
        }

        @Test
        void notFinishedUntilFinishIsCalled() {
            ctx.waitUntil(new CompletableFuture<>());

            assertThat(ctx.isFinished()).isFalse();
        }
    }

    @Nested
    class Props {

        @Test
        void ctx4_propsAreEmptyByDefault() {
            assertThat(ctx.props()).isNotNull().isEmpty();
        }

        @Test
        void ctx4_propsAreAnUnmodifiableCopyOfTheCallersMap() {
            Map<String, Object> source = new HashMap<>(Map.of("tenant", "acme"));
            TestContext withProps = new TestContext(source);

            source.put("tenant", "changed");

            assertThat(withProps.props()).containsExactly(Map.entry("tenant", "acme"));
            assertThatThrownBy(() -> withProps.props().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void nullPropsAreRejected() {
            assertThatThrownBy(() -> new TestContext(null)).isInstanceOf(NullPointerException.class).hasMessage("props");
        }
    }

    @Nested
    class AwaitTasksOnAClock {

        @Test
        void drivesTheClockUntilEveryTaskSettles() {
            ctx.waitUntil(after(Duration.ofSeconds(5), "beacon sent"));
            ctx.waitUntil(after(Duration.ofSeconds(2), "cache written"));
            assertThat(ctx.tasksAwaited()).isFalse();

            List<Registration> settled = ctx.awaitTasks(clock, Duration.ofSeconds(5));

            assertThat(settled).hasSize(2).allSatisfy(r -> assertThat(r.settled()).isTrue());
            assertThat(settled.get(0).task().toCompletableFuture().join()).isEqualTo("beacon sent");
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(5));
            assertThat(ctx.tasksAwaited()).isTrue();
        }

        @Test
        void wu11_waitsForTasksRegisteredWhileTasksRun() {
            CompletableFuture<String> outer = after(Duration.ofSeconds(1), "outer");
            outer.thenRun(() -> ctx.waitUntil(after(Duration.ofSeconds(3), "inner")));
            ctx.waitUntil(outer);

            List<Registration> settled = ctx.awaitTasks(clock, Duration.ofSeconds(5));

            assertThat(settled).hasSize(2).allSatisfy(r -> assertThat(r.settled()).isTrue());
            assertThat(settled.get(1).task().toCompletableFuture().join()).isEqualTo("inner");
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(4));
        }

        @Test
        void rejectedTasksSettleTooAndAreListed() {
            CompletableFuture<String> failing = new CompletableFuture<>();
            clock.schedule(Duration.ofSeconds(1), () -> failing.completeExceptionally(new IllegalStateException("cache is down")));
            ctx.waitUntil(failing);

            List<Registration> settled = ctx.awaitTasks(clock, Duration.ofSeconds(5));

            assertThat(settled).singleElement().satisfies(r -> assertThat(r.failure()).hasValueSatisfying(f -> assertThat(f).hasMessage("cache is down")));
            assertThat(ctx.rejected()).hasSize(1);
        }

        @Test
        void picksUpWorkPostedToTheLoopFromAnotherThread() throws Exception {
            CompletableFuture<String> task = new CompletableFuture<>();
            ctx.waitUntil(task);
            CompletableFuture<Void> poster = CompletableFuture.runAsync(() -> clock.execute(() -> task.complete("from afar")),
                    CompletableFuture.delayedExecutor(50, MILLISECONDS));

            List<Registration> settled = ctx.awaitTasks(clock, Duration.ofSeconds(5));

            poster.get(5, SECONDS);
            assertThat(settled).singleElement().satisfies(r -> assertThat(r.settled()).isTrue());
            assertThat(task).isCompletedWithValue("from afar");
        }

        @Test
        void failsNamingThePendingTasksAndWhereTheyWereRegistered() {
            ctx.waitUntil(CompletableFuture.completedFuture("done"));
            ctx.waitUntil(new CompletableFuture<>());

            long startNanos = System.nanoTime();
            assertThatThrownBy(() -> ctx.awaitTasks(clock, SHORT))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("1 task(s) registered with this TestContext never settled within 200 ms of real time: ")
                    .hasMessageContaining("registration#1 pending at ")
                    .hasMessageContaining("failsNamingThePendingTasksAndWhereTheyWereRegistered")
                    .hasMessageNotContaining("registration#0");
            assertThat((System.nanoTime() - startNanos) / 1_000_000).as("bounded by the timeout").isBetween(190L, 5_000L);
            assertThat(ctx.tasksAwaited()).as("a failed await still counts as awaited").isTrue();
        }

        @Test
        void withNoRegistrationsReturnsAtOnceWithoutMovingTime() {
            clock.schedule(Duration.ofSeconds(1), () -> { });

            assertThat(ctx.awaitTasks(clock, SHORT)).isEmpty();

            assertThat(ctx.tasksAwaited()).isTrue();
            assertThat(clock.instant()).as("runUntilIdle ran the unrelated timer").isEqualTo(start.plusSeconds(1));
        }

        @Test
        void theTimeoutBoundsTheWaitEvenWhileExternalIoIsInFlight() {
            clock.realTimeWait(Duration.ofSeconds(2));
            clock.beginExternal("fetch GET http://origin.test/never");
            ctx.waitUntil(new CompletableFuture<>());

            long startNanos = System.nanoTime();
            assertThatThrownBy(() -> ctx.awaitTasks(clock, SHORT))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("never settled within 200 ms");
            assertThat((System.nanoTime() - startNanos) / 1_000_000).isLessThan(1_000L);
        }

        @Test
        void aTaskCompletedDirectlyOnAnotherThreadIsSeenAsSettled() throws Exception {
            CompletableFuture<String> task = new CompletableFuture<>();
            ctx.waitUntil(task);
            CompletableFuture<Boolean> completer = CompletableFuture.supplyAsync(() -> task.complete("done"),
                    CompletableFuture.delayedExecutor(50, MILLISECONDS));

            List<Registration> settled = ctx.awaitTasks(clock, Duration.ofMillis(500));

            completer.get(5, SECONDS);
            assertThat(settled).singleElement().satisfies(r -> assertThat(r.settled()).isTrue());
        }
    }

    @Nested
    class AwaitTasksWithoutAClock {

        @Test
        void waitsForTasksCompletedByOtherThreads() {
            CompletableFuture<String> task = CompletableFuture.supplyAsync(() -> "done", CompletableFuture.delayedExecutor(50, MILLISECONDS));
            ctx.waitUntil(task);
            ctx.waitUntil(null);

            List<Registration> settled = ctx.awaitTasks(Duration.ofSeconds(5));

            assertThat(settled).hasSize(2).allSatisfy(r -> assertThat(r.settled()).isTrue());
            assertThat(ctx.tasksAwaited()).isTrue();
        }

        @Test
        void aRejectionDoesNotFailTheWait() {
            ctx.waitUntil(CompletableFuture.failedFuture(new IllegalStateException("refused")));

            assertThat(ctx.awaitTasks(Duration.ofSeconds(5))).hasSize(1);
            assertThat(ctx.rejected()).hasSize(1);
        }

        @Test
        void failsNamingThePendingTasks() {
            ctx.waitUntil(new CompletableFuture<>());

            assertThatThrownBy(() -> ctx.awaitTasks(SHORT))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("tasks registered with this TestContext never settled within 200 ms: ")
                    .hasMessageContaining("registration#0 pending at ")
                    .hasMessageContaining("failsNamingThePendingTasks");
            assertThat(ctx.tasksAwaited()).isTrue();
        }
    }
}
