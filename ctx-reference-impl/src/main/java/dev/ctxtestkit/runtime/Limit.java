package dev.ctxtestkit.runtime;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long tasks may run after invocation end (LIM-4): 30 seconds by default, any positive duration, or
 * {@link #unlimited()}, which reproduces standalone workerd (LIM-3).
 */
public final class Limit {
    private static final Limit UNLIMITED = new Limit(null);
    /** The default of the {@code reference} profile (LIM-2, LIM-4). */
    public static final Limit DEFAULT = new Limit(Duration.ofSeconds(30));

    private final Duration duration;

    private Limit(Duration duration) {
        this.duration = duration;
    }

    /** The longest finite limit: beyond it, use {@link #unlimited()}. */
    public static final Duration MAX = Duration.ofDays(365);

    /**
     * @throws IllegalArgumentException unless {@code 0 < duration <= 365 days}
     */
    public static Limit of(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("limit must be positive, got " + duration + " (use Limit.unlimited() for none)");
        }
        if (duration.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("limit must be at most " + MAX + ", got " + duration + " (use Limit.unlimited() for none)");
        }
        return new Limit(duration);
    }

    public static Limit unlimited() {
        return UNLIMITED;
    }

    /**
     * Parses {@code unlimited}, a number of milliseconds such as {@code 30000}, or an ISO-8601 duration such as
     * {@code PT30S}.
     */
    public static Limit parse(String text) {
        String t = Objects.requireNonNull(text, "text").trim();
        if (t.equalsIgnoreCase("unlimited")) {
            return UNLIMITED;
        }
        try {
            return !t.isEmpty() && t.chars().allMatch(c -> c >= '0' && c <= '9')
                    ? of(Duration.ofMillis(Long.parseLong(t)))
                    : of(Duration.parse(t));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a limit: '" + text + "' (expected 'unlimited', milliseconds, or an ISO-8601 duration like PT30S)", e);
        }
    }

    /** The duration, or empty when unlimited. */
    public Optional<Duration> duration() {
        return Optional.ofNullable(duration);
    }

    public boolean isUnlimited() {
        return duration == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit l && Objects.equals(l.duration, duration);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(duration);
    }

    @Override
    public String toString() {
        return duration == null ? "unlimited" : duration.toString();
    }
}
