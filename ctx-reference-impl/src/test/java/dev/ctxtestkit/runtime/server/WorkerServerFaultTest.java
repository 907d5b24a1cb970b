package dev.ctxtestkit.runtime.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.runtime.FailOpenRecord;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LogLine;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Origin faults during fail-open (PT-8, PT-12): a refused connection, a reset in the middle of the forwarded body, an
 * origin that stalls past the outbound timeout, and malformed responses each give {@code 500} with an empty body within
 * a bounded time, with the cause in the record; an origin that breaks off mid-response truncates the relayed body. And
 * none of it leaks: after many faulty fail-opens and closing the server, the origin sees every connection closed and
 * the threads the server started are gone.
 */
@Timeout(30)
class WorkerServerFaultTest extends ServerTestSupport {
    /** The outbound timeout for these tests: a stalled origin costs this much. */
    private static final Duration OUTBOUND_TIMEOUT = Duration.ofMillis(500);
    /** How long any fault may take to become the client's 500. */
    private static final Duration BOUND = Duration.ofSeconds(3);

    /** A worker that reads nothing and fails open on every request. */
    private static Worker failingOpen() {
        return Worker.fetchSync((request, env, ctx) -> {
            ctx.passThroughOnException();
            throw new IllegalStateException("boom");
        });
    }

    private WorkerServer serveFailingOpen(String origin) {
        return serve(WorkerInstance.builder(failingOpen()).origin(origin).outboundTimeout(OUTBOUND_TIMEOUT), UnaryOperator.identity());
    }

