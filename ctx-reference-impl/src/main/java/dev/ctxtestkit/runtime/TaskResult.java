package dev.ctxtestkit.runtime;

/** How a task ended (ERR-10). Every task ends exactly once. */
public enum TaskResult {
    RESOLVED, REJECTED,
    /** Stopped at the limit or by an abort, without being completed (LIM-5, LIM-9, ABT-2). */
    CANCELLED
}
