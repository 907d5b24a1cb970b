package dev.ctxtestkit.runtime;

import java.util.concurrent.CompletionStage;

/** A handle to one invocation in progress. */
public interface Invocation {

    /** The invocation's number within its worker instance, from 1. */
    long id();

    /** A short description such as {@code fetch GET http://worker.test/}. */
    String label();

    /**
     * The response as the client got it, complete once its body ended or was cut short. Only for fetch invocations
     * dispatched without a custom {@link ResponseSink}; otherwise the stage fails with
     * {@link IllegalStateException}.
     */
    CompletionStage<ClientResponse> response();

    /** Completes with the invocation record once the drain has ended and the response was delivered (LIM-8). */
    CompletionStage<InvocationRecord> finished();

    /** Whether the drain has ended; a finished invocation's {@link Context} throws (CTX-7). */
    boolean isFinished();

    /**
     * The tasks registered so far that have not settled, with where they were registered: a snapshot for
     * diagnostics (hang reports), safe to take from any thread.
     */
    java.util.List<TaskRecord> pendingTasks();
}
