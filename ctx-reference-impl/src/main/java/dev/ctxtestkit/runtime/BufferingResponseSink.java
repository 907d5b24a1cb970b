package dev.ctxtestkit.runtime;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link ResponseSink} that collects the whole response in memory, timestamped on a clock, for in-process clients.
 * {@link #headers()} completes when the headers arrive, {@link #completion()} when the body ends or is cut short.
 */
public final class BufferingResponseSink implements ResponseSink {
    private final Clock clock;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final CompletableFuture<ClientResponse> completion = new CompletableFuture<>();
    private final CompletableFuture<Integer> headersFuture = new CompletableFuture<>();
    private int status;
    private Headers headers;
    private Instant headersAt;

    public BufferingResponseSink(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized void start(int status, Headers headers) {
        if (this.headers != null) {
            throw new IllegalStateException("response already started");
        }
        this.status = status;
        this.headers = headers.copy();
        this.headersAt = clock.instant();
        headersFuture.complete(status);
    }

    @Override
    public synchronized CompletionStage<Void> write(byte[] chunk) {
        requireStarted();
        body.writeBytes(chunk);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void end() {
        ClientResponse response;
        synchronized (this) {
            requireStarted();
            response = new ClientResponse(status, headers, body.toByteArray(), false, null, headersAt, clock.instant());
        }
        completion.complete(response);
    }

    @Override
    public void fail(Throwable cause) {
        ClientResponse response;
        synchronized (this) {
            if (headers == null) {
                // Nothing was sent: the client sees a connection that closed without a response.
                headers = new Headers();
                headersAt = clock.instant();
            }
            response = new ClientResponse(status, headers, body.toByteArray(), true, cause, headersAt, clock.instant());
        }
        completion.complete(response);
    }

    /** Completes with the status once the headers were sent. */
    public CompletionStage<Integer> headers() {
        return headersFuture;
    }

    /** Completes once the body has ended or was cut short. */
    public CompletionStage<ClientResponse> completion() {
        return completion;
    }

    private void requireStarted() {
        if (headers == null) {
            throw new IllegalStateException("start() must be called before the body");
        }
    }
}
