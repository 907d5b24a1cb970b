package dev.ctxtestkit.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@code fetch} handler (EVT-5): answers a request with a {@link Response}, asynchronously. An exception thrown
 * here, or a stage that completes exceptionally, is a handler exception: the client gets the response of ERR-9, or
 * the origin's when {@link Context#passThroughOnException()} was called (PT-3).
 */
@FunctionalInterface
public interface FetchHandler {

    CompletionStage<Response> fetch(Request request, Env env, Context ctx) throws Exception;

    /** Adapts a synchronous handler: its return value is the response, its exception a handler exception. */
    static FetchHandler sync(SyncFetchHandler handler) {
        return (request, env, ctx) -> CompletableFuture.completedFuture(handler.fetch(request, env, ctx));
    }

    /** The synchronous convenience form of a fetch handler. */
    @FunctionalInterface
    interface SyncFetchHandler {
        Response fetch(Request request, Env env, Context ctx) throws Exception;
    }
}
