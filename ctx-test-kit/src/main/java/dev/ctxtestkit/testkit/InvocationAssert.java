package dev.ctxtestkit.testkit;

import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.FailOpenRecord;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;

/**
 * Fluent assertions on a finished invocation. Every failure shows the invocation's timeline: virtual timestamps,
 * tasks with their results, logs, the fail-open decision and the response.
 */
public final class InvocationAssert extends AbstractAssert<InvocationAssert, InvocationResult> {

    InvocationAssert(InvocationResult actual) {
        super(actual, InvocationAssert.class);
    }

    private InvocationRecord record() {
        isNotNull();
        return actual.record();
    }

    private ClientResponse response() {
        isNotNull();
        if (actual.clientResponse().isEmpty()) {
            fail("Expecting a response, but " + actual.record().label() + " is a scheduled event");
        }
        return actual.response();
    }

    private void fail(String expectation) {
        failWithMessage("%s%n%s", expectation, actual.timeline());
    }

    /** The client got {@code status}. */
    public InvocationAssert respondedWith(int status) {
        if (response().status() != status) {
            fail("Expecting the response status to be " + status + " but was " + response().status());
        }
        return this;
    }

    /** The client got this UTF-8 body. */
    public InvocationAssert hasBody(String body) {
        if (!response().bodyText().equals(body)) {
            fail("Expecting the response body to be '" + body + "' but was '" + response().bodyText() + "'");
        }
        return this;
    }

    /** The response has a header with exactly this (joined) value. */
    public InvocationAssert hasHeader(String name, String value) {
        String actualValue = response().headers().get(name);
        if (!value.equals(actualValue)) {
            fail("Expecting the response header " + name + " to be '" + value + "' but was " + (actualValue == null ? "absent" : "'" + actualValue + "'"));
        }
        return this;
    }

    /** The response was complete before any task settled (WU-5): tasks did not hold it back. */
    public InvocationAssert respondedBeforeTasksSettled() {
        ClientResponse r = response();
        for (TaskRecord task : record().tasks()) {
            if (!task.suspicious() && task.settledAt() != null && task.settledAt().isBefore(r.completedAt())) {
                fail("Expecting the response before any task settled, but task#" + task.index() + " settled at "
                        + relative(task.settledAt()) + " and the response completed at " + relative(r.completedAt()));
            }
        }
        return this;
    }

    /** Every task resolved (none rejected, none cancelled). */
    public InvocationAssert completedAllTasks() {
        List<TaskRecord> notResolved = record().tasks().stream().filter(t -> t.result() != TaskResult.RESOLVED).toList();
        if (!notResolved.isEmpty()) {
            fail("Expecting every task to have resolved, but " + notResolved.size() + " did not: "
                    + notResolved.stream().map(t -> "task#" + t.index() + " " + t.result()).toList());
        }
        return this;
    }

    /** Exactly {@code count} tasks were registered. */
    public InvocationAssert hasTaskCount(int count) {
        if (record().tasks().size() != count) {
            fail("Expecting " + count + " task(s) but " + record().tasks().size() + " were registered");
        }
        return this;
    }

    /** Some task rejected with exactly this message. */
    public InvocationAssert hasRejectedTaskWithMessage(String message) {
        boolean found = record().tasksWith(TaskResult.REJECTED).stream()
                .anyMatch(t -> t.failureCause().map(f -> message.equals(f.getMessage())).orElse(false));
        if (!found) {
            fail("Expecting a rejected task with message '" + message + "'");
        }
        return this;
    }

    /** The limit hit and cancelled the pending tasks (LIM-5); optionally at exactly {@code after} past invocation end. */
    public InvocationAssert cancelledAtLimit() {
        if (record().finishReason() != FinishReason.LIMIT || record().tasksWith(TaskResult.CANCELLED).isEmpty()) {
            fail("Expecting tasks cancelled at the limit, but the drain ended " + record().finishReason()
                    + " with " + record().tasksWith(TaskResult.CANCELLED).size() + " cancelled task(s)");
        }
        return this;
    }

    /** The limit hit exactly {@code afterInvocationEnd} after invocation end (LIM-1, LIM-2). */
    public InvocationAssert cancelledAtLimit(Duration afterInvocationEnd) {
        cancelledAtLimit();
        Duration actualAfter = Duration.between(record().invocationEndAt(), record().finishedAt());
        if (!actualAfter.equals(afterInvocationEnd)) {
            fail("Expecting the limit " + afterInvocationEnd + " after invocation end, but it hit " + actualAfter + " after it");
        }
        return this;
    }

    /** The drain ended because every task settled. */
    public InvocationAssert drained() {
        if (record().finishReason() != FinishReason.DRAINED) {
            fail("Expecting the drain to end with every task settled, but it ended " + record().finishReason());
        }
        return this;
    }

    public InvocationAssert hasOutcome(Outcome outcome) {
        if (record().outcome() != outcome) {
            fail("Expecting outcome " + outcome.wireName() + " but was " + record().outcome().wireName());
        }
        return this;
    }

    /** Fail-open happened and the origin answered (PT-3, PT-6). */
    public InvocationAssert failedOpen() {
        Optional<FailOpenRecord> failOpen = record().failOpen();
        if (failOpen.isEmpty() || !failOpen.get().succeeded()) {
            fail("Expecting the invocation to fail open to the origin, but " + failOpen.map(f -> "the fallback failed: " + f.failure()).orElse("it did not fail open"));
        }
        return this;
    }

    /** Fail-open forwarded exactly {@code bytes} body bytes: the unread remainder (PT-7). */
    public InvocationAssert failedOpenWithBodyOfBytes(long bytes) {
        failedOpen();
        long forwarded = record().failOpen().orElseThrow().forwardedBytes();
        if (forwarded != bytes) {
            fail("Expecting fail-open to forward " + bytes + " body bytes but it forwarded " + forwarded);
        }
        return this;
    }

    /** No fail-open happened. */
    public InvocationAssert didNotFailOpen() {
        if (record().failOpen().isPresent()) {
            fail("Expecting no fail-open, but the request was forwarded: " + record().failOpen().get());
        }
        return this;
    }

    /** A log line at {@code level} contains {@code text}. */
    public InvocationAssert logged(LogLevel level, String text) {
        if (record().logsAt(level).stream().noneMatch(l -> l.message().contains(text))) {
            fail("Expecting a " + level + " log line containing '" + text + "'");
        }
        return this;
    }

    /** A WARN log line contains {@code text}. */
    public InvocationAssert loggedWarn(String text) {
        return logged(LogLevel.WARN, text);
    }

    /** No uncaught exception was recorded. */
    public InvocationAssert hasNoExceptions() {
        if (!record().exceptions().isEmpty()) {
            fail("Expecting no exceptions but got " + record().exceptions().stream().map(e -> e.source() + " " + e.name() + ": " + e.message()).toList());
        }
        return this;
    }

    /** An exception with this label ({@link LoggedException#ASYNC}, {@link LoggedException#IN_RESPONSE}) and message. */
    public InvocationAssert hasException(String source, String message) {
        if (record().exceptions().stream().noneMatch(e -> e.source().equals(source) && e.message().equals(message))) {
            fail("Expecting an exception [" + source + "] '" + message + "'");
        }
        return this;
    }

    private String relative(java.time.Instant at) {
        return "+" + Duration.between(actual.record().startedAt(), at).toMillis() + " ms";
    }
}
