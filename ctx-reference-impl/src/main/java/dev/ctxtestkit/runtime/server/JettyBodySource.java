package dev.ctxtestkit.runtime.server;

import dev.ctxtestkit.runtime.ByteSource;
import dev.ctxtestkit.runtime.EventLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;

/**
 * The client's request body as a {@link ByteSource}, read from Jetty without blocking and streamed, never buffered
 * whole. Each read is announced to the event loop as external I/O and completes on the loop. A body that ends early
 * because the connection closed is a client disconnect (ERR-8): {@code onClientGone} hears of it before the failed
 * read completes, so the invocation is cancelled rather than failed by a handler that merely saw its read fail. Reads
 * wait for {@link #attach()}, so that the server knows the invocation before any read can fail.
 */
final class JettyBodySource implements ByteSource {
    private final Request request;
    private final EventLoop loop;
    private final long length;
    private final Consumer<Throwable> onClientGone;
    private final CompletableFuture<Void> attached = new CompletableFuture<>();
    private Content.Chunk leftover;
    private boolean ended;

    JettyBodySource(Request request, EventLoop loop, long length, Consumer<Throwable> onClientGone) {
        this.request = request;
        this.loop = loop;
        this.length = length;
        this.onClientGone = onClientGone;
    }

    /** Lets reads start; called once whoever {@code onClientGone} reports to is ready. */
    void attach() {
        attached.complete(null);
    }

    @Override
    public CompletionStage<byte[]> read(int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        EventLoop.ExternalOperation operation = loop.beginExternal("reading the request body from the client");
        attached.thenRun(() -> readInto(result, maxBytes, operation));
        return result;
    }

    private void readInto(CompletableFuture<byte[]> result, int maxBytes, EventLoop.ExternalOperation operation) {
        byte[] bytes;
        Throwable failure = null;
        Throwable clientGone = null;
        boolean end = false;
        synchronized (this) {
            if (ended) {
                end = true;
                bytes = null;
            } else {
                Content.Chunk chunk = leftover != null ? leftover : request.read();
                leftover = null;
                if (chunk == null) {
                    request.demand(() -> readInto(result, maxBytes, operation));
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    if (chunk.getFailure() instanceof EofException) {
                        clientGone = chunk.getFailure(); // the connection closed before the body's end
                    }
                    failure = new IOException("the client's request body failed (did the client disconnect?): " + chunk.getFailure(), chunk.getFailure());
                    bytes = null;
                } else {
                    ByteBuffer buffer = chunk.getByteBuffer();
                    if (buffer.hasRemaining()) {
                        bytes = new byte[Math.min(maxBytes, buffer.remaining())];
                        buffer.get(bytes);
                        if (buffer.hasRemaining()) {
                            leftover = chunk;
                        } else {
                            ended = chunk.isLast();
                            chunk.release();
                        }
                    } else {
                        chunk.release();
                        if (chunk.isLast()) {
                            ended = true;
                            end = true;
                            bytes = null;
                        } else {
                            bytes = null;
                            request.demand(() -> readInto(result, maxBytes, operation));
                            return;
                        }
                    }
                }
            }
        }
        if (clientGone != null) {
            onClientGone.accept(clientGone); // before the read fails, so that the invocation hears of it first
        }
        Throwable error = failure;
        byte[] value = end ? null : bytes;
        operation.complete(() -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(value);
            }
        });
    }

    @Override
    public long length() {
        return length;
    }
}