    /** Sends {@code request} and checks PT-8's bare 500 came back within {@link #BOUND}. */
    private static void assertBare500(WorkerServer server, String request) throws IOException {
        Instant start = Instant.now();
        RawHttp.Reply reply = RawHttp.exchange(server.url(), request);
        Duration took = Duration.between(start, Instant.now());

        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.body()).isEmpty();
        assertThat(reply.header("content-length")).isEqualTo("0");
        assertThat(reply.headerNames()).doesNotContain("date", "server", "transfer-encoding");
        assertThat(took).as("time to the 500").isLessThan(BOUND);
    }

    /** The record says fail-open failed, why, and that it was logged (PT-12). */
    private void assertFailedFailOpen(String causeFragment) throws InterruptedException {
        InvocationRecord record = nextRecord();
        assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
        assertThat(record.status()).isEmpty();
        FailOpenRecord failOpen = record.failOpen().orElseThrow();
        assertThat(failOpen.succeeded()).isFalse();
        assertThat(failOpen.originStatus()).isEmpty();
        assertThat(failOpen.failure()).containsIgnoringCase(causeFragment);
        assertThat(record.logsAt(LogLevel.ERROR)).extracting(LogLine::message)
                .anySatisfy(m -> assertThat(m).contains("fail-open").contains("answered 500 with an empty body"));
    }

    private static String post(String path, int bodyBytes) {
        return "POST " + path + " HTTP/1.1\r\nHost: w\r\nContent-Length: " + bodyBytes + "\r\n\r\n" + "x".repeat(bodyBytes);
    }

    @Test
    void pt8_aRefusedConnectionGivesABare500() throws Exception {
        WorkerServer server = serveFailingOpen("http://127.0.0.1:" + closedPort());

        assertBare500(server, "GET / HTTP/1.1\r\nHost: w\r\n\r\n");

        assertFailedFailOpen("connect");
    }

    @Test
    void pt8_anOriginThatResetsInTheMiddleOfTheForwardedBodyGivesABare500() throws Exception {
        RawOrigin origin = closeAfter(new RawOrigin(RawOrigin.RESET_MID_REQUEST_BODY));
        WorkerServer server = serveFailingOpen(origin.url());

        assertBare500(server, post("/upload", 100_000));

        assertFailedFailOpen("");
        assertThat(origin.accepted()).isEqualTo(1);
    }

    @Test
    void pt8_anOriginThatClosesWhileReadingTheBodyGivesABare500_mockWebServer() throws Exception {
        MockWebServer origin = origin(new MockResponse.Builder().onRequestBody(new SocketEffect.CloseSocket()).body("never").build());
        WorkerServer server = serveFailingOpen(origin.url("/").toString());

        assertBare500(server, post("/upload", 100_000));

        assertFailedFailOpen("");
    }

    @Test
    void pt8_anOriginThatStallsPastTheOutboundTimeoutGivesABare500() throws Exception {
        MockWebServer origin = origin(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).body("never").build());
        WorkerServer server = serveFailingOpen(origin.url("/").toString());
        Instant start = Instant.now();

        assertBare500(server, "GET / HTTP/1.1\r\nHost: w\r\n\r\n");

        assertThat(Duration.between(start, Instant.now())).as("waited for the timeout").isGreaterThanOrEqualTo(OUTBOUND_TIMEOUT);
        assertFailedFailOpen("timeout");
    }

    @Test
    void pt8_anOriginThatAcceptsAndNeverAnswersGivesABare500() throws Exception {
        RawOrigin origin = closeAfter(new RawOrigin(RawOrigin.STALL));
        WorkerServer server = serveFailingOpen(origin.url());

        assertBare500(server, "GET / HTTP/1.1\r\nHost: w\r\n\r\n");

        assertFailedFailOpen("timeout");
        eventually().until(() -> origin.openConnections() == 0);
    }

    static Stream<Arguments> malformedResponses() {
        return Stream.of(
                Arguments.of("not HTTP at all", "SPDY/9 what is this\r\n\r\n"),
                Arguments.of("a status code that is not a number", "HTTP/1.1 2xx OK\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("a status line without a code", "HTTP/1.1\r\n\r\n"),
                Arguments.of("a negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"),
                Arguments.of("a Content-Length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello"),
                Arguments.of("a list-valued Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello"),
                Arguments.of("two Content-Length headers", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"),
                Arguments.of("Content-Length and Transfer-Encoding (response splitting)",
                        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a header line without a colon", "HTTP/1.1 200 OK\r\nBad Header Line\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("nothing at all: the connection just closes", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedResponses")
    void pt8_aMalformedResponseGivesABare500(String what, String answer) throws Exception {
        RawOrigin origin = closeAfter(new RawOrigin(connection -> {
            connection.readRequest();
            connection.out.write(answer.getBytes(ISO_8859_1));
            connection.out.flush();
            connection.socket.shutdownOutput();
        }));
        WorkerServer server = serveFailingOpen(origin.url());

        assertBare500(server, "GET / HTTP/1.1\r\nHost: w\r\n\r\n");

        assertFailedFailOpen("");
        eventually().until(() -> origin.openConnections() == 0);
    }

    @Test
    void pt4_pt6_anOriginWhoseChunkedBodyIsBrokenFromTheStartTruncatesTheRelayedBody() throws Exception {
        RawOrigin origin = closeAfter(new RawOrigin(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 200 OK\r\nX-From: origin\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        }));
        WorkerServer server = serveFailingOpen(origin.url());

        RawHttp.Reply reply = RawHttp.exchange(server.url(), "GET / HTTP/1.1\r\nHost: w\r\n\r\n");

        // Status and headers are the origin's (relayed before the break), the body is cut: not Jetty's error page.
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("x-from")).isEqualTo("origin");
        assertThat(reply.truncated()).isTrue();
        assertThat(reply.bodyText()).doesNotContain("Exception");
        assertThat(nextRecord().failOpen().orElseThrow().failure()).contains("broke off");
        eventually().until(() -> origin.openConnections() == 0);
    }

    @Test
    void pt4_pt6_anOriginThatBreaksOffMidResponseTruncatesTheRelayedBody() throws Exception {
        String body = "o".repeat(200_000);
        MockWebServer origin = origin(new MockResponse.Builder().addHeader("X-From", "origin").body(body)
                .onResponseBody(new SocketEffect.CloseSocket()).build());
        WorkerServer server = serveFailingOpen(origin.url("/").toString());
        Instant start = Instant.now();

        RawHttp.Reply reply = RawHttp.exchange(server.url(), "GET / HTTP/1.1\r\nHost: w\r\n\r\n");

        assertThat(Duration.between(start, Instant.now())).isLessThan(BOUND);
        // The headers were relayed before the break, so there is no 500: the client sees a cut body and a closed
        // connection, never a complete-looking response.
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("x-from")).isEqualTo("origin");
        assertThat(reply.header("content-length")).isEqualTo(Integer.toString(body.length()));
        assertThat(reply.truncated()).isTrue();
        assertThat(reply.body().length).isLessThan(body.length());
        InvocationRecord record = nextRecord();
        assertThat(record.failOpen().orElseThrow().originStatus()).hasValue(200);
        assertThat(record.failOpen().orElseThrow().failure()).contains("broke off");
    }

    @Test
    void sixConcurrentFailOpensAllReachTheOrigin() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        RawOrigin origin = closeAfter(new RawOrigin(connection -> {
            connection.readRequest();
            try {
                release.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }));
        WorkerServer server = serve(WorkerInstance.builder(failingOpen()).origin(origin.url()), UnaryOperator.identity());
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                clients.add(closeAfter(RawHttp.connect(server.url())).send("GET /" + i + " HTTP/1.1\r\nHost: w\r\n\r\n"));
            }

            eventually().untilAsserted(() -> assertThat(origin.requestHeads()).as("requests held at the origin").hasSize(6));
        } finally {
            release.countDown();
        }
        for (RawHttp client : clients) {
            assertThat(client.readResponse().bodyText()).isEqualTo("ok");
        }
    }

    // ------------------------------------------------------------------ no leaks

    /** An origin whose behaviour is chosen by the request path, so one worker instance can meet every fault. */
    private static final RawOrigin.Behavior BY_PATH = connection -> {
        String head;
        while ((head = connection.readRequestHead()) != null) {
            String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
            switch (path) {
                case "/ok" -> connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                case "/garbage" -> {
                    connection.write("SPDY/9 what is this\r\n\r\n");
                    return;
                }
                case "/reset" -> {
                    connection.in.readNBytes(1_000);
                    connection.reset();
                    return;
                }
                default -> {
                    return; // "/stall": never answer; wait for the worker side to give up and close
                }
            }
        }
    };

    @Test
    void manyFaultyFailOpensLeaveNoThreadsAndNoConnectionsBehind() throws Exception {
        Set<Long> before = liveThreadIds();
        RawOrigin origin = new RawOrigin(BY_PATH);
        WorkerServer faulty = WorkerServer.builder(WorkerInstance.builder(failingOpen()).origin(origin.url()).outboundTimeout(OUTBOUND_TIMEOUT).build())
                .port(0).shutdownGrace(Duration.ofSeconds(1)).start();
        WorkerServer refused = WorkerServer.builder(WorkerInstance.builder(failingOpen()).origin("http://127.0.0.1:" + closedPort()).build())
                .port(0).shutdownGrace(Duration.ofSeconds(1)).start();
        int rounds = 3;
        List<String> started;
        try {
            for (int round = 0; round < rounds; round++) {
                assertThat(RawHttp.exchange(faulty.url(), "GET /ok HTTP/1.1\r\nHost: w\r\n\r\n").bodyText()).isEqualTo("ok");
                assertBare500(faulty, "GET /stall HTTP/1.1\r\nHost: w\r\n\r\n");
                assertBare500(faulty, "GET /garbage HTTP/1.1\r\nHost: w\r\n\r\n");
                assertBare500(faulty, post("/reset", 100_000));
                assertBare500(refused, "GET / HTTP/1.1\r\nHost: w\r\n\r\n");
            }
            started = newThreadNames(before);
            assertThat(started).as("the servers' own threads, to show the check below can see them")
                    .anySatisfy(name -> assertThat(name).startsWith("ctx-http"))
                    .anySatisfy(name -> assertThat(name).startsWith("ctx-event-loop"));
            // Faulty connections are closed as soon as their fail-open failed; at most the idle keep-alive one of
            // "/ok" stays pooled while the server runs.
            eventually().until(() -> origin.openConnections() <= 1);
            assertThat(faulty.running()).isZero();
            assertThat(refused.running()).isZero();
        } finally {
            faulty.close();
            refused.close();
        }
        eventually()
                .untilAsserted(() -> assertThat(origin.openConnections()).as("connections the worker side left open").isZero());
        assertThat(origin.accepted()).as("connections made").isBetween(3 * rounds, 4 * rounds);
        origin.close();
        eventually()
                .untilAsserted(() -> assertThat(newThreadNames(before)).as("threads left over (started: %s)", started).isEmpty());
    }

    private static Set<Long> liveThreadIds() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getId).collect(Collectors.toSet());
    }

    /**
     * Live threads that did not exist in {@code before}, except OkHttp's process-wide task runner: its threads serve
     * every OkHttp client and MockWebServer in the JVM (connection-pool cleanup) and idle out after 60 s by design.
     */
    private static List<String> newThreadNames(Set<Long> before) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            Thread thread = entry.getKey();
            if (thread.isAlive() && !before.contains(thread.getId()) && !thread.getName().startsWith("OkHttp TaskRunner")) {
                names.add(thread.getName());
            }
        }
        return names;
    }
}
