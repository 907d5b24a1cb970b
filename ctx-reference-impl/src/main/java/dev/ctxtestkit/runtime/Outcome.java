package dev.ctxtestkit.runtime;

/** The outcome of an invocation (ERR-6), derived from how it ended, never from the HTTP status (ERR-7). */
public enum Outcome {
    /** Success; a task rejection keeps a fetch invocation {@code ok} (WU-9). */
    OK("ok"),
    /** An exception escaped the handler stage, including fail-open (PT-9) and abort (ABT-5). */
    EXCEPTION("exception"),
    /** The client went away before the response, or a scheduled event hit the limit (EVT-1). */
    CANCELED("canceled");

    private final String wireName;

    Outcome(String wireName) {
        this.wireName = wireName;
    }

    /** The Tail-event spelling: {@code ok}, {@code exception}, {@code canceled}. */
    public String wireName() {
        return wireName;
    }
}
