package dev.ctxtestkit.runtime;

/** Why the drain ended. */
public enum FinishReason {
    /** Every task settled (WU-11). */
    DRAINED,
    /** The limit hit and pending tasks were cancelled (LIM-5, LIM-9). */
    LIMIT,
    /** {@code ctx.abort()} ended the drain (ABT-2). */
    ABORTED
}
