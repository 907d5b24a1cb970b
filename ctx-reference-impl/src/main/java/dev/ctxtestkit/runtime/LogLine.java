package dev.ctxtestkit.runtime;

import java.time.Instant;
import java.util.Objects;

/** One log line of an invocation (ERR-5): handler {@code console} output and runtime warnings. */
public record LogLine(Instant at, LogLevel level, String message) {
    public LogLine {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
    }
}
