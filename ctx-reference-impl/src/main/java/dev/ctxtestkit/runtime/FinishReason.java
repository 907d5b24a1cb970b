package dev.ctxtestkit.runtime;

/** Why the drain ended. */
public enum FinishReason {
    /** Every task settled (WU-11). */
    DRAINED,
    /** The limit hit and pending tasks were cancelled (LIM-5, LIM-9). */
    LIMIT,
    /** {@code ctx.abort()} ended the drain (ABT-2). */
    ABORTED,
    /** The server shut down and its grace period ran out before the tasks settled; they were cancelled. */
    SHUTDOWN
}
