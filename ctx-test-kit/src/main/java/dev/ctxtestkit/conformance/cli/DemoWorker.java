package dev.ctxtestkit.conformance.cli;

import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The worker {@code ctx-conformance serve} runs by default: answers at once and finishes a 500 ms background task
 * after the response ({@code ctx.waitUntil}); {@code /fail} calls {@code passThroughOnException()} and throws, so the
 * request fails open to the configured origin, or gets a bare 500 without one.
 */
final class DemoWorker implements FetchHandler {
    @Override
    public CompletionStage<Response> fetch(Request request, Env env, Context ctx) {
        if (request.uri().getPath().equals("/fail")) {
            ctx.passThroughOnException();
            throw new IllegalStateException("the demo worker fails on /fail, on purpose");
        }
        ctx.waitUntil(env.timers().sleep(Duration.ofMillis(500)).thenRun(() -> env.console().log("background task done for " + request.url())));
        return CompletableFuture.completedFuture(Response.text("hello from the ctx-test-kit reference runtime: " + request.method() + " "
                + request.url() + "\n(a 500 ms waitUntil task runs after this response; try /fail for passThroughOnException)\n"));
    }
}
