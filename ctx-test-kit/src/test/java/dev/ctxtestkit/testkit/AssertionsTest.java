package dev.ctxtestkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.internal.InvocationImpl;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import mockwebserver3.MockResponse;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CtxAssertions}: each assertion passes in the right case and, in the wrong one, fails with a message that
 * says what was expected and shows the invocation's timeline (for requests at the origin: the request).
 */
@Timeout(30)
class AssertionsTest {
    private static final String URL = "http://shop.example/";

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

    /** {@code call} fails with {@code expectation} followed by the result's whole timeline. */
    private static void failsWithTimeline(InvocationResult result, ThrowingCallable call, String expectation) {
        assertThatThrownBy(call)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(expectation)
                .hasMessageContaining(result.timeline())
                .hasMessageContaining("invocation #" + result.record().id() + " timeline:")
                .hasMessageContaining("handler called (" + result.record().label() + ")");
    }

    /** 200 "hello" with {@code x-foo: bar}, an INFO log line, and one task that resolves 1 s later. */
    private InvocationResult ok() {
        return harness(WorkerHarness.builder()).fetch(Worker.fetchSync((request, env, ctx) -> {
            env.console().log("served " + request.url());
            ctx.waitUntil(env.timers().sleep(Duration.ofSeconds(1)));
            return new Response(200, Headers.of("x-foo", "bar"), dev.ctxtestkit.runtime.Body.of("hello"));
        }), IncomingRequest.get(URL));
    }

    /** 200, one task that rejects 1 s later with "beacon refused" (WU-6, WU-9). */
    private InvocationResult rejected() {
        return harness(WorkerHarness.builder()).fetch(Worker.fetchSync((request, env, ctx) -> {
            ctx.waitUntil(env.timers().sleep(Duration.ofSeconds(1)).thenRun(() -> {
                throw new IllegalStateException("beacon refused");
            }));
            return Response.text("ok");
        }), IncomingRequest.get(URL));
    }

    /** A task that never settles, cancelled at a 5 s limit (LIM-5, LIM-6). */
    private InvocationResult cancelled() {
        return harness(WorkerHarness.builder().limit(Limit.of(Duration.ofSeconds(5)))).fetch(Worker.fetchSync((request, env, ctx) -> {
            ctx.waitUntil(new CompletableFuture<>());
            return Response.text("ok");
        }), IncomingRequest.get(URL));
    }

    /** Pass-through then a throw; the origin answers 299. The 5-byte request body is left unread (PT-7). */
    private InvocationResult failedOpen() {
        WorkerHarness harness = harness(WorkerHarness.builder());
        harness.origin().enqueue(299, "from origin");
        return harness.fetch(Worker.fetchSync((request, env, ctx) -> {
            ctx.passThroughOnException();
            throw new IllegalStateException("boom");
        }), IncomingRequest.post(URL + "form", "a=b&c"));
    }

    /** Pass-through then a throw, but the origin refuses the connection (PT-8). */
    private InvocationResult failedFallback() {
        MockOrigin closed = MockOrigin.start();
        closed.close();
        return harness(WorkerHarness.builder().origin(closed)).fetch(Worker.fetchSync((request, env, ctx) -> {
            ctx.passThroughOnException();
            throw new IllegalStateException("boom");
        }), IncomingRequest.get(URL));
    }

    /** A handler exception without pass-through (ERR-9). */
    private InvocationResult threw() {
        return harness(WorkerHarness.builder()).fetch(Worker.fetchSync((request, env, ctx) -> {
            throw new IllegalStateException("boom");
        }), IncomingRequest.get(URL));
    }

    @Nested
    class Response_ {

