package dev.ctxtestkit.runtime;

/** The kind of event an invocation delivered (EVT-5). */
public enum EventKind {
    FETCH, SCHEDULED
}
