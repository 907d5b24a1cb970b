package dev.ctxtestkit.runtime;

import java.util.Objects;

/**
 * An uncaught exception of an invocation (ERR-4, ERR-5), with its source label.
 *
 * @param source    {@value #IN_RESPONSE} or {@value #ASYNC}
 * @param name      the exception's class name
 * @param message   its message, never {@code null} (empty when it had none)
 * @param throwable the exception itself
 */
public record LoggedException(String source, String name, String message, Throwable throwable) {
    /** The label of an exception that escaped the handler stage (ERR-4). */
    public static final String IN_RESPONSE = "Uncaught (in response)";
    /** The label of a rejected task (WU-9, ERR-4). */
    public static final String ASYNC = "Uncaught (async)";

    public LoggedException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(name, "name");
        message = message == null ? "" : message;
    }

    public static LoggedException of(String source, Throwable t) {
        return new LoggedException(source, t.getClass().getName(), t.getMessage(), t);
    }
}
