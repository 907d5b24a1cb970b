package dev.ctxtestkit.runtime.server;

import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.ResponseSink;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Writes an invocation's response to a Jetty exchange, streamed: framing comes from the runtime's headers
 * ({@code Content-Length} when known, chunked otherwise, BODY-5); {@link #fail} aborts the exchange, so the client
 * sees a truncated body (PT-4). A write that fails because the client left is reported to {@code onClientGone}.
 */
final class JettyResponseSink implements ResponseSink {
    private final Response response;
    private final Callback exchange;
    private final Consumer<Throwable> onClientGone;
    private boolean started;
    private boolean done;

    JettyResponseSink(Response response, Callback exchange, Consumer<Throwable> onClientGone) {
        this.response = response;
        this.exchange = exchange;
        this.onClientGone = onClientGone;
    }

    @Override
    public synchronized void start(int status, Headers headers) {
        started = true;
        response.setStatus(status);
        headers.forEach((name, value) -> {
            if (name.equals("transfer-encoding")) {
                return; // Jetty chunks a body of unknown length by itself
            }
            if (name.equals("content-length")) {
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, value);
            } else {
                response.getHeaders().add(name, value);
            }
        });
    }

    @Override
    public CompletionStage<Void> write(byte[] chunk) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        response.write(false, ByteBuffer.wrap(chunk), Callback.from(() -> written.complete(null), failure -> {
            onClientGone.accept(failure);
            written.completeExceptionally(failure);
        }));
        return written;
    }

    @Override
    public void end() {
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
        }
        response.write(true, ByteBuffer.allocate(0), Callback.from(exchange::succeeded, failure -> {
            onClientGone.accept(failure);
            exchange.failed(failure);
        }));
    }

    /**
     * Aborts the exchange. Once {@link #start} was called the status and headers count as sent (PT-4), but Jetty only
     * commits them with the first write, and failing an uncommitted exchange makes Jetty answer with its own error page
     * (a 500 whose HTML shows the exception's message) instead. So they are committed first, and the connection is
     * then cut: the client keeps them and sees a truncated body.
     */
    @Override
    public void fail(Throwable cause) {
        boolean commitFirst;
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
            commitFirst = started && !response.isCommitted();
        }
        if (commitFirst) {
            response.write(false, ByteBuffer.allocate(0), Callback.from(() -> exchange.failed(cause), failure -> exchange.failed(cause)));
        } else {
            exchange.failed(cause);
        }
    }
}
