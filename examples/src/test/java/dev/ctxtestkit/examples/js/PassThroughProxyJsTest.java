package dev.ctxtestkit.examples.js;

import static dev.ctxtestkit.testkit.CtxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.junit.Workerd;
import dev.ctxtestkit.junit.WorkerdWorker;
import dev.ctxtestkit.testkit.MockOrigin;
import dev.ctxtestkit.testkit.ReceivedRequest;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;

/** The JavaScript pass-through proxy in real workerd: fail-open reaches the test's mock origin. */
@Workerd(script = "../examples/js/passthrough-proxy.mjs")
class PassThroughProxyJsTest {
    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void pt5_theOriginReceivesTheOriginalRequestAndTheClientItsAnswer(WorkerdWorker worker, MockOrigin origin) throws Exception {
        origin.enqueue(new MockResponse.Builder().code(299).setHeader("x-served-by", "origin").body("from origin").build());

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(worker.url("/orders?id=7"))
                .header("x-request-id", "abc").POST(HttpRequest.BodyPublishers.ofString("order-body")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as("PT-6: the origin's status, relayed").isEqualTo(299);
        assertThat(response.headers().firstValue("x-served-by")).hasValue("origin");
        assertThat(response.body()).isEqualTo("from origin");
        ReceivedRequest forwarded = origin.takeRequest();
        assertThat(forwarded).hasMethod("POST").hasTarget("/orders?id=7").hasHeader("x-request-id", "abc").hasBody("order-body")
                .hasHeader("host", worker.url().getAuthority());
    }

    @Test
    void pt7_afterAPeekOnlyTheUnreadRemainderReachesTheOrigin(WorkerdWorker worker, MockOrigin origin) throws Exception {
        origin.enqueue(200, "from origin");
        byte[] body = new byte[300_000];
        Arrays.fill(body, (byte) 'x');
        for (int i = 0; i < body.length; i += 1000) {
            body[i] = (byte) ('a' + (i / 1000) % 26);
        }

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(worker.url("/upload?peek"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        ReceivedRequest forwarded = origin.takeRequest();
        byte[] received = forwarded.body();
        assertThat(received.length).as("a first chunk was read: fewer bytes than sent").isLessThan(body.length).isPositive();
        assertThat(received).as("exactly the unread tail").isEqualTo(Arrays.copyOfRange(body, body.length - received.length, body.length));
        assertThat(forwarded.header("content-length")).isEqualTo(Integer.toString(received.length));
    }

    @Test
    void pt4_noFailOpenOnceTheResponseHasStarted(WorkerdWorker worker, MockOrigin origin) {
        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(worker.url("/stream")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()))
                .as("the client keeps the 200 and gets a truncated body, so reading it fails").isInstanceOf(IOException.class);
        assertThat(origin.requestCount()).as("no fail-open after the headers").isZero();
    }
}
