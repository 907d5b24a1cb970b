package dev.ctxtestkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.runtime.Body;
import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.InMemoryCache;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LogLine;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.testkit.TestContext.Registration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TestEnv}: the Env for calling handlers directly, on a {@link VirtualClock} and a {@link MockOrigin}. */
@Timeout(30)
class TestEnvTest {
    private static final Duration SHORT = Duration.ofMillis(200);

    private final VirtualClock clock = new VirtualClock().realTimeWait(Duration.ofSeconds(5));
    private final Instant start = VirtualClock.DEFAULT_START;
    private final MockOrigin origin = MockOrigin.start().takeTimeout(Duration.ofSeconds(5));
    private final InMemoryCache cache = new InMemoryCache();
    private final TestEnv env = new TestEnv(clock, origin, Map.of("CACHE", cache, "GREETING", "hello"));

    @AfterEach
    void closeAll() {
        env.close();
        origin.close();
    }

    @Nested
    class Timers {

        @Test
        void ctx8_sleepCompletesAfterExactlyItsDelayOfVirtualTime() {
            CompletableFuture<Void> slept = env.timers().sleep(Duration.ofSeconds(10)).toCompletableFuture();

            clock.advanceBy(Duration.ofSeconds(10).minusNanos(1));
            assertThat(slept).isNotDone();

            clock.advanceBy(Duration.ofNanos(1));
            assertThat(slept).isCompleted();
            assertThat(clock.instant()).isEqualTo(start.plusSeconds(10));
        }

        @Test
        void ctx8_setTimeoutRunsOnTheDriverThreadAtItsInstant() {
            AtomicReference<Instant> ranAt = new AtomicReference<>();
            AtomicReference<Boolean> inLoop = new AtomicReference<>();
            env.timers().setTimeout(() -> {
                ranAt.set(env.now());
                inLoop.set(clock.inEventLoop());
            }, Duration.ofMillis(1500));

            clock.runUntilIdle();

            assertThat(ranAt).hasValue(start.plusMillis(1500));
            assertThat(inLoop).hasValue(true);
        }

        @Test
        void aCancelledTimeoutNeverRuns() {
            List<String> ran = new ArrayList<>();
            EventLoop.Cancellable timeout = env.timers().setTimeout(() -> ran.add("cancelled"), Duration.ofSeconds(1));
            env.timers().setTimeout(() -> ran.add("kept"), Duration.ofSeconds(2));

            timeout.cancel();
            clock.runUntilIdle();

            assertThat(ran).containsExactly("kept");
        }

        @Test
        void nowIsTheClocksInstant() {
            assertThat(env.now()).isEqualTo(start);

            clock.advanceBy(Duration.ofMinutes(3));

            assertThat(env.now()).isEqualTo(start.plus(Duration.ofMinutes(3)));
        }
    }

    @Nested
    class ExecutorOnTheClock {

        @Test
        void ctx8_executorWorkRunsOnlyWhenTheClockIsDrivenOnItsThread() {
            AtomicReference<Thread> ranOn = new AtomicReference<>();

            env.executor().execute(() -> ranOn.set(Thread.currentThread()));

            assertThat(ranOn).hasValue(null);
            assertThat(clock.pendingTasks()).isEqualTo(1);
            assertThat(clock.runDue()).isEqualTo(1);
            assertThat(ranOn).hasValue(Thread.currentThread());
            assertThat(clock.instant()).isEqualTo(start);
        }

        @Test
        void continuationsOnTheExecutorRunInOrder() {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                env.executor().execute(() -> order.add(n));
            }

            clock.runDue();