        @Test
        void respondedWith() {
            InvocationResult result = ok();

            assertThat(CtxAssertions.assertThat(result).respondedWith(200)).isNotNull();
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).respondedWith(404),
                    "Expecting the response status to be 404 but was 200");
        }

        @Test
        void err9_respondedWithOnAnErrorResponse() {
            InvocationResult result = threw();

            CtxAssertions.assertThat(result).respondedWith(500).hasBody("Internal Server Error").hasHeader("connection", "close");
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).respondedWith(200),
                    "Expecting the response status to be 200 but was 500");
        }

        @Test
        void hasBody() {
            InvocationResult result = ok();

            CtxAssertions.assertThat(result).hasBody("hello");
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).hasBody("goodbye"),
                    "Expecting the response body to be 'goodbye' but was 'hello'");
        }

        @Test
        void hasHeader() {
            InvocationResult result = ok();

            CtxAssertions.assertThat(result).hasHeader("x-foo", "bar").hasHeader("X-Foo", "bar");
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).hasHeader("x-foo", "baz"),
                    "Expecting the response header x-foo to be 'baz' but was 'bar'");
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).hasHeader("x-missing", "1"),
                    "Expecting the response header x-missing to be '1' but was absent");
        }

        @Test
        void theTimelineShowsTheResponse() {
            InvocationResult result = ok();

            assertThatThrownBy(() -> CtxAssertions.assertThat(result).respondedWith(404))
                    .hasMessageContaining("response: 200 ")
                    .hasMessageContaining("body 'hello'")
                    .hasMessageContaining("INFO served http://shop.example/")
                    .hasMessageContaining("task#0 resolved");
        }

        @Test
        void wu5_respondedBeforeTasksSettled() {
            InvocationResult result = ok();

            CtxAssertions.assertThat(result).respondedBeforeTasksSettled();
        }

        @Test
        void wu5_respondedBeforeTasksSettledFailsForATaskThatSettledFirst() {
            InvocationResult result = harness(WorkerHarness.builder()).fetch(Worker.fetch((request, env, ctx) -> {
                ctx.waitUntil(CompletableFuture.completedFuture("already done"));
                return env.timers().sleep(Duration.ofSeconds(1)).thenApply(ignored -> Response.text("slow"));
            }), IncomingRequest.get(URL));

            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).respondedBeforeTasksSettled(),
                    "Expecting the response before any task settled, but task#0 settled at +0 ms and the response completed at +1000 ms");
        }

        @Test
        void wu13_respondedBeforeTasksSettledIgnoresASuspiciousRegistration() {
            InvocationResult result = harness(WorkerHarness.builder()).fetch(Worker.fetch((request, env, ctx) -> {
                ctx.waitUntil(null);
                return env.timers().sleep(Duration.ofSeconds(1)).thenApply(ignored -> Response.text("slow"));
            }), IncomingRequest.get(URL));

            CtxAssertions.assertThat(result).respondedBeforeTasksSettled().hasTaskCount(1);
            assertThat(result.timeline()).contains("(waitUntil(null), suspicious: WU-13)");
        }

        @Test
        void evt5_responseAssertionsOnAScheduledEventSayItHasNone() {
            WorkerHarness harness = harness(WorkerHarness.builder());
            InvocationResult result = harness.scheduled(Worker.scheduled((event, env, ctx) -> null));

            // EVT-1: the scheduled handler's own stage is task#0, even when it returned null
            CtxAssertions.assertThat(result).drained().hasOutcome(Outcome.OK).hasTaskCount(1).completedAllTasks();
            for (ThrowingCallable call : List.<ThrowingCallable>of(
                    () -> CtxAssertions.assertThat(result).respondedWith(200),
                    () -> CtxAssertions.assertThat(result).hasBody(""),
                    () -> CtxAssertions.assertThat(result).hasHeader("a", "b"),
                    () -> CtxAssertions.assertThat(result).respondedBeforeTasksSettled())) {
                failsWithTimeline(result, call, "Expecting a response, but " + result.record().label() + " is a scheduled event");
            }
        }
    }

    @Nested
    class Tasks {

        @Test
        void completedAllTasks() {
            CtxAssertions.assertThat(ok()).completedAllTasks();

            InvocationResult result = rejected();
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).completedAllTasks(),
                    "Expecting every task to have resolved, but 1 did not: [task#0 REJECTED]");
        }

        @Test
        void completedAllTasksFailsForACancelledTask() {
            InvocationResult result = cancelled();

            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).completedAllTasks(), "[task#0 CANCELLED]");
        }

        @Test
        void hasTaskCount() {
            InvocationResult result = ok();

            CtxAssertions.assertThat(result).hasTaskCount(1);
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).hasTaskCount(2), "Expecting 2 task(s) but 1 were registered");
        }

        @Test
        void wu9_hasRejectedTaskWithMessage() {
            InvocationResult result = rejected();

            CtxAssertions.assertThat(result).hasRejectedTaskWithMessage("beacon refused");
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).hasRejectedTaskWithMessage("beacon"),
                    "Expecting a rejected task with message 'beacon'");
            InvocationResult fine = ok();
            failsWithTimeline(fine, () -> CtxAssertions.assertThat(fine).hasRejectedTaskWithMessage("beacon refused"),
                    "Expecting a rejected task with message 'beacon refused'");
        }

        @Test
        void theTimelineShowsTheRejection() {
            InvocationResult result = rejected();

            assertThatThrownBy(() -> CtxAssertions.assertThat(result).completedAllTasks())
                    .hasMessageContaining("+1000 ms  task#0 rejected: java.lang.IllegalStateException: beacon refused")
                    .hasMessageContaining("exception [Uncaught (async)] java.lang.IllegalStateException: beacon refused");
        }
    }

    @Nested
    class Drain {

        @Test
        void lim5_cancelledAtLimit() {
            InvocationResult result = cancelled();

            CtxAssertions.assertThat(result).cancelledAtLimit();
            InvocationResult fine = ok();
            failsWithTimeline(fine, () -> CtxAssertions.assertThat(fine).cancelledAtLimit(),
                    "Expecting tasks cancelled at the limit, but the drain ended DRAINED with 0 cancelled task(s)");
        }

        @Test
        void lim1_lim2_cancelledAtLimitAfterAnExactDuration() {
            InvocationResult result = cancelled();

            CtxAssertions.assertThat(result).cancelledAtLimit(Duration.ofSeconds(5));
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).cancelledAtLimit(Duration.ofSeconds(30)),
                    "Expecting the limit PT30S after invocation end, but it hit PT5S after it");
            InvocationResult fine = ok();
            failsWithTimeline(fine, () -> CtxAssertions.assertThat(fine).cancelledAtLimit(Duration.ofSeconds(1)),
                    "Expecting tasks cancelled at the limit");
        }

        @Test
        void drained() {
            CtxAssertions.assertThat(ok()).drained();
            CtxAssertions.assertThat(rejected()).as("a rejected task still settles").drained();

            InvocationResult result = cancelled();
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).drained(),
                    "Expecting the drain to end with every task settled, but it ended LIMIT");
        }

        @Test
        void lim6_loggedWarnAtTheLimit() {
            InvocationResult result = cancelled();

            CtxAssertions.assertThat(result).loggedWarn(InvocationImpl.LIMIT_WARNING);
            InvocationResult fine = ok();
            failsWithTimeline(fine, () -> CtxAssertions.assertThat(fine).loggedWarn("exceeded"),
                    "Expecting a WARN log line containing 'exceeded'");
        }
    }

    @Nested
    class OutcomeAndExceptions {

        @Test
        void wu9_hasOutcome() {
            CtxAssertions.assertThat(rejected()).as("WU-9: a rejected task leaves the outcome ok").hasOutcome(Outcome.OK);

            InvocationResult result = threw();
            CtxAssertions.assertThat(result).hasOutcome(Outcome.EXCEPTION);
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).hasOutcome(Outcome.OK),
                    "Expecting outcome ok but was exception");
        }

        @Test
        void hasNoExceptions() {
            CtxAssertions.assertThat(ok()).hasNoExceptions();

            InvocationResult result = rejected();
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).hasNoExceptions(),
                    "Expecting no exceptions but got [Uncaught (async) java.lang.IllegalStateException: beacon refused]");
        }

        @Test
        void err4_hasException() {
            InvocationResult async = rejected();
            InvocationResult inResponse = threw();

            CtxAssertions.assertThat(async).hasException(LoggedException.ASYNC, "beacon refused");
            CtxAssertions.assertThat(inResponse).hasException(LoggedException.IN_RESPONSE, "boom");
            failsWithTimeline(async, () -> CtxAssertions.assertThat(async).hasException(LoggedException.IN_RESPONSE, "beacon refused"),
                    "Expecting an exception [Uncaught (in response)] 'beacon refused'");
            failsWithTimeline(inResponse, () -> CtxAssertions.assertThat(inResponse).hasException(LoggedException.IN_RESPONSE, "bo"),
                    "Expecting an exception [Uncaught (in response)] 'bo'");
        }

        @Test
        void hasExceptionMatchesAnExceptionWithoutAMessageAsEmpty() {
            InvocationResult result = harness(WorkerHarness.builder()).fetch(Worker.fetchSync((request, env, ctx) -> {
                throw new IllegalStateException();
            }), IncomingRequest.get(URL));

            CtxAssertions.assertThat(result).hasException(LoggedException.IN_RESPONSE, "");
        }

        @Test
        void err5_logged() {
            InvocationResult result = ok();

            CtxAssertions.assertThat(result).logged(LogLevel.INFO, "served").logged(LogLevel.INFO, "shop.example");
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).logged(LogLevel.ERROR, "served"),
                    "Expecting a ERROR log line containing 'served'");
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).logged(LogLevel.INFO, "missing"),
                    "Expecting a INFO log line containing 'missing'");
        }
    }

    @Nested
    class FailOpen {

        @Test
        void pt3_pt6_failedOpen() {
            InvocationResult result = failedOpen();

            CtxAssertions.assertThat(result).failedOpen().respondedWith(299).hasBody("from origin").hasOutcome(Outcome.EXCEPTION);
            InvocationResult fine = ok();
            failsWithTimeline(fine, () -> CtxAssertions.assertThat(fine).failedOpen(),
                    "Expecting the invocation to fail open to the origin, but it did not fail open");
        }

        @Test
        void pt8_failedOpenFailsWhenTheFallbackFailed() {
            InvocationResult result = failedFallback();

            CtxAssertions.assertThat(result).respondedWith(500).hasBody("");
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).failedOpen(),
                    "Expecting the invocation to fail open to the origin, but the fallback failed: ");
        }

        @Test
        void pt7_failedOpenWithBodyOfBytes() {
            InvocationResult result = failedOpen();

            CtxAssertions.assertThat(result).failedOpenWithBodyOfBytes(5);
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).failedOpenWithBodyOfBytes(4),
                    "Expecting fail-open to forward 4 body bytes but it forwarded 5");
            InvocationResult fine = ok();
            failsWithTimeline(fine, () -> CtxAssertions.assertThat(fine).failedOpenWithBodyOfBytes(0), "it did not fail open");
        }

        @Test
        void didNotFailOpen() {
            CtxAssertions.assertThat(ok()).didNotFailOpen();
            CtxAssertions.assertThat(threw()).as("ERR-9: without the flag, no fail-open").didNotFailOpen();

            InvocationResult result = failedOpen();
            failsWithTimeline(result, () -> CtxAssertions.assertThat(result).didNotFailOpen(),
                    "Expecting no fail-open, but the request was forwarded: ");
        }

        @Test
        void theTimelineShowsTheFailOpenDecision() {
            InvocationResult result = failedOpen();

            assertThatThrownBy(() -> CtxAssertions.assertThat(result).didNotFailOpen())
                    .hasMessageContaining("fail-open to http://127.0.0.1:")
                    .hasMessageContaining("forwarded 5 body bytes, origin answered 299");
        }
    }

    @Nested
    class General {

        @Test
        void assertionsChainOnTheSameObject() {
            InvocationAssert assertion = CtxAssertions.assertThat(ok());

            assertThat(assertion.respondedWith(200).hasBody("hello").drained().hasTaskCount(1)).isSameAs(assertion);
        }

        @Test
        void aDescriptionIsPrefixedToTheFailure() {
            InvocationResult result = ok();

            assertThatThrownBy(() -> CtxAssertions.assertThat(result).as("home page").respondedWith(404))
                    .hasMessageStartingWith("[home page] ")
                    .hasMessageContaining(result.timeline());
        }

        @Test
        void aNullResultFailsPlainly() {
            assertThatThrownBy(() -> CtxAssertions.assertThat((InvocationResult) null).drained())
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Expecting actual not to be null");
        }
    }

    @Nested
    class ReceivedRequests {
        private final ReceivedRequest beacon = new ReceivedRequest(3, "POST", "/collect?v=1",
                Headers.of("content-type", "application/json", "x-multi", "a", "x-multi", "b"),
                "{\"e\":1}".getBytes(StandardCharsets.UTF_8));

        /** {@code call} fails with {@code expectation} and names the request. */
        private void failsNamingTheRequest(ThrowingCallable call, String expectation) {
            assertThatThrownBy(call)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining(expectation)
                    .hasMessageContaining("request: " + beacon);
        }

        @Test
        void hasMethod() {
            CtxAssertions.assertThat(beacon).hasMethod("POST");
            failsNamingTheRequest(() -> CtxAssertions.assertThat(beacon).hasMethod("GET"),
                    "Expecting the origin to receive method GET but got POST");
        }

        @Test
        void hasTarget() {
            CtxAssertions.assertThat(beacon).hasTarget("/collect?v=1");
            failsNamingTheRequest(() -> CtxAssertions.assertThat(beacon).hasTarget("/collect"),
                    "Expecting the origin to receive target /collect but got /collect?v=1");
        }

        @Test
        void hasHeaderComparesTheJoinedValuesCaseInsensitively() {
            CtxAssertions.assertThat(beacon).hasHeader("Content-Type", "application/json").hasHeader("x-multi", "a, b");
            failsNamingTheRequest(() -> CtxAssertions.assertThat(beacon).hasHeader("x-multi", "a"),
                    "Expecting the origin to receive header x-multi: a but got a, b");
            failsNamingTheRequest(() -> CtxAssertions.assertThat(beacon).hasHeader("x-absent", "1"),
                    "Expecting the origin to receive header x-absent: 1 but got null");
        }

        @Test
        void hasNoHeader() {
            CtxAssertions.assertThat(beacon).hasNoHeader("x-forwarded-for");
            failsNamingTheRequest(() -> CtxAssertions.assertThat(beacon).hasNoHeader("content-type"),
                    "Expecting the origin to receive no header content-type but got application/json");
        }

        @Test
        void hasBodyAsText() {
            CtxAssertions.assertThat(beacon).hasBody("{\"e\":1}");
            assertThatThrownBy(() -> CtxAssertions.assertThat(beacon).hasBody("{}"))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Expecting the origin to receive body '{}' but got '{\"e\":1}'");
        }

        @Test
        void hasBodyAsBytes() {
            CtxAssertions.assertThat(beacon).hasBody("{\"e\":1}".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> CtxAssertions.assertThat(beacon).hasBody(new byte[] {1, 2}))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Expecting the origin to receive the given 2 body bytes but got 7 different bytes");
        }

        @Test
        void hasBodyFailuresNameTheRequestLikeTheOtherAssertions() {
            failsNamingTheRequest(() -> CtxAssertions.assertThat(beacon).hasBody("{}"), "Expecting the origin to receive body");
            failsNamingTheRequest(() -> CtxAssertions.assertThat(beacon).hasBody(new byte[] {1}), "Expecting the origin to receive the given");
        }

        @Test
        void hasBodyOfLength() {
            CtxAssertions.assertThat(beacon).hasBodyOfLength(7);
            failsNamingTheRequest(() -> CtxAssertions.assertThat(beacon).hasBodyOfLength(0),
                    "Expecting the origin to receive 0 body bytes but got 7");
        }

        @Test
        void aNullRequestFailsPlainly() {
            assertThatThrownBy(() -> CtxAssertions.assertThat((ReceivedRequest) null).hasMethod("GET"))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Expecting actual not to be null");
        }

        @Test
        void pt5_pt7_onWhatFailOpenForwarded() {
            WorkerHarness harness = harness(WorkerHarness.builder());
            harness.origin().route("/", new MockResponse.Builder().code(200).build());
            harness.fetch(Worker.fetch((request, env, ctx) -> {
                ctx.passThroughOnException();
                return request.body().reader().read(2).thenApply(firstTwo -> {
                    throw new IllegalStateException("after reading two bytes");
                });
            }), IncomingRequest.post(URL + "form?x=1", "a=b&c").withHeader("x-client", "c"));

            ReceivedRequest forwarded = harness.origin().takeRequest();

            CtxAssertions.assertThat(forwarded).hasMethod("POST").hasTarget("/form?x=1").hasHeader("host", "shop.example")
                    .hasHeader("x-client", "c").hasBody("b&c").hasBodyOfLength(3).hasHeader("content-length", "3");
        }
    }
}
