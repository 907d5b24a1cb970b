package dev.ctxtestkit.conformance.scenario;

import java.util.List;
import java.util.Objects;

/**
 * One task a scenario registers with {@code waitUntil}. It waits {@code delayMs}, then sends a beacon tagged
 * {@code tag} if {@code beacon} is set, then registers its {@code children} (nested registrations, WU-11), then
 * aborts the invocation if {@code abort} is set, then ends as {@code outcome} says.
 *
 * @param finallyBeacon after the task settles, send a beacon {@code <tag>-finally} from a continuation on the
 *                      invocation's executor (it must never arrive for a cancelled task, LIM-5, LIM-9)
 * @param readBody      read the request body inside the task and report the result in the beacon (BODY-4)
 */
public record TaskSpec(String tag, long delayMs, Outcome outcome, String message, boolean beacon, boolean finallyBeacon,
                       boolean readBody, boolean abort, List<TaskSpec> children) {

    /** How a task ends. */
    public enum Outcome {
        RESOLVE, REJECT,
        /** Never settles. */
        NEVER,
        /** Settles only when a later invocation of the same worker releases it ({@link Step.ReleaseHeld}). */
        HELD
    }

    public TaskSpec {
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(outcome, "outcome");
        if (delayMs < 0) {
            throw new IllegalArgumentException("task '" + tag + "': delayMs must not be negative: " + delayMs);
        }
        message = message == null ? tag : message;
        children = children == null ? List.of() : List.copyOf(children);
    }

    /** A task that resolves after {@code delayMs} with a beacon. */
    public static TaskSpec resolving(String tag, long delayMs) {
        return new TaskSpec(tag, delayMs, Outcome.RESOLVE, null, true, false, false, false, List.of());
    }

    /** A task that rejects after {@code delayMs} with an error whose message is {@code message}, with a beacon. */
    public static TaskSpec rejecting(String tag, long delayMs, String message) {
        return new TaskSpec(tag, delayMs, Outcome.REJECT, message, true, false, false, false, List.of());
    }

    /** A task that sends a beacon after {@code delayMs} and then never settles. */
    public static TaskSpec never(String tag, long delayMs) {
        return new TaskSpec(tag, delayMs, Outcome.NEVER, null, true, false, false, false, List.of());
    }

    public TaskSpec withOutcome(Outcome newOutcome) {
        return new TaskSpec(tag, delayMs, newOutcome, message, beacon, finallyBeacon, readBody, abort, children);
    }

    public TaskSpec withBeacon(boolean send) {
        return new TaskSpec(tag, delayMs, outcome, message, send, finallyBeacon, readBody, abort, children);
    }

    public TaskSpec withFinallyBeacon() {
        return new TaskSpec(tag, delayMs, outcome, message, beacon, true, readBody, abort, children);
    }

    public TaskSpec withReadBody() {
        return new TaskSpec(tag, delayMs, outcome, message, beacon, finallyBeacon, true, abort, children);
    }

    public TaskSpec withAbort() {
        return new TaskSpec(tag, delayMs, outcome, message, beacon, finallyBeacon, readBody, true, children);
    }

    public TaskSpec withChildren(TaskSpec... nested) {
        return new TaskSpec(tag, delayMs, outcome, message, beacon, finallyBeacon, readBody, abort, List.of(nested));
    }

    public TaskSpec withDelay(long newDelayMs) {
        return new TaskSpec(tag, newDelayMs, outcome, message, beacon, finallyBeacon, readBody, abort, children);
    }
}
