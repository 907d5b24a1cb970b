package dev.ctxtestkit.runtime.server;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ctxtestkit.runtime.WorkerInstance;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the front end refuses: it is never an open proxy (fail-open goes only to the configured origin, whatever the
 * {@code Host} header, an absolute-form target or a {@code CONNECT} names), and malformed or oversized requests are
 * answered by the parser (400, 414, 431, 505) without reaching the handler or the origin. The worker here fails open on
 * every request, so a request that slipped through would show up at the origin as well as in the handler count.
 */
@Timeout(20)
class WorkerServerSecurityTest extends ServerTestSupport {
    private static final int MAX_HEADER_BYTES = 4096;

    private MockWebServer origin;
    private MockWebServer elsewhere;
    private WorkerServer server;
    private final List<String> handlerSaw = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        origin = origin();
        elsewhere = origin();
        for (int i = 0; i < 5; i++) {
            origin.enqueue(new MockResponse.Builder().addHeader("X-From", "origin").body("origin").build());
            elsewhere.enqueue(new MockResponse.Builder().addHeader("X-From", "elsewhere").body("elsewhere").build());
        }
        server = serve(WorkerInstance.builder(countedAsync((request, env, ctx) -> {
            handlerSaw.add(request.method() + " " + request.url());
            ctx.passThroughOnException();
            if (request.url().endsWith("/read")) {
                return request.text().thenApply(text -> {
                    throw new IllegalStateException("boom after reading " + text);
                });
            }
            throw new IllegalStateException("boom");
        })).origin(origin.url("/").toString()), b -> b.maxHeaderBytes(MAX_HEADER_BYTES));
    }

    private String elsewhereAuthority() {
        return "127.0.0.1:" + elsewhere.getPort();
    }

    private RecordedRequest forwarded() throws InterruptedException {
        RecordedRequest request = origin.takeRequest(WAIT.toMillis(), MILLISECONDS);
        assertThat(request).as("a request at the origin").isNotNull();
        return request;
    }

    // ------------------------------------------------------------------ never an open proxy

    @Test
    void anAbsoluteFormTargetNamingAnotherServerFailsOpenToTheOriginOnly() throws Exception {
        String target = "http://" + elsewhereAuthority() + "/x?y=1";

        RawHttp.Reply reply = RawHttp.exchange(server.url(), "GET " + target + " HTTP/1.1\r\nHost: " + elsewhereAuthority() + "\r\n\r\n");

        assertThat(reply.header("x-from")).isEqualTo("origin");
        RecordedRequest forwarded = forwarded();
        assertThat(forwarded.getTarget()).isEqualTo("/x?y=1"); // origin-form: the absolute target is not passed on
        assertThat(forwarded.getHeaders().get("host")).isEqualTo(elsewhereAuthority()); // PT-5 keeps the Host header
        assertThat(elsewhere.getRequestCount()).isZero();
    }

    @Test
    void anAbsoluteFormTargetWhoseAuthorityDiffersFromHostIsRejected() throws Exception {
        RawHttp.Reply reply = RawHttp.exchange(server.url(), "GET http://" + elsewhereAuthority() + "/x HTTP/1.1\r\nHost: worker.test\r\n\r\n");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(handlerCalls).hasValue(0);
        assertThat(origin.getRequestCount() + elsewhere.getRequestCount()).isZero();
    }

    @Test
    void aHostHeaderNamingAnotherServerFailsOpenToTheOriginOnly() throws Exception {
        RawHttp.Reply reply = RawHttp.exchange(server.url(), "GET /x HTTP/1.1\r\nHost: " + elsewhereAuthority() + "\r\n\r\n");

        assertThat(reply.header("x-from")).isEqualTo("origin");
        assertThat(handlerSaw).containsExactly("GET http://" + elsewhereAuthority() + "/x");
        assertThat(forwarded().getHeaders().get("host")).isEqualTo(elsewhereAuthority());
        assertThat(elsewhere.getRequestCount()).isZero();
    }

    @Test
    void aConnectRequestOpensNoTunnelAndFailsOpenToTheOriginOnly() throws Exception {
        try (RawHttp http = RawHttp.connect(server.url())) {
            RawHttp.Reply reply = http.send("CONNECT " + elsewhereAuthority() + " HTTP/1.1\r\nHost: " + elsewhereAuthority() + "\r\n\r\n").readResponse();

            assertThat(reply.header("x-from")).isEqualTo("origin");
            // Bytes after the answer are not tunnelled anywhere: they are read as the next HTTP request.
            http.send("GET /after HTTP/1.1\r\nHost: w\r\n\r\n");
            assertThat(http.readResponse().header("x-from")).isEqualTo("origin");
        }
        assertThat(forwarded().getMethod()).isEqualTo("CONNECT");
        assertThat(forwarded().getTarget()).isEqualTo("/after");
        assertThat(elsewhere.getRequestCount()).isZero();
    }

    @Test
    void theServerListensOnLoopbackOnlyByDefault() throws Exception {
        Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(nic -> {
                    try {
                        return nic.isUp() && !nic.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(nic -> Collections.list(nic.getInetAddresses()).stream())
                .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
                .findFirst();
        assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to try");

        assertThatThrownBy(() -> new Socket(external.get(), server.port()).close()).isInstanceOf(ConnectException.class);
        try (Socket loopback = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            assertThat(loopback.isConnected()).isTrue();
        }
    }

    // ------------------------------------------------------------------ malformed requests never reach the handler

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                Arguments.of("Content-Length and Transfer-Encoding together (CL.TE smuggling)",
                        "POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: w\r\n\r\n", 400),
                Arguments.of("Transfer-Encoding before Content-Length",
                        "POST / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("two different Content-Length values",
                        "POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
                Arguments.of("a list-valued Content-Length",
                        "POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 3, 4\r\n\r\nabcd", 400),
                Arguments.of("a Transfer-Encoding whose last coding is not chunked",
                        "POST / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("an unknown Transfer-Encoding",
                        "POST / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: gzip\r\n\r\nxx", 400),
                Arguments.of("a request line of garbage", "GARBAGE\r\n\r\n", 400),
                Arguments.of("a request line with binary junk", "\u0001\u0002\u00ff HTTP/1.1\r\n\r\n", 400),
                Arguments.of("a control character in the target", "GET /a\u0001b HTTP/1.1\r\nHost: w\r\n\r\n", 400),
                Arguments.of("whitespace between a header name and its colon", "GET / HTTP/1.1\r\nHost : w\r\n\r\n", 400),
                Arguments.of("a header line without a colon", "GET / HTTP/1.1\r\nHost: w\r\nNoColonHere\r\n\r\n", 400),
                Arguments.of("an obsolete line folding", "GET / HTTP/1.1\r\nHost: w\r\nX-A: 1\r\n folded\r\n\r\n", 400),
                Arguments.of("an HTTP/1.1 request without Host", "GET / HTTP/1.1\r\n\r\n", 400),
                Arguments.of("two Host headers", "GET / HTTP/1.1\r\nHost: w\r\nHost: v\r\n\r\n", 400),
                Arguments.of("an unsupported HTTP version", "GET / HTTP/9.9\r\nHost: w\r\n\r\n", 505),
                Arguments.of("a URL longer than the header limit",
                        "GET /" + "a".repeat(2 * MAX_HEADER_BYTES) + " HTTP/1.1\r\nHost: w\r\n\r\n", 414),
                Arguments.of("one header larger than the limit",
                        "GET / HTTP/1.1\r\nHost: w\r\nX-Big: " + "b".repeat(2 * MAX_HEADER_BYTES) + "\r\n\r\n", 431),
                Arguments.of("many headers adding up to more than the limit",
                        "GET / HTTP/1.1\r\nHost: w\r\n" + "X-Many: ".concat("c".repeat(100)).concat("\r\n").repeat(MAX_HEADER_BYTES / 50) + "\r\n", 431));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformedRequests")
    void aMalformedRequestIsAnsweredByTheParserAndNeverReachesTheHandlerOrTheOrigin(String what, String request, int status) throws Exception {
        try (RawHttp http = RawHttp.connect(server.url())) {
            RawHttp.Reply reply = http.send(request).readResponse();

            assertThat(reply.status()).as(what).isEqualTo(status);
            assertThat(reply.headerNames()).doesNotContain("date", "server");
            // Nothing after a rejected request is read as another request on the same connection.
            assertThat(http.closedByServer()).as("the connection is closed after the error").isTrue();
        }
        assertThat(handlerCalls).as("handler calls").hasValue(0);
        assertThat(records.poll(50, MILLISECONDS)).as("no invocation").isNull();
        assertThat(origin.getRequestCount()).as("requests at the origin").isZero();
        assertThat(handlerSaw).isEmpty();

        // The server is still fine afterwards.
        assertThat(RawHttp.exchange(server.url(), "GET /ok HTTP/1.1\r\nHost: w\r\n\r\n").header("x-from")).isEqualTo("origin");
        assertThat(handlerCalls).hasValue(1);
    }

    @Test
    void aBrokenChunkedBodyFailsTheHandlersReadWith400_andWhatFollowsIsNeverReadAsARequest() throws Exception {
        // The head is valid, so the handler starts (the body is streamed, not checked in advance); the bad chunk size
        // then ends the exchange: the handler's read fails instead of yielding junk, and the smuggled request after it
        // is never parsed.
        try (RawHttp http = RawHttp.connect(server.url())) {
            RawHttp.Reply reply = http.send("POST /read HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\nabc\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: w\r\n\r\n").readResponse();

            assertThat(reply.status()).isEqualTo(400);
            assertThat(http.closedByServer()).isTrue();
        }
        assertThat(handlerSaw).containsExactly("POST http://w/read");
        assertThat(nextRecord().label()).isEqualTo("fetch POST http://w/read");
        assertThat(records.poll(50, MILLISECONDS)).isNull();
        assertThat(origin.getRequestCount()).isZero();
    }

    @Test
    void requestsJustUnderTheLimitsAreServed() throws Exception {
        String path = "/" + "p".repeat(MAX_HEADER_BYTES / 2);
        String header = "X-Fits: " + "f".repeat(MAX_HEADER_BYTES / 4) + "\r\n";

        RawHttp.Reply reply = RawHttp.exchange(server.url(), "GET " + path + " HTTP/1.1\r\nHost: w\r\n" + header + "\r\n");

        assertThat(reply.header("x-from")).isEqualTo("origin");
        assertThat(forwarded().getTarget()).isEqualTo(path);
    }

    @Test
    void theParsersErrorAnswersLeaveTheWorkerUsable_onTheSameServerAfterMany() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertThat(RawHttp.exchange(server.url(), "POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status()).isEqualTo(400);
        }
        assertThat(handlerCalls).hasValue(0);
        assertThat(server.running()).isZero();
        RawHttp.Reply ok = RawHttp.exchange(server.url(), "GET / HTTP/1.1\r\nHost: w\r\n\r\n");
        assertThat(ok.header("x-from")).isEqualTo("origin");
    }
}
