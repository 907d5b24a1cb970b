package dev.ctxtestkit.runtime;

/**
 * Thrown by {@link Context#abort(Object)} so that no code after the call runs (ABT-1). The invocation is already
 * aborted when this is thrown: catching it does not undo the abort.
 */
public final class InvocationAbortedException extends RuntimeException {
    /** The message used when {@code abort()} is called without a reason (ABT-1). */
    public static final String DEFAULT_MESSAGE = "Worker execution was aborted due to call to ctx.abort().";

    private final transient Object reason;

    public InvocationAbortedException(Object reason) {
        super(messageFor(reason), reason instanceof Throwable t ? t : null);
        this.reason = reason;
    }

    /** The value passed to {@code abort}, or {@code null} when none was given. */
    public Object reason() {
        return reason;
    }

    private static String messageFor(Object reason) {
        if (reason == null) {
            return DEFAULT_MESSAGE;
        }
        if (reason instanceof Throwable t) {
            return t.getMessage() == null ? t.getClass().getName() : t.getMessage();
        }
        return String.valueOf(reason);
    }
}
