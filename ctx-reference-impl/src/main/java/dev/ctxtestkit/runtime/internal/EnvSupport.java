package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.LogLevel;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/** What every {@link Env} implementation shares: binding lookup with clear errors, and a console over a log sink. */
public final class EnvSupport {
    private EnvSupport() {
    }

    /**
     * @throws IllegalArgumentException naming the bindings there are, or both types
     */
    public static <T> T binding(Map<String, Object> bindings, String name, Class<T> type) {
        Object value = bindings.get(Objects.requireNonNull(name, "name"));
        if (value == null) {
            throw new IllegalArgumentException("no binding named '" + name + "'; bindings: " + new TreeSet<>(bindings.keySet()));
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("binding '" + name + "' is a " + value.getClass().getName() + ", not a " + type.getName());
        }
        return type.cast(value);
    }

    /** {@code console.*} writing to {@code sink}: log at INFO, warn, error, debug. */
    public static Env.Console console(BiConsumer<LogLevel, String> sink) {
        return new Env.Console() {
            @Override
            public void log(String message) {
                sink.accept(LogLevel.INFO, message);
            }

            @Override
            public void warn(String message) {
                sink.accept(LogLevel.WARN, message);
            }

            @Override
            public void error(String message) {
                sink.accept(LogLevel.ERROR, message);
            }

            @Override
            public void debug(String message) {
                sink.accept(LogLevel.DEBUG, message);
            }
        };
    }
}
