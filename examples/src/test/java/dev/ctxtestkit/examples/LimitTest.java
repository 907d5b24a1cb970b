package dev.ctxtestkit.examples;

import static dev.ctxtestkit.testkit.CtxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.junit.CtxTest;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.testkit.InvocationResult;
import dev.ctxtestkit.testkit.WorkerHarness;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

class LimitTest {

    /** A worker whose background task never settles. */
    private final Worker stuck = Worker.fetchSync((request, env, ctx) -> {
        ctx.waitUntil(new CompletableFuture<Void>());
        return Response.text("ok");
    });

    @CtxTest
    void lim2_aTaskThatNeverSettlesIsCancelledThirtySecondsAfterTheResponse(WorkerHarness harness) {
        Invocation invocation = harness.start(stuck, IncomingRequest.get("http://worker.test/"));

        harness.advanceBy(Duration.ofMillis(29_999));
        assertThat(invocation.isFinished()).isFalse();
        harness.advanceBy(Duration.ofMillis(1));

        InvocationResult result = harness.finish(invocation);
        assertThat(result).respondedWith(200)
                .cancelledAtLimit(Duration.ofSeconds(30))
                .loggedWarn("waitUntil() tasks did not complete within the allowed time after invocation end and have been cancelled.");
    }

    @CtxTest(limit = "PT5S")
    void lim4_theLimitIsConfigurable(WorkerHarness harness) {
        InvocationResult result = harness.fetch(stuck, IncomingRequest.get("http://worker.test/"));

        assertThat(result).cancelledAtLimit(Duration.ofSeconds(5));
    }
}
