package dev.ctxtestkit.runtime;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A body whose bytes are produced over time by code (the Java analogue of a JavaScript-backed
 * {@code ReadableStream}): write chunks with {@link #write}, finish with {@link #close()} or end in error with
 * {@link #error(Throwable)}. The consumer reads through {@link #source()}. Unbounded: writes never block.
 * Thread-safe.
 */
public final class BodyPipe {
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private CompletableFuture<byte[]> pendingRead;
    private int pendingMax;
    private boolean closed;
    private Throwable error;
    private final Source source = new Source();

    /** The consuming side, of unknown length. */
    public ByteSource source() {
        return source;
    }

    /** Appends a chunk; empty chunks are ignored. */
    public void write(byte[] chunk) {
        Objects.requireNonNull(chunk, "chunk");
        CompletableFuture<byte[]> toComplete = null;
        byte[] value = null;
        synchronized (this) {
            if (closed || error != null) {
                throw new IllegalStateException("BodyPipe is already " + (error != null ? "errored" : "closed"));
            }
            if (chunk.length == 0) {
                return;
            }
            chunks.add(chunk.clone());
            if (pendingRead != null) {
                toComplete = pendingRead;
                pendingRead = null;
                value = take(pendingMax);
            }
        }
        if (toComplete != null) {
            toComplete.complete(value);
        }
    }

    /** Ends the stream normally. */
    public void close() {
        CompletableFuture<byte[]> toComplete;
        synchronized (this) {
            if (closed || error != null) {
                return;
            }
            closed = true;
            toComplete = chunks.isEmpty() ? pendingRead : null;
            if (toComplete != null) {
                pendingRead = null;
            }
        }
        if (toComplete != null) {
            toComplete.complete(null);
        }
    }

    /** Ends the stream with an error: chunks already written are still delivered, then reads fail with it. */
    public void error(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        CompletableFuture<byte[]> toComplete;
        synchronized (this) {
            if (closed || error != null) {
                return;
            }
            error = cause;
            toComplete = chunks.isEmpty() ? pendingRead : null;
            if (toComplete != null) {
                pendingRead = null;
            }
        }
        if (toComplete != null) {
            toComplete.completeExceptionally(cause);
        }
    }

    private byte[] take(int maxBytes) {
        byte[] head = chunks.poll();
        if (head.length > maxBytes) {
            chunks.addFirst(Arrays.copyOfRange(head, maxBytes, head.length));
            head = Arrays.copyOf(head, maxBytes);
        }
        return head;
    }

    private final class Source implements ByteSource {
        @Override
        public CompletionStage<byte[]> read(int maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
            }
            synchronized (BodyPipe.this) {
                if (pendingRead != null) {
                    throw new IllegalStateException("a read is already outstanding on this stream");
                }
                if (!chunks.isEmpty()) {
                    return CompletableFuture.completedFuture(take(maxBytes));
                }
                if (error != null) {
                    return CompletableFuture.failedFuture(error);
                }
                if (closed) {
                    return CompletableFuture.completedFuture(null);
                }
                pendingRead = new CompletableFuture<>();
                pendingMax = maxBytes;
                return pendingRead;
            }
        }

        @Override
        public long length() {
            return -1;
        }

        @Override
        public void cancel(Throwable reason) {
            error(reason == null ? new IllegalStateException("cancelled") : reason);
        }
    }
}
