package dev.ctxtestkit.examples;

import dev.ctxtestkit.runtime.Body;
import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.InMemoryCache;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.util.concurrent.CompletionStage;

/**
 * The seed's first example: forward the request to the origin, add {@code x-foo: bar} to the answer, and store the
 * answer in the {@code CACHE} binding with {@code ctx.waitUntil}, without making the client wait for the write
 * (WU-5); a failing write changes nothing for the client (WU-6). The cache key is the request URL.
 */
public final class CachingProxy implements FetchHandler {
    /** The name of the cache binding. */
    public static final String CACHE = "CACHE";

    @Override
    public CompletionStage<Response> fetch(Request request, Env env, Context ctx) {
        return env.fetch(request).thenCompose(upstream -> upstream.bytes().thenApply(bytes -> {
            Response response = new Response(upstream.status(), upstream.headers().copy().set("x-foo", "bar"), Body.of(bytes));
            ctx.waitUntil(env.binding(CACHE, InMemoryCache.class).put(request.url(), bytes));
            return response;
        }));
    }
}
