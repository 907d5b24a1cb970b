package dev.ctxtestkit.examples;

import static dev.ctxtestkit.testkit.CtxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.junit.CtxExtension;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.testkit.InvocationResult;
import dev.ctxtestkit.testkit.MockOrigin;
import dev.ctxtestkit.testkit.WorkerHarness;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(CtxExtension.class)
class PassThroughProxyTest {

    @Test
    void pt5_theOriginReceivesTheOriginalRequest(WorkerHarness harness, MockOrigin origin) {
        origin.enqueue(new MockResponse.Builder().code(200).setHeader("x-served-by", "origin").body("from origin").build());
        IncomingRequest request = IncomingRequest.of("POST", "http://shop.example/orders?id=7", "order-body".getBytes(StandardCharsets.UTF_8))
                .withHeader("x-request-id", "abc");

        InvocationResult result = harness.fetch(new PassThroughProxy(), request);

        assertThat(result).respondedWith(200).hasHeader("x-served-by", "origin").hasBody("from origin")
                .failedOpen().hasOutcome(Outcome.EXCEPTION);
        assertThat(origin.takeRequest()).hasMethod("POST").hasTarget("/orders?id=7")
                .hasHeader("host", "shop.example").hasHeader("x-request-id", "abc").hasBody("order-body");
    }

    @Test
    void pt7_afterAPeekOnlyTheUnreadRemainderReachesTheOrigin(WorkerHarness harness, MockOrigin origin) {
        origin.enqueue(200, "from origin");
        byte[] body = new byte[10_000];
        Arrays.fill(body, 0, 4096, (byte) 'a');
        Arrays.fill(body, 4096, body.length, (byte) 'b');

        InvocationResult result = harness.fetch(new PassThroughProxy(4096), IncomingRequest.of("PUT", "http://shop.example/upload", body));

        assertThat(result).respondedWith(200).failedOpenWithBodyOfBytes(10_000 - 4096);
        assertThat(origin.takeRequest()).hasBody(Arrays.copyOfRange(body, 4096, body.length))
                .hasHeader("content-length", Integer.toString(10_000 - 4096));
    }

    @Test
    void pt4_noFailOpenOnceTheResponseHasStarted(WorkerHarness harness, MockOrigin origin) {
        InvocationResult result = harness.fetch(new StreamingReport(), "http://shop.example/report");

        assertThat(result).respondedWith(200).didNotFailOpen().hasOutcome(Outcome.EXCEPTION);
        assertThat(result.response().truncated()).isTrue();
        assertThat(result.response().bodyText()).isEqualTo("part 1\n");
        assertThat(origin.requestCount()).isZero();
    }
}
