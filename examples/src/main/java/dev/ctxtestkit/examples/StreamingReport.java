package dev.ctxtestkit.examples;

import dev.ctxtestkit.runtime.BodyPipe;
import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A worker that streams a report and breaks after the first part. It set the fail-open flag, but once the headers are
 * out there is no fail-open: the client keeps a truncated body (PT-4).
 */
public final class StreamingReport implements FetchHandler {
    @Override
    public CompletionStage<Response> fetch(Request request, Env env, Context ctx) {
        ctx.passThroughOnException();
        BodyPipe body = new BodyPipe();
        body.write("part 1\n".getBytes(StandardCharsets.UTF_8));
        env.timers().setTimeout(() -> body.error(new IllegalStateException("the report generator crashed")), Duration.ofMillis(10));
        return CompletableFuture.completedFuture(Response.stream(200, body.source()));
    }
}