            assertThat(order).containsExactly(0, 1, 2, 3, 4);
        }
    }

    @Nested
    class Fetch {

        @Test
        void goesToTheMockOriginWhateverTheUrlNamesKeepingItsHostPathAndQuery() {
            origin.enqueue(new MockResponse.Builder().code(203).addHeader("x-origin", "yes").body("from origin").build());

            CompletableFuture<Response> response = env.fetch(Request.get("http://shop.example/items/1?fresh=1")).toCompletableFuture();
            clock.runUntilIdle();

            assertThat(response).isCompleted();
            Response answer = response.join();
            assertThat(answer.status()).isEqualTo(203);
            assertThat(answer.headers().get("x-origin")).isEqualTo("yes");
            assertThat(answer.text().toCompletableFuture().join()).isEqualTo("from origin");
            ReceivedRequest received = origin.takeRequest();
            assertThat(received.method()).isEqualTo("GET");
            assertThat(received.target()).isEqualTo("/items/1?fresh=1");
            assertThat(received.header("host")).isEqualTo("shop.example");
        }

        @Test
        void keepsAnExplicitPortInTheHost() {
            origin.acceptBeacons("/");

            env.fetch(Request.get("https://api.example:8443/v1")).toCompletableFuture();
            clock.runUntilIdle();

            assertThat(origin.takeRequest().header("host")).isEqualTo("api.example:8443");
        }

        @Test
        void pt5_theUrlsHostWinsOverAHostHeader() {
            origin.acceptBeacons("/");
            Request request = new Request("GET", "http://shop.example/", Headers.of("host", "evil.example", "x-kept", "1"), Body.empty());

            env.fetch(request);
            clock.runUntilIdle();

            ReceivedRequest received = origin.takeRequest();
            assertThat(received.header("host")).isEqualTo("shop.example");
            assertThat(received.header("x-kept")).isEqualTo("1");
        }

        @Test
        void sendsTheMethodHeadersAndBody() {
            origin.acceptBeacons("/collect");
            Request beacon = new Request("POST", "http://analytics.example/collect/pageview",
                    Headers.of("content-type", "application/json", "x-trace", "t1"), Body.of("{\"event\":\"pageview\"}"));

            CompletableFuture<Response> response = env.fetch(beacon).toCompletableFuture();
            clock.runUntilIdle();

            assertThat(response.join().status()).isEqualTo(204);
            ReceivedRequest received = origin.takeRequest();
            assertThat(received.method()).isEqualTo("POST");
            assertThat(received.header("content-type")).isEqualTo("application/json");
            assertThat(received.header("x-trace")).isEqualTo("t1");
            assertThat(received.bodyText()).isEqualTo("{\"event\":\"pageview\"}");
        }

        @Test
        void ctx8_theResponseIsDeliveredOnTheClockWithoutMovingVirtualTime() {
            origin.enqueue(200, "ok");
            AtomicReference<Thread> deliveredOn = new AtomicReference<>();

            env.fetch(Request.get("http://shop.example/")).thenRun(() -> deliveredOn.set(Thread.currentThread()));
            Duration moved = clock.runUntilIdle();

            assertThat(moved).isZero();
            assertThat(deliveredOn).hasValue(Thread.currentThread());
            assertThat(clock.pendingExternalOperations()).isEmpty();
        }

        @Test
        void originLatencyOnTheClockMakesTheFetchTakeVirtualTime() {
            origin.enqueue(200, "slow");
            clock.externalLatency(description -> description.startsWith("fetch GET http://shop.example/") ? Duration.ofMillis(250) : Duration.ZERO);
            AtomicReference<Instant> answeredAt = new AtomicReference<>();

            env.fetch(Request.get("http://shop.example/slow")).thenRun(() -> answeredAt.set(env.now()));
            clock.runUntilIdle();

            assertThat(answeredAt).hasValue(start.plusMillis(250));
        }

        @Test
        void aRefusedConnectionRejectsTheStage() {
            origin.close();

            CompletableFuture<Response> response = env.fetch(Request.get("http://shop.example/")).toCompletableFuture();
            clock.runUntilIdle();

            assertThat(response).isCompletedExceptionally();
            assertThatThrownBy(response::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
        }

        @Test
        void afterCloseAFetchIsRejected() {
            origin.acceptBeacons("/");
            env.close();

            CompletableFuture<Response> response = env.fetch(Request.get("http://shop.example/")).toCompletableFuture();
            clock.runUntilIdle();

            assertThat(response).isCompletedExceptionally();
            assertThat(origin.requestCount()).isZero();
        }
    }

    @Nested
    class Console {

        @Test
        void err5_keepsEveryLineWithItsLevelAndVirtualTime() {
            env.console().log("one");
            clock.advanceBy(Duration.ofSeconds(1));
            env.console().warn("two");
            env.console().error("three");
            env.console().debug("four");

            assertThat(env.logs()).containsExactly(
                    new LogLine(start, LogLevel.INFO, "one"),
                    new LogLine(start.plusSeconds(1), LogLevel.WARN, "two"),
                    new LogLine(start.plusSeconds(1), LogLevel.ERROR, "three"),
                    new LogLine(start.plusSeconds(1), LogLevel.DEBUG, "four"));
        }

        @Test
        void logsIsASnapshot() {
            List<LogLine> before = env.logs();

            env.console().log("later");

            assertThat(before).isEmpty();
            assertThat(env.logs()).hasSize(1);
            assertThatThrownBy(() -> env.logs().clear()).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Nested
    class Bindings {

        @Test
        void aBindingIsReturnedByNameAndType() {
            assertThat(env.binding("CACHE", InMemoryCache.class)).isSameAs(cache);
            assertThat(env.binding("GREETING", String.class)).isEqualTo("hello");
            assertThat(env.binding("GREETING", CharSequence.class)).as("a supertype is fine").isEqualTo("hello");
            assertThat(env.bindingNames()).containsExactlyInAnyOrder("CACHE", "GREETING");
        }

        @Test
        void aMissingBindingSaysWhichNamesThereAre() {
            assertThatThrownBy(() -> env.binding("KV", Object.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("no binding named 'KV'; bindings: [CACHE, GREETING]");
        }

        @Test
        void aBindingOfAnotherTypeNamesBothTypes() {
            assertThatThrownBy(() -> env.binding("GREETING", InMemoryCache.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("binding 'GREETING' is a java.lang.String, not a dev.ctxtestkit.runtime.InMemoryCache");
        }

        @Test
        void aNullNameIsRejected() {
            assertThatThrownBy(() -> env.binding(null, Object.class)).isInstanceOf(NullPointerException.class).hasMessage("name");
        }

        @Test
        void bindingsAreCopiedAtConstruction() {
            Map<String, Object> source = new HashMap<>(Map.of("A", 1));
            try (TestEnv copied = new TestEnv(clock, origin, source)) {
                source.put("B", 2);

                assertThat(copied.bindingNames()).containsExactly("A");
                assertThatThrownBy(() -> copied.bindingNames().add("C")).isInstanceOf(UnsupportedOperationException.class);
            }
        }

        @Test
        void withoutBindingsTheErrorListsNone() {
            try (TestEnv empty = new TestEnv(clock, origin, Map.of())) {
                assertThat(empty.bindingNames()).isEmpty();
                assertThatThrownBy(() -> empty.binding("CACHE", Object.class)).hasMessage("no binding named 'CACHE'; bindings: []");
            }
        }

        @Test
        void clockAndOriginAreRequired() {
            assertThatThrownBy(() -> new TestEnv(null, origin, Map.of())).isInstanceOf(NullPointerException.class).hasMessage("clock");
            assertThatThrownBy(() -> new TestEnv(clock, null, Map.of())).isInstanceOf(NullPointerException.class).hasMessage("origin");
        }
    }

    @Nested
    class WithATestContext {

        /** Forwards to the origin, answers at once and fills the cache in a task (WU-5), logging both steps. */
        private final FetchHandler cachingProxy = (request, env, ctx) -> env.fetch(request).thenCompose(upstream ->
                upstream.bytes().thenApply(bytes -> {
                    env.console().log("origin answered " + upstream.status());
                    CompletionStage<Void> write = env.timers().sleep(Duration.ofMillis(20))
                            .thenCompose(ignored -> env.binding("CACHE", InMemoryCache.class).put(request.url(), bytes))
                            .thenRun(() -> env.console().log("cached"));
                    ctx.waitUntil(write);
                    return new Response(upstream.status(), upstream.headers().copy().set("x-foo", "bar"), Body.of(bytes));
                }));

        @Test
        void wu5_aHandlerCalledDirectlyAnswersBeforeItsTaskSettles() throws Exception {
            origin.enqueue(200, "hello");
            TestContext ctx = new TestContext();

            CompletableFuture<Response> response = cachingProxy.fetch(Request.get("http://shop.example/item/1"), env, ctx).toCompletableFuture();
            clock.advanceBy(Duration.ZERO); // waits for the origin's answer, runs what is due, moves no time

            assertThat(response).isCompleted();
            assertThat(response.join().headers().get("x-foo")).isEqualTo("bar");
            assertThat(ctx.registrations()).singleElement().satisfies(r -> assertThat(r.settled()).isFalse());
            assertThat(cache.peek("http://shop.example/item/1")).isEmpty();

            List<Registration> settled = ctx.awaitTasks(clock, Duration.ofSeconds(5));

            assertThat(settled).singleElement().satisfies(r -> assertThat(r.failure()).isEmpty());
            assertThat(cache.peek("http://shop.example/item/1")).hasValueSatisfying(v ->
                    assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("hello"));
            assertThat(env.logs()).extracting(LogLine::message).containsExactly("origin answered 200", "cached");
            assertThat(env.logs().get(1).at()).isEqualTo(start.plusMillis(20));
            assertThat(origin.takeRequest().header("host")).isEqualTo("shop.example");
        }

        @Test
        void wu6_aFailingCacheWriteIsARejectedTaskNotAFailedResponse() throws Exception {
            origin.enqueue(200, "hello");
            cache.failWrites(new IllegalStateException("cache is down"));
            TestContext ctx = new TestContext();

            CompletableFuture<Response> response = cachingProxy.fetch(Request.get("http://shop.example/item/2"), env, ctx).toCompletableFuture();
            ctx.awaitTasks(clock, Duration.ofSeconds(5));

            assertThat(response.join().status()).isEqualTo(200);
            assertThat(ctx.rejected()).singleElement().satisfies(r ->
                    assertThat(r.failure()).hasValueSatisfying(f -> assertThat(f).hasMessage("cache is down")));
            assertThat(env.logs()).extracting(LogLine::message).containsExactly("origin answered 200");
        }
    }
}
