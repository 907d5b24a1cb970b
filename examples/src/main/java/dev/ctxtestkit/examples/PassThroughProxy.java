package dev.ctxtestkit.examples;

import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The seed's second example: a worker that calls {@code passThroughOnException()} and then fails, so the request
 * goes to the origin instead (PT-3). It may first peek at the start of the body, as a validating worker would; then
 * only the unread rest reaches the origin (PT-7).
 */
public final class PassThroughProxy implements FetchHandler {
    private final int peekBytes;

    /** Fails without touching the body. */
    public PassThroughProxy() {
        this(0);
    }

    /** Reads up to {@code peekBytes} of the body, then fails. */
    public PassThroughProxy(int peekBytes) {
        this.peekBytes = peekBytes;
    }

    @Override
    public CompletionStage<Response> fetch(Request request, Env env, Context ctx) {
        ctx.passThroughOnException();
        CompletionStage<byte[]> peek = peekBytes > 0 ? request.body().reader().read(peekBytes) : CompletableFuture.completedFuture(new byte[0]);
        return peek.thenApply(bytes -> {
            throw new IllegalStateException("the worker's own logic failed after peeking at " + bytes.length + " bytes");
        });
    }
}
