package dev.ctxtestkit.runtime.server;

import dev.ctxtestkit.runtime.ByteSource;
import dev.ctxtestkit.runtime.EventLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * The client's request body as a {@link ByteSource}, read from Jetty without blocking and streamed, never buffered
 * whole. Each read is announced to the event loop as external I/O and completes on the loop.
 */
final class JettyBodySource implements ByteSource {
    private final Request request;
    private final EventLoop loop;
    private final long length;
    private Content.Chunk leftover;
    private boolean ended;

    JettyBodySource(Request request, EventLoop loop, long length) {
        this.request = request;
        this.loop = loop;
        this.length = length;
    }

    @Override
    public CompletionStage<byte[]> read(int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        EventLoop.ExternalOperation operation = loop.beginExternal("reading the request body from the client");
        readInto(result, maxBytes, operation);
        return result;
    }

    private void readInto(CompletableFuture<byte[]> result, int maxBytes, EventLoop.ExternalOperation operation) {
        byte[] bytes;
        Throwable failure = null;
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
