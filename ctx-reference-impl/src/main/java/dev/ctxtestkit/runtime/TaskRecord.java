package dev.ctxtestkit.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One task of an invocation (ERR-10).
 *
 * @param index            0-based registration order within the invocation
 * @param registeredAt     when {@code waitUntil} was called, on the worker's clock
 * @param registeredDuring {@code handler} or {@code drain}
 * @param settledAt        when the task resolved, rejected or was cancelled
 * @param result           how it ended
 * @param failure          the rejection, for {@link TaskResult#REJECTED}
 * @param suspicious       registered with {@code waitUntil(null)} (WU-13)
 * @param registrationSite where {@code waitUntil} was called, innermost frame first (for diagnostics)
 */
public record TaskRecord(int index, Instant registeredAt, String registeredDuring, Instant settledAt, TaskResult result,
                         Throwable failure, boolean suspicious, List<StackTraceElement> registrationSite) {

    public TaskRecord {
        registrationSite = List.copyOf(registrationSite);
    }

    public Optional<Throwable> failureCause() {
        return Optional.ofNullable(failure);
    }

    /** The first stack frame outside the runtime, as {@code Class.method(File:line)}, or {@code "unknown"}. */
    public String registeredAtSite() {
        return registrationSite.isEmpty() ? "unknown" : registrationSite.get(0).toString();
    }
}
