package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.ByteSource;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sits between the client's request body and the handler: counts what the handler read, detaches the handler's view
 * after the response (BODY-4), and gives fail-open the unread remainder (PT-7).
 *
 * <p>A handler read still in flight when the handler stage ends is not lost: its bytes, which the handler never
 * received, are pushed back in front of the remainder, and fail-open waits for that read before reading on, so the
 * client stream only ever has one read outstanding.
 */
public final class RequestBodyTracker {
    private final ByteSource client;
    private final AtomicLong consumed = new AtomicLong();
    private final Object lock = new Object();
    private String detachedReason;
    private CompletableFuture<Void> handlerReadSettled;
    private byte[] pushback;

    RequestBodyTracker(ByteSource client) {
        this.client = client;
    }

    /** What the handler's {@code Request.body()} reads from. */
    ByteSource handlerView() {
        return new ByteSource() {
            @Override
            public CompletionStage<byte[]> read(int maxBytes) {
                CompletableFuture<Void> settled = new CompletableFuture<>();
                synchronized (lock) {
                    if (detachedReason != null) {
                        return CompletableFuture.failedFuture(new IllegalStateException(detachedReason));
                    }
                    handlerReadSettled = settled;
                }
                CompletableFuture<byte[]> result = new CompletableFuture<>();
                client.read(maxBytes).whenComplete((chunk, error) -> {
                    String reason;
                    synchronized (lock) {
                        handlerReadSettled = null;
                        reason = detachedReason;
                        if (reason != null && error == null && chunk != null) {
                            pushback = chunk; // read for a handler that is gone: it belongs to the remainder
                        }
                    }
                    settled.complete(null);
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else if (reason != null) {
                        result.completeExceptionally(new IllegalStateException(reason));
                    } else {
                        if (chunk != null) {
                            consumed.addAndGet(chunk.length);
                        }
                        result.complete(chunk);
                    }
                });
                return result;
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
        synchronized (lock) {
            if (detachedReason == null) {
                detachedReason = reason;
            }
        }
    }

    /** The unread rest of the client's body, for fail-open: pushed-back bytes first, then the client stream. */
    public ByteSource remainder() {
        return new ByteSource() {
            @Override
            public CompletionStage<byte[]> read(int maxBytes) {
                CompletableFuture<Void> pending;
                synchronized (lock) {
                    pending = handlerReadSettled;
                    if (pending == null && pushback != null) {
                        byte[] head = pushback;
                        if (head.length > maxBytes) {
                            pushback = Arrays.copyOfRange(head, maxBytes, head.length);
                            head = Arrays.copyOf(head, maxBytes);
                        } else {
                            pushback = null;
                        }
                        return CompletableFuture.completedFuture(head);
                    }
                }
                if (pending != null) {
                    return pending.thenCompose(ignored -> read(maxBytes));
                }
                return client.read(maxBytes);
            }

            @Override
            public long length() {
                return client.length();
            }
        };
    }

    long consumedBytes() {
        return consumed.get();
    }

    /** The client body's total length, or -1 when unknown. */
    long clientLength() {
        return client.length();
    }
}
