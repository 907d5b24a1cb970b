package dev.ctxtestkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link MockOrigin} on its own, driven by a plain OkHttp client: answer precedence (dispatcher, route, queue),
 * bounded {@code takeRequest}, strict-mode {@code verify()} and what it records. Every wait is bounded.
 */
@Timeout(30)
class MockOriginTest {
    private static final Duration SHORT = Duration.ofMillis(200);

    private final MockOrigin origin = MockOrigin.start();
    private final OkHttpClient client = new OkHttpClient.Builder()
            .retryOnConnectionFailure(false)
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(5, TimeUnit.SECONDS)
            .callTimeout(10, TimeUnit.SECONDS)
            .build();

    @AfterEach
    void closeAll() {
        origin.close();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    /** A status and a body text as the client got them. */
    private record Answer(int status, String body) {
    }

    private Answer get(String path) throws IOException {
        return call(new Request.Builder().url(origin.url(path)).build());
    }

    private Answer post(String path, String body) throws IOException {
        return call(new Request.Builder().url(origin.url(path))
                .post(RequestBody.create(body, MediaType.get("text/plain; charset=utf-8"))).build());
    }

    private Answer call(Request request) throws IOException {
        try (Response response = client.newCall(request).execute()) {
            return new Answer(response.code(), response.body().string());
        }
    }

    @Nested
    class Addressing {

        @Test
        void urlIsLoopbackWithTheEphemeralPortAndNoTrailingSlash() {
            assertThat(origin.port()).isPositive();
            assertThat(origin.url()).isEqualTo("http://127.0.0.1:" + origin.port());
            assertThat(origin.url("/a/b?c=1")).isEqualTo(origin.url() + "/a/b?c=1");
            assertThat(origin.url("a")).as("a path without a leading slash gets one").isEqualTo(origin.url() + "/a");
        }

        @Test
        void twoOriginsGetDifferentPorts() {
            try (MockOrigin other = MockOrigin.start()) {
                assertThat(other.port()).isNotEqualTo(origin.port());
            }
        }

        @Test
        void toStringNamesTheUrlAndTheCount() throws IOException {
            get("/x");

            assertThat(origin).hasToString("MockOrigin[" + origin.url() + ", 1 received]");
        }
    }

    @Nested
    class Answers {

        @Test
        void queuedAnswersAreConsumedInOrderThenA404SaysNothingWasQueued() throws IOException {
            origin.enqueue(201, "first").enqueue(new MockResponse.Builder().code(202).body("second").build());

            assertThat(get("/a")).isEqualTo(new Answer(201, "first"));
            assertThat(get("/b")).isEqualTo(new Answer(202, "second"));
            Answer third = get("/c?q=1");

            assertThat(third.status()).isEqualTo(404);
            assertThat(third.body()).isEqualTo("ctx-test-kit MockOrigin: no answer queued or routed for GET /c?q=1");
        }

        @Test
        void aRouteIsNotConsumedAndServesItsBodyEveryTime() throws IOException {
            origin.route("/items", new MockResponse.Builder().code(200).body("routed").build());

            assertThat(get("/items/1")).isEqualTo(new Answer(200, "routed"));
            assertThat(get("/items/2?x=y")).isEqualTo(new Answer(200, "routed"));
            assertThat(get("/items")).isEqualTo(new Answer(200, "routed"));
        }

        @Test
        void aRouteMatchesThePathOnlyNotTheQuery() throws IOException {
            origin.route("/a", new MockResponse.Builder().code(200).body("routed").build());

            assertThat(get("/b?next=/a").status()).isEqualTo(404);
        }

        @Test
        void aRouteIsTriedBeforeTheQueue() throws IOException {
            origin.enqueue(201, "queued");
            origin.route("/beacon", new MockResponse.Builder().code(202).body("routed").build());

            assertThat(get("/beacon/1")).isEqualTo(new Answer(202, "routed"));
            assertThat(get("/page")).isEqualTo(new Answer(201, "queued"));
        }

        @Test
        void routingTheSamePrefixAgainReplacesItsAnswer() throws IOException {
            origin.route("/r", new MockResponse.Builder().code(200).build());
            origin.route("/r", new MockResponse.Builder().code(503).build());

            assertThat(get("/r").status()).isEqualTo(503);
        }

        @Test
        void acceptBeaconsAnswers204ToAnyMethodUnderThePrefix() throws IOException {
            origin.acceptBeacons("/collect");

            assertThat(post("/collect/pageview", "{}")).isEqualTo(new Answer(204, ""));
            assertThat(get("/collect/timing?ms=3").status()).isEqualTo(204);
            assertThat(get("/elsewhere").status()).isEqualTo(404);
        }

        @Test
        void theDispatcherComesBeforeRoutesAndQueue() throws IOException {
            origin.enqueue(201, "queued");
            origin.route("/d", new MockResponse.Builder().code(202).body("routed").build());
            origin.dispatcher(request -> new MockResponse.Builder().code(299).body("dispatched " + request.target()).build());

            assertThat(get("/d/1")).isEqualTo(new Answer(299, "dispatched /d/1"));
            assertThat(get("/x")).isEqualTo(new Answer(299, "dispatched /x"));
            assertThat(origin.received()).hasSize(2);
        }

        @Test
        void aDispatcherReturningNullFallsThroughToRoutesThenTheQueue() throws IOException {
            origin.enqueue(201, "queued");
            origin.route("/r", new MockResponse.Builder().code(202).body("routed").build());
            origin.dispatcher(request -> request.path().equals("/mine") ? new MockResponse.Builder().code(299).build() : null);

            assertThat(get("/mine").status()).isEqualTo(299);
            assertThat(get("/r")).isEqualTo(new Answer(202, "routed"));
            assertThat(get("/other")).isEqualTo(new Answer(201, "queued"));
        }

        @Test
        void aNullDispatcherRemovesIt() throws IOException {
            origin.route("/r", new MockResponse.Builder().code(202).build());
            origin.dispatcher(request -> new MockResponse.Builder().code(299).build());

            origin.dispatcher(null);

            assertThat(get("/r").status()).isEqualTo(202);
        }

        @Test
        void nullAnswersAndPrefixesAreRejected() {
            assertThatThrownBy(() -> origin.enqueue(null)).isInstanceOf(NullPointerException.class).hasMessage("response");
            assertThatThrownBy(() -> origin.route(null, new MockResponse.Builder().build()))
                    .isInstanceOf(NullPointerException.class).hasMessage("pathPrefix");
            assertThatThrownBy(() -> origin.route("/x", null)).isInstanceOf(NullPointerException.class).hasMessage("response");
        }
    }

    @Nested
    class Recording {

        @Test
        void recordsMethodTargetHeadersBodyAndArrivalOrder() throws IOException {
            origin.acceptBeacons("/");
            call(new Request.Builder().url(origin.url("/p?q=1")).header("X-Trace", "abc")
                    .post(RequestBody.create("héllo", MediaType.get("text/plain; charset=utf-8"))).build());
            get("/second");

            List<ReceivedRequest> received = origin.received();

            assertThat(received).extracting(ReceivedRequest::sequence).containsExactly(1, 2);
            ReceivedRequest first = received.get(0);
            assertThat(first.method()).isEqualTo("POST");
            assertThat(first.target()).isEqualTo("/p?q=1");
            assertThat(first.path()).isEqualTo("/p");
            assertThat(first.header("x-trace")).as("header names are case-insensitive").isEqualTo("abc");
            assertThat(first.header("X-TRACE")).isEqualTo("abc");
            assertThat(first.header("absent")).isNull();
            assertThat(first.bodyText()).isEqualTo("héllo");
            assertThat(first.body()).isEqualTo("héllo".getBytes(StandardCharsets.UTF_8));
            assertThat(first.toString()).startsWith("#1 POST /p?q=1 ").endsWith("(6 body bytes)");
            assertThat(received.get(1).path()).isEqualTo("/second");
            assertThat(origin.requestCount()).isEqualTo(2);
        }

        @Test
        void receivedIsASnapshotAndARequestCannotBeChangedFromOutside() throws IOException {
            origin.acceptBeacons("/");
            post("/a", "abc");
            List<ReceivedRequest> snapshot = origin.received();

            get("/b");
            snapshot.get(0).body()[0] = 'X';
            snapshot.get(0).headers().set("x-added", "1");

            assertThat(snapshot).hasSize(1);
            assertThatThrownBy(() -> snapshot.add(snapshot.get(0))).isInstanceOf(UnsupportedOperationException.class);
            assertThat(origin.received().get(0).bodyText()).isEqualTo("abc");
            assertThat(origin.received().get(0).header("x-added")).isNull();
        }

        @Test
        void receivedUnderFiltersByPathPrefixIgnoringTheQuery() throws IOException {
            origin.acceptBeacons("/");
            get("/collect/a");
            get("/page?from=/collect/x");
            get("/collect/b?x=1");

            assertThat(origin.receivedUnder("/collect")).extracting(ReceivedRequest::target)
                    .containsExactly("/collect/a", "/collect/b?x=1");
            assertThat(origin.receivedUnder("/nothing")).isEmpty();
        }

        @Test
        void receivedWithAFilter() throws IOException {
            origin.acceptBeacons("/");
            get("/a");
            post("/b", "x");

            assertThat(origin.received(r -> r.method().equals("POST"))).extracting(ReceivedRequest::target).containsExactly("/b");
        }

        @Test
        void unansweredRequestsAreRecordedToo() throws IOException {
            get("/nobody-home");

            assertThat(origin.received()).singleElement().extracting(ReceivedRequest::target).isEqualTo("/nobody-home");
        }
    }

    @Nested
    class TakeRequest {

        @Test
        void takesEachRequestOnceInArrivalOrder() throws IOException {
            origin.acceptBeacons("/");
            get("/1");
            get("/2");

            assertThat(origin.takeRequest().target()).isEqualTo("/1");
            assertThat(origin.takeRequest(SHORT).target()).isEqualTo("/2");
            assertThat(origin.received()).as("taking does not remove from received()").hasSize(2);
        }

        @Test
        void waitsForARequestThatIsStillOnItsWay() throws Exception {
            origin.acceptBeacons("/");
            CompletableFuture<Answer> later = CompletableFuture.supplyAsync(() -> {
                try {
                    return get("/late");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));

            ReceivedRequest request = origin.takeRequest(Duration.ofSeconds(5));

            assertThat(request.target()).isEqualTo("/late");
            assertThat(later.get(5, TimeUnit.SECONDS).status()).isEqualTo(204);
        }

        @Test
        void timesOutWithAnAssertionErrorListingWhatArrived() throws IOException {
            origin.acceptBeacons("/");
            get("/first");
            origin.takeRequest(SHORT);
            origin.takeTimeout(SHORT);

            long startNanos = System.nanoTime();
            assertThatThrownBy(origin::takeRequest)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("expected a request at the mock origin within 200 ms, but none arrived; received so far: ")
                    .hasMessageContaining("#1 GET /first");
            long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
            assertThat(elapsedMillis).as("bounded by the take timeout").isBetween(190L, 5_000L);
        }

        @Test
        void timeoutWithNothingReceivedSaysSo() {
            assertThatThrownBy(() -> origin.takeRequest(SHORT))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageEndingWith("received so far: (nothing)");
        }

        @Test
        void theTakeTimeoutMustBePositiveAndDefaultsToFiveSeconds() {
            assertThat(MockOrigin.DEFAULT_TAKE_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
            assertThatThrownBy(() -> origin.takeTimeout(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
            assertThatThrownBy(() -> origin.takeTimeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
            assertThat(origin.takeTimeout(SHORT)).isSameAs(origin);
        }

        @Test
        void anInterruptedTakeFailsAndKeepsTheInterruptFlag() {
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> origin.takeRequest(Duration.ofSeconds(5)))
                        .isInstanceOf(AssertionError.class)
                        .hasMessageContaining("interrupted while waiting");
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
        }
    }

    @Nested
    class StrictMode {

        @Test
        void isOffByDefaultAndThenVerifyPassesWhateverHappened() throws IOException {
            assertThat(origin.isStrict()).isFalse();

            assertThat(get("/unexpected").status()).isEqualTo(404);
            origin.enqueue(200, "never requested");

            origin.verify(); // an unexpected request and an unconsumed answer, but not strict: no complaint
            assertThat(origin.requestCount()).isEqualTo(1);
        }

        @Test
        void verifyReportsAnUnexpectedRequest() throws IOException {
            origin.strict(true);

            get("/nobody?x=1");

            assertThat(origin.isStrict()).isTrue();
            assertThatThrownBy(origin::verify)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("strict mock origin " + origin.url() + ": ")
                    .hasMessageContaining("unexpected request(s), with no answer queued or routed: ")
                    .hasMessageContaining("#1 GET /nobody?x=1")
                    .hasMessageNotContaining("queued answer(s) never requested");
        }

        @Test
        void verifyReportsUnconsumedQueuedAnswers() {
            origin.strict(true).enqueue(200, "a").enqueue(503, "b");

            assertThatThrownBy(origin::verify)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("2 queued answer(s) never requested")
                    .hasMessageContaining("200")
                    .hasMessageContaining("503")
                    .hasMessageNotContaining("unexpected request");
        }

        @Test
        void verifyReportsBothProblemsInOneMessage() throws IOException {
            origin.strict(true);
            get("/too-early");
            origin.enqueue(200, "too late");

            assertThatThrownBy(origin::verify)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("#1 GET /too-early")
                    .hasMessageContaining("; 1 queued answer(s) never requested");
        }

        @Test
        void verifyPassesWhenEveryRequestWasAnsweredAndTheQueueIsEmpty() throws IOException {
            origin.strict(true).enqueue(200, "page").acceptBeacons("/collect");
            origin.dispatcher(r -> r.path().equals("/custom") ? new MockResponse.Builder().code(299).build() : null);

            get("/page");
            get("/collect/x");
            get("/collect/y");
            get("/custom");

            origin.verify();
            assertThat(origin.requestCount()).isEqualTo(4);
        }

        @Test
        void strictCanBeTurnedOffAgain() throws IOException {
            origin.strict(true);
            get("/unexpected");

            origin.strict(false);

            origin.verify();
            assertThat(origin.isStrict()).isFalse();
        }
    }

    @Nested
    class Closing {

        @Test
        void closeFreesThePort() throws IOException {
            origin.acceptBeacons("/");
            assertThat(get("/before").status()).isEqualTo(204);

            origin.close();

            assertThatThrownBy(() -> get("/after")).isInstanceOf(IOException.class);
            assertThat(origin.received()).as("what arrived stays readable").hasSize(1);
        }

        @Test
        void closingTwiceIsHarmless() {
            origin.close();
            origin.close();

            assertThat(origin.requestCount()).isZero();
        }

        @Test
        void worksWithTryWithResources() throws IOException {
            String url;
            try (MockOrigin scoped = MockOrigin.start()) {
                scoped.enqueue(200, "scoped");
                url = scoped.url("/");
                assertThat(call(new Request.Builder().url(url).build())).isEqualTo(new Answer(200, "scoped"));
            }

            assertThatThrownBy(() -> call(new Request.Builder().url(url).build())).isInstanceOf(IOException.class);
        }
    }
}
