package dev.ctxtestkit.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The record of one finished invocation (ERR-10), the Java analogue of a Tail event: produced only after the drain
 * (LIM-8), and what tests assert on.
 *
 * @param id              the invocation's number within its worker instance, from 1
 * @param event           fetch or scheduled
 * @param label           a short description such as {@code fetch GET http://worker.test/}
 * @param outcome         ERR-6
 * @param status          the response status; empty after fail-open (PT-9) and after any exception (ERR-7)
 * @param exceptions      uncaught exceptions with their source labels (ERR-4, ERR-5)
 * @param logs            log lines with their levels
 * @param tasks           one record per task (WU-9, ERR-10)
 * @param failOpen        what fail-open did, if it happened
 * @param startedAt       when the handler was called
 * @param invocationEndAt when the handler stage ended (LIM-1)
 * @param finishedAt      when the drain ended
 * @param finishReason    why the drain ended
 * @param refusedWork     how many pieces of work scheduled on the invocation's executor were refused after it
 *                        finished (LIM-9)
 */
public record InvocationRecord(long id, EventKind event, String label, Outcome outcome, OptionalInt status,
                               List<LoggedException> exceptions, List<LogLine> logs, List<TaskRecord> tasks,
                               Optional<FailOpenRecord> failOpen, Instant startedAt, Instant invocationEndAt,
                               Instant finishedAt, FinishReason finishReason, int refusedWork) {

    public InvocationRecord {
        exceptions = List.copyOf(exceptions);
        logs = List.copyOf(logs);
        tasks = List.copyOf(tasks);
    }

    public List<TaskRecord> tasksWith(TaskResult result) {
        return tasks.stream().filter(t -> t.result() == result).toList();
    }

    public List<LogLine> logsAt(LogLevel level) {
        return logs.stream().filter(l -> l.level() == level).toList();
    }

    /**
     * A readable timeline: times relative to {@link #startedAt()}, tasks with their results, exceptions, logs and
     * the fail-open decision. Used in failure messages.
     */
    public String timeline() {
        record Entry(Instant at, int order, String text) { }
        List<Entry> entries = new ArrayList<>();
        int n = 0;
        entries.add(new Entry(startedAt, n++, "handler called (" + label + ")"));
        if (invocationEndAt != null) {
            entries.add(new Entry(invocationEndAt, n++, "invocation end (LIM-1)" + status.stream().mapToObj(s -> ", status " + s).findFirst().orElse("")));
        }
        for (TaskRecord t : tasks) {
            entries.add(new Entry(t.registeredAt(), n++, "task#" + t.index() + " registered during " + t.registeredDuring()
                    + (t.suspicious() ? " (waitUntil(null), suspicious: WU-13)" : "") + " at " + t.registeredAtSite()));
            if (t.result() == null) {
                entries.add(new Entry(finishedAt != null ? finishedAt : t.registeredAt(), n++, "task#" + t.index() + " still pending"));
                continue;
            }
            String how = switch (t.result()) {
                case RESOLVED -> "resolved";
                case REJECTED -> "rejected: " + t.failureCause().map(Throwable::toString).orElse("?");
                case CANCELLED -> "cancelled";
            };
            Instant settled = t.settledAt() != null ? t.settledAt() : t.registeredAt();
            entries.add(new Entry(settled, n++, "task#" + t.index() + " " + how + (t.settledAt() == null ? " (no settle time recorded)" : "")));
        }
        for (LogLine l : logs) {
            entries.add(new Entry(l.at(), n++, l.level() + " " + l.message()));
        }
        failOpen.ifPresent(f -> entries.add(new Entry(invocationEndAt != null ? invocationEndAt : startedAt, Integer.MAX_VALUE - 1, "fail-open to "
                + (f.origin() == null ? "(no origin configured)" : f.origin()) + ": forwarded " + f.forwardedBytes() + " body bytes, "
                + (f.succeeded() ? "origin answered " + f.originStatus().orElse(-1) : "failed: " + f.failure()))));
        if (finishedAt != null) {
            entries.add(new Entry(finishedAt, Integer.MAX_VALUE, "finished: " + finishReason + ", outcome " + outcome.wireName()));
        }
        entries.sort(Comparator.comparing(Entry::at).thenComparingInt(Entry::order));
        StringBuilder out = new StringBuilder("invocation #" + id + " timeline:\n");
        for (Entry e : entries) {
            out.append(String.format("  %+7d ms  %s%n", Duration.between(startedAt, e.at()).toMillis(), e.text()));
        }
        for (LoggedException e : exceptions) {
            out.append("  exception [").append(e.source()).append("] ").append(e.name()).append(": ").append(e.message()).append('\n');
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return timeline();
    }
}
