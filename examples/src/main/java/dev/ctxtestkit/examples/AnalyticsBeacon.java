package dev.ctxtestkit.examples;

import dev.ctxtestkit.runtime.Body;
import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers at once and reports three analytics beacons in the background with {@code ctx.waitUntil}: the response never
 * waits for them (WU-5), and a beacon that fails changes neither the response nor the other beacons (WU-6, WU-7).
 */
public final class AnalyticsBeacon implements FetchHandler {
    /** Where the beacons go (through the worker's outbound, i.e. the origin). */
    public static final String COLLECTOR = "http://analytics.example/collect/";

    @Override
    public CompletionStage<Response> fetch(Request request, Env env, Context ctx) {
        for (String event : new String[] {"pageview", "timing", "experiment"}) {
            ctx.waitUntil(send(env, event, request.url()));
        }
        return CompletableFuture.completedFuture(Response.text("hello"));
    }

    private static CompletionStage<Void> send(Env env, String event, String page) {
        Request beacon = new Request("POST", COLLECTOR + event, Headers.of("content-type", "application/json"),
                Body.of("{\"event\":\"" + event + "\",\"page\":\"" + page + "\"}"));
        return env.fetch(beacon).thenAccept(answer -> {
            if (answer.status() >= 300) {
                throw new IllegalStateException("beacon '" + event + "' was refused with " + answer.status());
            }
        });
    }
}
