package dev.ctxtestkit.runtime;

import java.util.concurrent.CompletionStage;

/**
 * Where the runtime sends an invocation's response: the client side of the connection. The HTTP front end writes to
 * a socket; in-process dispatch uses {@link BufferingResponseSink}.
 *
 * <p>Call order: {@link #start} once, then {@link #write} any number of times (each after the previous write's stage
 * completed), then exactly one of {@link #end()} or {@link #fail(Throwable)}. {@code fail} after {@code start}
 * truncates the response (PT-4). Implementations must accept calls from any thread.
 */
public interface ResponseSink {

    /** Sends the status line and headers; after this, no fail-open can happen (PT-4). */
    void start(int status, Headers headers);

    /** Sends a chunk of the body; the stage completes when the sink can take the next one. */
    CompletionStage<Void> write(byte[] chunk);

    /** Ends the body normally. */
    void end();

    /** Ends the response abnormally: the client keeps what it got and sees a truncated body. */
    void fail(Throwable cause);
}
