package dev.ctxtestkit.runtime;

import java.util.OptionalInt;

/**
 * What fail-open did (PT-3, PT-12).
 *
 * @param origin         where the request was forwarded, or {@code null} when no origin is configured
 * @param originStatus   the status relayed from the origin, when it answered
 * @param forwardedBytes how many body bytes were forwarded (the unread remainder, PT-7)
 * @param failure        why the fallback failed, or {@code null}
 */
public record FailOpenRecord(String origin, OptionalInt originStatus, long forwardedBytes, String failure) {
    public boolean succeeded() {
        return failure == null;
    }
}
