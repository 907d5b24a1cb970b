package dev.ctxtestkit.conformance.scenario;

import java.util.Objects;

/**
 * One thing a scenario's handler does, in order. Steps run one after the other; {@link Sleep} awaits a timer, so
 * steps after it run after an {@code await}. A step with {@code invocation > 0} runs only in that invocation (1-based)
 * of a multi-invocation scenario.
 */
public sealed interface Step {

    /** 0 for every invocation, else the 1-based invocation this step belongs to. */
    int invocation();

    /** {@code ctx.passThroughOnException()}. */
    record PassThrough(int invocation) implements Step { }

    /** {@code ctx.waitUntil(task)}. */
    record WaitUntil(TaskSpec task, int invocation) implements Step {
        public WaitUntil {
            Objects.requireNonNull(task, "task");
        }
    }

    /** {@code count} tasks of {@code delayMs} each; one beacon {@code tag} with the count once all have completed. */
    record WaitUntilMany(String tag, int count, long delayMs, int invocation) implements Step {
        public WaitUntilMany {
            if (count < 1) {
                throw new IllegalArgumentException("waitUntilMany: count must be at least 1: " + count);
            }
        }
    }

    /** {@code ctx.waitUntil(null)}: accepted as a settled task on Java (WU-13), as {@code undefined} on JS (WU-1). */
    record WaitUntilNull(int invocation) implements Step { }

    /** Await a timer of {@code ms}. */
    record Sleep(long ms, int invocation) implements Step { }

    /**
     * Await something that never settles, with nothing left that could settle it: the handler stage can never end
     * unless the runtime ends it (hang detection, ERR-3).
     */
    record Hang(int invocation) implements Step { }

    /**
     * Read the request body: {@code full} to its end; {@code partial} exactly {@code bytes} (all of it, if shorter), in
     * as many reads as its chunks need, so that what is left for fail-open does not depend on the transport (PT-7).
     */
    record ReadBody(Mode mode, int bytes, int invocation) implements Step {
        public enum Mode { PARTIAL, FULL }
    }

    /** Throw an error with {@code message}; {@code async}: as a rejection after an {@code await}. */
    record Throw(String message, boolean async, int invocation) implements Step { }

    /** {@code ctx.abort(reason)}; {@code reason == null}: no argument. */
    record Abort(String reason, int invocation) implements Step { }

    /** Send a beacon {@code tag} now, carrying the probe's report so far, and await it. */
    record Beacon(String tag, int invocation) implements Step { }

    /** A plain timer (not a task) that sends beacon {@code tag} after {@code ms} (LIM-7). */
    record SetTimeout(long ms, String tag, int invocation) implements Step { }

    /** Log a line at a level (info, warn, error). */
    record Log(String level, String message, int invocation) implements Step { }

    /** Keep this invocation's ctx in the probe's module-level state. */
    record SaveCtx(int invocation) implements Step { }

    /** Call {@code waitUntil} on the ctx kept by {@link SaveCtx}; the report says what happened (CTX-6, CTX-7). */
    record UseSavedCtx(int invocation) implements Step { }

    /** Settle the {@link TaskSpec.Outcome#HELD} tasks of earlier invocations (LIM-9, WU-4). */
    record ReleaseHeld(int invocation) implements Step { }

    /**
     * End the handler with a response. {@code body}: {@code report} (the probe's JSON report), {@code text}
     * ({@code text}), or {@code stream}: {@code chunks} chunks of {@code text}, {@code chunkDelayMs} apart, erroring
     * after chunk {@code errorAfter} (0: no error), registering {@code taskWhileStreaming} after the first chunk.
     */
    record Respond(int status, String body, String text, int chunks, long chunkDelayMs, int errorAfter,
                   TaskSpec taskWhileStreaming, int invocation) implements Step {
        public Respond {
            if (!body.equals("report") && !body.equals("text") && !body.equals("stream") && !body.equals("none")) {
                throw new IllegalArgumentException("respond.body must be report, text, stream or none: " + body);
            }
        }

        public static Respond report() {
            return new Respond(200, "report", null, 0, 0, 0, null, 0);
        }

        public static Respond text(int status, String text) {
            return new Respond(status, "text", text, 0, 0, 0, null, 0);
        }

        public static Respond none(int status) {
            return new Respond(status, "none", null, 0, 0, 0, null, 0);
        }

        public static Respond stream(String chunk, int chunks, long chunkDelayMs, int errorAfter, TaskSpec taskWhileStreaming) {
            return new Respond(200, "stream", chunk, chunks, chunkDelayMs, errorAfter, taskWhileStreaming, 0);
        }
    }
}
