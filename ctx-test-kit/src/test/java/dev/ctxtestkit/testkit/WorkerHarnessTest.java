package dev.ctxtestkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.EventKind;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.InMemoryCache;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.LogLine;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WorkerHarness}: workers on the reference runtime under a {@link VirtualClock}, with a {@link MockOrigin}. */
@Timeout(30)
class WorkerHarnessTest {
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final String URL = "http://worker.test/";

    private final Instant start = VirtualClock.DEFAULT_START;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private WorkerHarness harness(WorkerHarness.Builder builder) {
        WorkerHarness harness = builder.build();
        closeables.add(harness);
        return harness;
    }

    private WorkerHarness harness() {
        return harness(WorkerHarness.builder());
    }

    private static Worker answering(String text) {
        return Worker.fetchSync((request, env, ctx) -> Response.text(text));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return socket.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    @Nested
    class Defaults {

        @Test
        void aHarnessHasItsOwnClockOriginThirtySecondLimitAndHangGuard() {
            WorkerHarness harness = harness();

            assertThat(harness.clock().instant()).isEqualTo(start);
            assertThat(harness.origin().port()).isPositive();
            assertThat(harness.limit()).isEqualTo(Limit.DEFAULT);
            assertThat(harness.hangGuard()).isEqualTo(WorkerHarness.DEFAULT_HANG_GUARD).isEqualTo(Duration.ofSeconds(30));
            assertThat(harness.bindings()).isEmpty();
            assertThat(harness.invocations()).isEmpty();
        }

        @Test
        void theBuilderTakesAClockAnOriginALimitAndAHangGuard() {
            VirtualClock clock = new VirtualClock(Instant.EPOCH);
            MockOrigin origin = MockOrigin.start();
            closeables.add(origin);

            WorkerHarness harness = harness(WorkerHarness.builder().clock(clock).origin(origin).limit(Limit.unlimited()).hangGuard(SHORT));

            assertThat(harness.clock()).isSameAs(clock);
            assertThat(harness.origin()).isSameAs(origin);
            assertThat(harness.limit().isUnlimited()).isTrue();
            assertThat(harness.hangGuard()).isEqualTo(SHORT);
        }

        @Test
        void theHangGuardMustBePositiveAndNullsAreRejected() {
            WorkerHarness.Builder builder = WorkerHarness.builder();

            assertThatThrownBy(() -> builder.hangGuard(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("hangGuard must be positive: PT0S");
            assertThatThrownBy(() -> builder.hangGuard(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> builder.clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock");
            assertThatThrownBy(() -> builder.origin(null)).isInstanceOf(NullPointerException.class).hasMessage("origin");
            assertThatThrownBy(() -> builder.limit(null)).isInstanceOf(NullPointerException.class).hasMessage("limit");
        }
    }

    @Nested
    class Fetching {

        @Test
        void wu5_lim8_fetchAnswersAndRunsTheDrainToItsEndInVirtualTime() {
            WorkerHarness harness = harness();
            Worker worker = Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(env.timers().sleep(Duration.ofSeconds(10)));
                return Response.text(201, "hello");
            });

            InvocationResult result = harness.fetch(worker, IncomingRequest.get(URL + "hello"));

            assertThat(result.response().status()).isEqualTo(201);
            assertThat(result.response().bodyText()).isEqualTo("hello");
            assertThat(result.response().completedAt()).as("WU-5: the task did not hold the response back").isEqualTo(start);
            assertThat(result.record().finishReason()).isEqualTo(FinishReason.DRAINED);
            assertThat(result.record().finishedAt()).isEqualTo(start.plusSeconds(10));
            assertThat(result.record().tasks()).singleElement().extracting(TaskRecord::result).isEqualTo(TaskResult.RESOLVED);
            assertThat(result.invocation().isFinished()).isTrue();
            assertThat(harness.clock().instant()).isEqualTo(start.plusSeconds(10));
            assertThat(harness.invocations()).containsExactly(result.invocation());
        }

        @Test
        void startReturnsAtOnceAndFinishRunsTheClock() {
            WorkerHarness harness = harness();
            List<String> ran = new ArrayList<>();

            Invocation invocation = harness.start(Worker.fetchSync((request, env, ctx) -> {
                ran.add("handler");
                return Response.text("ok");
            }), IncomingRequest.get(URL));

            assertThat(ran).as("nothing runs until the clock is driven").isEmpty();
            assertThat(invocation.isFinished()).isFalse();
            assertThat(invocation.response().toCompletableFuture()).isNotDone();

            InvocationResult result = harness.finish(invocation);

            assertThat(ran).containsExactly("handler");
            assertThat(result.invocation()).isSameAs(invocation);
            assertThat(result.response().bodyText()).isEqualTo("ok");
        }

        @Test
        void aHandlerAndAUrlAreEnough() {
            InvocationResult result = harness().fetch((request, env, ctx) -> CompletableFuture.completedFuture(Response.text(request.url())),
                    "http://shop.example/a?b=1");

            assertThat(result.response().bodyText()).isEqualTo("http://shop.example/a?b=1");
            assertThat(result.record().label()).isEqualTo("fetch GET http://shop.example/a?b=1");
        }

        @Test
        void ctx4_startWithPropsHandsThemToCtxProps() {
            WorkerHarness harness = harness();
            Worker worker = Worker.fetchSync((request, env, ctx) -> Response.text(String.valueOf(ctx.props().get("tenant"))));

            Invocation withProps = harness.start(worker, IncomingRequest.get(URL), Map.of("tenant", "acme"));
            Invocation without = harness.start(worker, IncomingRequest.get(URL));

            assertThat(harness.finish(withProps).response().bodyText()).isEqualTo("acme");
            assertThat(harness.finish(without).response().bodyText()).isEqualTo("null");
        }

        @Test
        void evt5_aScheduledEventRunsToTheEndAndHasNoResponse() {
            WorkerHarness harness = harness();
            AtomicReference<Instant> firedAt = new AtomicReference<>();
            Worker worker = Worker.scheduled((event, env, ctx) -> {
                firedAt.set(event.scheduledTime());
                return env.timers().sleep(Duration.ofSeconds(2));
            });

            InvocationResult result = harness.scheduled(worker);

            assertThat(firedAt).hasValue(start);
            assertThat(result.clientResponse()).isEmpty();
            assertThat(result.record().event()).isEqualTo(EventKind.SCHEDULED);
            assertThat(result.record().outcome()).isEqualTo(Outcome.OK);
            assertThat(result.record().finishedAt()).isEqualTo(start.plusSeconds(2));
            assertThatThrownBy(result::response)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageEndingWith("has no response: it is a scheduled event");
        }

        @Test
        void lim4_lim5_theBuildersLimitCancelsANeverSettlingTaskAtItsDuration() {
            WorkerHarness harness = harness(WorkerHarness.builder().limit(Limit.of(Duration.ofSeconds(5))));

            InvocationResult result = harness.fetch(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(new CompletableFuture<>());
                return Response.text("ok");
            }), IncomingRequest.get(URL));

            assertThat(result.record().finishReason()).isEqualTo(FinishReason.LIMIT);
            assertThat(result.record().finishedAt()).isEqualTo(start.plusSeconds(5));
            assertThat(result.record().tasks()).singleElement().extracting(TaskRecord::result).isEqualTo(TaskResult.CANCELLED);
        }

        @Test
        void pt3_pt5_pt12_failOpenGoesToTheHarnessOriginWithTheOriginalRequest() {
            WorkerHarness harness = harness();
            harness.origin().enqueue(new MockResponse.Builder().code(299).addHeader("x-origin", "1").body("from origin").build());

            InvocationResult result = harness.fetch(Worker.fetchSync((request, env, ctx) -> {
                ctx.passThroughOnException();
                throw new IllegalStateException("boom");
            }), IncomingRequest.get("http://shop.example/x?y=1").withHeader("x-client", "c"));

            assertThat(result.response().status()).isEqualTo(299);
            assertThat(result.response().bodyText()).isEqualTo("from origin");
            assertThat(result.record().failOpen()).hasValueSatisfying(f -> assertThat(f.succeeded()).isTrue());
            ReceivedRequest forwarded = harness.origin().takeRequest(Duration.ofSeconds(5));
            assertThat(forwarded.target()).isEqualTo("/x?y=1");
            assertThat(forwarded.header("host")).isEqualTo("shop.example");
            assertThat(forwarded.header("x-client")).isEqualTo("c");
        }

        @Test
        void envFetchGoesToTheHarnessOriginKeepingTheHost() {
            WorkerHarness harness = harness();
            harness.origin().enqueue(200, "upstream");

            InvocationResult result = harness.fetch(Worker.fetch((request, env, ctx) ->
                    env.fetch(Request.get("http://api.example/v1/items")).thenCompose(Response::text).thenApply(Response::text)),
                    IncomingRequest.get(URL));

            assertThat(result.response().bodyText()).isEqualTo("upstream");
            ReceivedRequest received = harness.origin().takeRequest(Duration.ofSeconds(5));
            assertThat(received.target()).isEqualTo("/v1/items");
            assertThat(received.header("host")).isEqualTo("api.example");
        }
    }

    @Nested
    class AdvanceBy {

        @Test
        void movesTheClockRunningTheTimersOfStartedInvocations() {
            WorkerHarness harness = harness();
            Invocation invocation = harness.start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(env.timers().sleep(Duration.ofSeconds(5)));
                return Response.text("ok");
            }), IncomingRequest.get(URL));

