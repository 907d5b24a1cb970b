package dev.ctxtestkit.runtime;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The per-invocation context handed to a handler: the Java analogue of a Workers {@code ExecutionContext}.
 *
 * <p>Every invocation gets its own {@code Context} (CTX-1). A {@code Context} is bound to the invocation it was
 * created for (CTX-7): once that invocation has finished (drained, cancelled at the limit, or aborted), every method
 * below except {@link #props()} throws {@link IllegalStateException} naming the invocation and its state, and
 * changes nothing else. While the invocation is draining it is not finished, so {@link #waitUntil} still accepts
 * tasks (WU-11).
 *
 * <p>Call these methods from handler code, which runs on the worker's event loop (CTX-8). A call made from another
 * thread is handed to the event loop and takes effect there, in order.
 */
public interface Context {

    /**
     * Registers a task that keeps the invocation alive after its response (WU-5, WU-11).
     *
     * <p>The response is never delayed by a task (WU-5). A task that completes exceptionally is recorded as an
     * exception labelled {@code Uncaught (async)} and changes neither the response nor any other task (WU-6, WU-7,
     * WU-9). Tasks still pending at the limit are cancelled: they are never completed, so no continuation of them
     * runs on this invocation (LIM-5, LIM-9).
     *
     * @param task the task; {@code null} is accepted as an already-settled task and marked suspicious in the
     *             invocation record (WU-13)
     * @throws IllegalStateException if the invocation has finished (CTX-7)
     */
    void waitUntil(CompletionStage<?> task);

    /**
     * Sets the sticky fail-open flag of this invocation (PT-1): if an exception later escapes the handler before any
     * response header was sent, the original request is forwarded to the configured origin (PT-3, PT-12). Repeated
     * calls have no further effect. The flag has no effect outside the fetch path (PT-2).
     *
     * @throws IllegalStateException if the invocation has finished (CTX-7)
     */
    void passThroughOnException();

    /**
     * Aborts the invocation with the default reason {@value InvocationAbortedException#DEFAULT_MESSAGE}. Equivalent
     * to {@code abort(null)}.
     *
     * @throws InvocationAbortedException always, so that no code after the call runs (ABT-1)
     * @throws IllegalStateException      if the invocation has finished (CTX-7)
     */
    default void abort() {
        abort(null);
    }

    /**
     * Ends the invocation at once (ABT-1): the handler stage fails with {@code reason} (the client gets the error
     * response of ERR-9, or the fallback's response when the fail-open flag is set, ABT-3), the drain ends and every
     * pending task is cancelled (ABT-2), and the outcome is {@code exception} (ABT-5).
     *
     * @param reason any value; a {@link Throwable} is kept as the cause, anything else becomes the message;
     *               {@code null} gives the default message
     * @throws InvocationAbortedException always, so that no code after the call runs (ABT-1)
     * @throws IllegalStateException      if the invocation has finished (CTX-7)
     */
    void abort(Object reason);

    /**
     * The value chosen by the caller for this invocation (CTX-4); an empty map when the caller set none. Never
     * {@code null}. Unlike the other methods, it stays readable after the invocation finished.
     */
    Map<String, Object> props();
}
