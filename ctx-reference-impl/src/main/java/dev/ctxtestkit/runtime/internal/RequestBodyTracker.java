package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.ByteSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sits between the client's request body and the handler: counts what the handler read, detaches the handler's view
 * after the response (BODY-4), and gives fail-open the unread remainder (PT-7).
 */
public final class RequestBodyTracker {
    private final ByteSource client;
    private final AtomicLong consumed = new AtomicLong();
    private volatile String detachedReason;

    RequestBodyTracker(ByteSource client) {
        this.client = client;
    }

    /** What the handler's {@code Request.body()} reads from. */
    ByteSource handlerView() {
        return new ByteSource() {
            @Override
            public CompletionStage<byte[]> read(int maxBytes) {
                String reason = detachedReason;
                if (reason != null) {
                    return CompletableFuture.failedFuture(new IllegalStateException(reason));
                }
                return client.read(maxBytes).thenApply(chunk -> {
                    if (chunk != null) {
                        consumed.addAndGet(chunk.length);
                    }
                    return chunk;
                });
            }

            @Override
            public long length() {
                return client.length();
            }

            @Override
            public void cancel(Throwable reason) {
                // The handler giving up its reader must not take the remainder away from fail-open.
            }
        };
    }

    /** Makes later handler reads fail with {@code reason}; the first reason wins. */
    void detach(String reason) {
        if (detachedReason == null) {
            detachedReason = reason;
        }
    }

    /** The unread rest of the client's body, for fail-open. */
    ByteSource remainder() {
        return client;
    }

    long consumedBytes() {
        return consumed.get();
    }

    /** The client body's total length, or -1 when unknown. */
    long clientLength() {
        return client.length();
    }
}