            harness.advanceBy(Duration.ofSeconds(2));

            assertThat(invocation.response().toCompletableFuture()).isCompleted();
            assertThat(invocation.isFinished()).isFalse();
            assertThat(harness.clock().instant()).isEqualTo(start.plusSeconds(2));

            harness.advanceBy(Duration.ofSeconds(3));

            assertThat(invocation.isFinished()).isTrue();
            assertThat(invocation.finished().toCompletableFuture().join().finishedAt()).isEqualTo(start.plusSeconds(5));
        }

        @Test
        void aNegativeDurationFailsNamingTheStep() {
            WorkerHarness harness = harness();

            assertThatThrownBy(() -> harness.advanceBy(Duration.ofSeconds(-1)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("advancing the clock by PT-1S failed: ")
                    .hasMessageContaining("cannot move a clock backwards")
                    .hasCauseInstanceOf(IllegalArgumentException.class);
            assertThat(harness.clock().instant()).isEqualTo(start);
        }
    }

    @Nested
    class OriginLatency {

        private InvocationResult failOpen(WorkerHarness harness) {
            harness.origin().enqueue(200, "from origin");
            return harness.fetch(Worker.fetchSync((request, env, ctx) -> {
                ctx.passThroughOnException();
                throw new IllegalStateException("boom");
            }), IncomingRequest.get(URL));
        }

        @Test
        void failOpenTakesTheLatencyOfVirtualTime() {
            WorkerHarness harness = harness().originLatency(Duration.ofMillis(300));

            InvocationResult result = failOpen(harness);

            assertThat(result.response().bodyText()).isEqualTo("from origin");
            assertThat(harness.clock().instant()).isEqualTo(start.plusMillis(300));
        }

        @Test
        void pt6_failOpenResponseReachesTheClientOnlyAfterTheLatency() {
            WorkerHarness harness = harness().originLatency(Duration.ofMillis(300));

            InvocationResult result = failOpen(harness);

            assertThat(result.response().headersAt()).isEqualTo(start.plusMillis(300));
            assertThat(result.response().completedAt()).isEqualTo(start.plusMillis(300));
        }

        @Test
        void timersRunWhileAnEnvFetchIsInFlightInVirtualTime() {
            WorkerHarness harness = harness().originLatency(Duration.ofMillis(300));
            harness.origin().enqueue(200, "upstream");

            InvocationResult result = harness.fetch(Worker.fetch((request, env, ctx) -> {
                env.timers().setTimeout(() -> env.console().log("tick"), Duration.ofMillis(100));
                return env.fetch(Request.get("http://api.example/")).thenApply(upstream -> {
                    env.console().log("answered");
                    return Response.text("done");
                });
            }), IncomingRequest.get(URL));

            assertThat(result.record().logs()).extracting(LogLine::message).containsExactly("tick", "answered");
            assertThat(result.record().logs()).extracting(LogLine::at).containsExactly(start.plusMillis(100), start.plusMillis(300));
            assertThat(result.response().completedAt()).isEqualTo(start.plusMillis(300));
        }

        @Test
        void zeroLatencyAnswersAtOnceAndNegativeIsRefused() {
            WorkerHarness harness = harness();
            harness.origin().enqueue(200, "x");

            assertThat(harness.originLatency(Duration.ZERO)).isSameAs(harness);
            InvocationResult result = harness.fetch(Worker.fetch((request, env, ctx) ->
                    env.fetch(Request.get("http://api.example/")).thenApply(r -> Response.text("ok"))), IncomingRequest.get(URL));

            assertThat(result.response().completedAt()).isEqualTo(start);
            assertThatThrownBy(() -> harness.originLatency(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("latency must not be negative: PT-0.001S");
        }
    }

    @Nested
    class Instances {

        @Test
        void oneInstancePerWorkerObjectSoItsStatePersists() {
            WorkerHarness harness = harness();
            AtomicInteger served = new AtomicInteger();
            Worker worker = Worker.fetchSync((request, env, ctx) -> Response.text("#" + served.incrementAndGet()));
            Worker other = answering("other");

            WorkerInstance instance = harness.instance(worker);
            InvocationResult first = harness.fetch(worker, IncomingRequest.get(URL));
            InvocationResult second = harness.fetch(worker, IncomingRequest.get(URL));
            InvocationResult third = harness.fetch(other, IncomingRequest.get(URL));

            assertThat(harness.instance(worker)).isSameAs(instance);
            assertThat(harness.instance(other)).isNotSameAs(instance);
            assertThat(first.record().id()).isEqualTo(1);
            assertThat(second.record().id()).as("the same instance numbers its invocations").isEqualTo(2);
            assertThat(second.response().bodyText()).isEqualTo("#2");
            assertThat(third.record().id()).as("another worker object, another instance").isEqualTo(1);
            assertThat(instance.eventLoop()).isSameAs(harness.clock());
            assertThat(instance.limit()).isEqualTo(harness.limit());
        }

        @Test
        void aNullWorkerIsRejected() {
            assertThatThrownBy(() -> harness().instance(null)).isInstanceOf(NullPointerException.class).hasMessage("worker");
        }
    }

    @Nested
    class Bindings {

        @Test
        void aSupplierIsCalledOncePerHarnessAndEveryWorkerGetsTheSameValue() {
            AtomicInteger supplied = new AtomicInteger();
            WorkerHarness harness = harness(WorkerHarness.builder().binding("COUNTER", () -> {
                supplied.incrementAndGet();
                return new AtomicInteger();
            }));
            Worker counting = Worker.fetchSync((request, env, ctx) ->
                    Response.text(String.valueOf(env.binding("COUNTER", AtomicInteger.class).incrementAndGet())));

            harness.fetch(counting, IncomingRequest.get(URL));
            InvocationResult second = harness.fetch(Worker.fetchSync((request, env, ctx) ->
                    Response.text(String.valueOf(env.binding("COUNTER", AtomicInteger.class).incrementAndGet()))), IncomingRequest.get(URL));

            assertThat(second.response().bodyText()).isEqualTo("2");
            assertThat(supplied).hasValue(1);
            assertThat(harness.binding("COUNTER", AtomicInteger.class)).hasValue(2);
            assertThat(harness.bindings()).containsOnlyKeys("COUNTER");
            assertThatThrownBy(() -> harness.bindings().clear()).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void aBindingOnTheClockTakesVirtualTime() {
            WorkerHarness harness = harness(WorkerHarness.builder()
                    .bindingOnClock("CACHE", clock -> new InMemoryCache(clock, Duration.ofMillis(20))));

            InvocationResult result = harness.fetch(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(env.binding("CACHE", InMemoryCache.class).put("k", new byte[] {1}));
                return Response.text("ok");
            }), IncomingRequest.get(URL));

            assertThat(result.record().tasks()).singleElement().extracting(TaskRecord::settledAt).isEqualTo(start.plusMillis(20));
            assertThat(harness.binding("CACHE", InMemoryCache.class).peek("k")).isPresent();
        }

        @Test
        void aMissingBindingSaysWhichNamesThereAre() {
            WorkerHarness harness = harness(WorkerHarness.builder().binding("A", () -> "a").binding("B", () -> "b"));

            assertThatThrownBy(() -> harness.binding("C", String.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("no binding named 'C'; bindings: [A, B]");
        }

        @Test
        void aBindingOfAnotherTypeNamesBothTypes() {
            WorkerHarness harness = harness(WorkerHarness.builder().binding("A", () -> "a"));

            assertThatThrownBy(() -> harness.binding("A", Integer.class))
                    .hasMessageContaining("java.lang.String")
                    .hasMessageContaining("java.lang.Integer");
        }

        @Test
        void aSupplierThatGivesNullFailsAtBuildNamingTheBinding() {
            WorkerHarness.Builder builder = WorkerHarness.builder().binding("KV", () -> null);

            assertThatThrownBy(builder::build).isInstanceOf(NullPointerException.class).hasMessage("binding 'KV' supplied null");
        }
    }

    @Nested
    class HangGuard {

        @Test
        void aTaskNothingCompletesFailsNamingItAndWhereItWasRegistered() {
            WorkerHarness harness = harness(WorkerHarness.builder().limit(Limit.unlimited()).hangGuard(SHORT));
            Invocation invocation = harness.start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(new CompletableFuture<>());
                return Response.text("ok");
            }), IncomingRequest.get(URL));

            long startNanos = System.nanoTime();
            assertThatThrownBy(() -> harness.finish(invocation))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("hang guard: not finished after 200 ms of real time (" + start + " virtual)")
                    .hasMessageContaining("fetch GET http://worker.test/ (invocation #1) is still running")
                    .hasMessageContaining("task#0 never settled; registered at ")
                    .hasMessageContaining("WorkerHarnessTest")
                    .hasMessageContaining("during the handler")
                    .hasMessageContaining("the limit is unlimited, so nothing cancels a task that never settles")
                    .hasMessageNotContaining("the event loop is blocked");
            assertThat((System.nanoTime() - startNanos) / 1_000_000).as("bounded by the hang guard").isBetween(190L, 5_000L);
        }

        @Test
        void err3_aHandlerStageNothingCanSettleIsEndedAsHung_notLeftToTheHangGuard() {
            WorkerHarness harness = harness(WorkerHarness.builder().hangGuard(SHORT));
            InvocationResult result = harness.fetch(Worker.fetch((request, env, ctx) -> new CompletableFuture<>()), IncomingRequest.get(URL));

            assertThat(result.response().status()).isEqualTo(500);
            assertThat(result.record().outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(result.record().exceptions()).extracting(e -> e.message()).containsExactly(dev.ctxtestkit.runtime.InvocationHungException.MESSAGE);
            assertThat(result.record().invocationEndAt()).as("at the virtual instant the loop ran out of work").isEqualTo(start);
        }

        @Test
        void withHangDetectionOff_aHandlerStageTheTestCompletesLaterStillResponds() {
            WorkerHarness harness = harness(WorkerHarness.builder().hangDetection(false));
            CompletableFuture<Response> later = new CompletableFuture<>();
            Invocation invocation = harness.start(Worker.fetch((request, env, ctx) -> later), IncomingRequest.get(URL));
            harness.advanceBy(Duration.ofMillis(10)); // idle: with detection on, this would end it as hung

            assertThat(invocation.response().toCompletableFuture()).isNotDone();
            later.complete(Response.text("from the test"));
            InvocationResult result = harness.finish(invocation);
            assertThat(result.response().bodyText()).isEqualTo("from the test");
            assertThat(result.record().outcome()).isEqualTo(Outcome.OK);
        }

        @Test
        void aBlockedLoopIsReportedWithWhatItIsDoing() {
            WorkerHarness harness = harness(WorkerHarness.builder().hangGuard(SHORT));
            CountDownLatch never = new CountDownLatch(1);
            try {
                Invocation invocation = harness.start(Worker.fetchSync((request, env, ctx) -> {
                    never.await(10, TimeUnit.SECONDS); // blocks the loop; the hang guard interrupts it
                    return Response.text("late");
                }), IncomingRequest.get(URL));

                assertThatThrownBy(() -> harness.finish(invocation))
                        .isInstanceOf(AssertionError.class)
                        .hasMessageStartingWith("hang guard: not finished after 200 ms of real time")
                        .hasMessageContaining("the event loop is blocked in:")
                        .hasMessageContaining("CountDownLatch.await");
            } finally {
                never.countDown();
            }
        }

        @Test
        void anOriginSlowerThanTheClocksRealTimeWaitFailsNamingTheRequest() {
            CountDownLatch release = new CountDownLatch(1);
            WorkerHarness harness = harness(WorkerHarness.builder().clock(new VirtualClock().realTimeWait(SHORT)));
            harness.origin().dispatcher(request -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new MockResponse.Builder().code(200).build();
            });
            try {
                assertThatThrownBy(() -> harness.fetch(Worker.fetch((request, env, ctx) ->
                        env.fetch(Request.get("http://api.example/slow")).thenApply(r -> Response.text("ok"))), IncomingRequest.get(URL)))
                        .isInstanceOf(AssertionError.class)
                        .hasMessageStartingWith("running the clock failed: ")
                        .hasMessageContaining("waited 200 ms of real time for external I/O to complete: [fetch GET http://api.example/slow]");
            } finally {
                release.countDown();
            }
        }
    }

    @Nested
    class DrainAll {

        private final Worker rejecting = Worker.fetchSync((request, env, ctx) -> {
            ctx.waitUntil(env.timers().sleep(Duration.ofSeconds(1)).thenRun(() -> {
                throw new IllegalStateException("beacon refused");
            }));
            return Response.text("ok");
        });

        @Test
        void finishesEveryStartedInvocationAndReportsRejectionsNobodyLookedAt() {
            WorkerHarness harness = harness();
            Invocation unobserved = harness.start(rejecting, IncomingRequest.get(URL + "unobserved"));
            Invocation observed = harness.start(rejecting, IncomingRequest.get(URL + "observed"));
            harness.finish(observed);

            List<AssertionError> failures = harness.drainAll();

            assertThat(unobserved.isFinished()).isTrue();
            assertThat(failures).singleElement().satisfies(failure -> {
                assertThat(failure).hasMessageStartingWith("fetch GET http://worker.test/unobserved: a task rejected and the test never looked at this invocation: "
                        + "java.lang.IllegalStateException: beacon refused");
                assertThat(failure).hasMessageContaining("(call harness.finish(invocation) to assert on it)");
                assertThat(failure).hasMessageContaining("invocation #1 timeline:");
                assertThat(failure).hasMessageContaining("task#0 rejected");
                assertThat(failure.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("beacon refused");
            });
        }

        @Test
        void reportsStrictOriginViolations() {
            MockOrigin origin = MockOrigin.start().strict(true);
            closeables.add(origin);
            WorkerHarness harness = harness(WorkerHarness.builder().origin(origin));
            origin.enqueue(200, "never requested");

            harness.fetch(answering("ok"), IncomingRequest.get(URL));

            assertThat(harness.drainAll()).singleElement()
                    .satisfies(e -> assertThat(e).hasMessageContaining("strict mock origin").hasMessageContaining("1 queued answer(s) never requested"));
        }

        @Test
        void reportsAHangInsteadOfThrowing() {
            WorkerHarness harness = harness(WorkerHarness.builder().limit(Limit.unlimited()).hangGuard(SHORT));
            harness.start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(new CompletableFuture<>());
                return Response.text("ok");
            }), IncomingRequest.get(URL));

            List<AssertionError> failures = harness.drainAll();

            assertThat(failures).singleElement().satisfies(e -> assertThat(e).hasMessageStartingWith("hang guard:").hasMessageContaining("task#0 never settled"));
        }

        @Test
        void isEmptyWhenEverythingWentWell() {
            WorkerHarness harness = harness();
            Invocation started = harness.start(answering("ok"), IncomingRequest.get(URL));

            assertThat(harness.drainAll()).isEmpty();
            assertThat(started.isFinished()).isTrue();
        }
    }

    @Nested
    class Closing {

        @Test
        void closeIsIdempotentAndClosesTheOriginItCreated() {
            WorkerHarness harness = WorkerHarness.builder().build();
            int port = harness.origin().port();
            assertThat(accepts(port)).isTrue();

            harness.close();
            harness.close();

            assertThat(accepts(port)).isFalse();
        }

        @Test
        void aGivenOriginIsLeftOpen() {
            MockOrigin origin = MockOrigin.start();
            closeables.add(origin);
            WorkerHarness harness = WorkerHarness.builder().origin(origin).build();

            harness.close();

            assertThat(accepts(origin.port())).isTrue();
        }

        @Test
        void everyCallThatDrivesOrStartsThrowsAfterClose() {
            WorkerHarness harness = WorkerHarness.builder().build();
            Worker worker = answering("ok");
            Invocation invocation = harness.start(worker, IncomingRequest.get(URL));

            harness.close();

            List<Runnable> calls = List.of(
                    () -> harness.start(worker, IncomingRequest.get(URL)),
                    () -> harness.start(worker, IncomingRequest.get(URL), Map.of()),
                    () -> harness.fetch(worker, IncomingRequest.get(URL)),
                    () -> harness.fetch((request, env, ctx) -> CompletableFuture.completedFuture(Response.text("x")), URL),
                    () -> harness.scheduled(worker),
                    () -> harness.startScheduled(worker),
                    () -> harness.finish(invocation),
                    () -> harness.advanceBy(Duration.ofSeconds(1)),
                    () -> harness.instance(worker));
            for (Runnable call : calls) {
                assertThatThrownBy(call::run).isInstanceOf(IllegalStateException.class).hasMessage("this WorkerHarness is closed");
            }
            // drainAll never throws: it reports, as at the end of a test.
            assertThat(harness.drainAll()).singleElement().satisfies(f -> assertThat(f).hasMessageContaining("closed WorkerHarness"));
            assertThat(harness.invocations()).as("what happened stays readable").containsExactly(invocation);
            assertThat(harness.clock().instant()).isEqualTo(start);
        }
    }

    @Test
    void aResponseIsTheClientsView() {
        InvocationResult result = harness().fetch(answering("héllo"), IncomingRequest.get(URL));

        ClientResponse response = result.response();
        assertThat(response.headers().get("content-length")).isEqualTo("6");
        assertThat(response.truncated()).isFalse();
        assertThat(result.timeline()).contains("invocation #1 timeline:").contains("response: 200 ").contains("body 'héllo'");
    }
}
