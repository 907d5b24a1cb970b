package dev.ctxtestkit.conformance.rules;

import static dev.ctxtestkit.conformance.rules.Expect.beacon;
import static dev.ctxtestkit.conformance.rules.Expect.first;
import static dev.ctxtestkit.conformance.rules.Expect.noBeacon;
import static dev.ctxtestkit.conformance.rules.Expect.nth;
import static dev.ctxtestkit.conformance.rules.Expect.record;
import static dev.ctxtestkit.conformance.rules.Expect.that;
import static dev.ctxtestkit.conformance.rules.RuleBuilder.rule;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LogLine;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import java.time.Duration;
import java.util.List;

/** Section 8: the post-response limit. */
final class LimitRules {
    private LimitRules() {
    }

    /** The text of LIM-6 up to "have been cancelled.", which checks against any runtime match (LIM-6 notes). */
    static final String LIMIT_WARNING_PREFIX =
            "waitUntil() tasks did not complete within the allowed time after invocation end and have been cancelled.";

    static List<Rule> rules() {
        return List.of(
                rule("LIM-1", "Invocation end starts the drain and its timer").inProcess().all()
                        .hint("invocation end is when the last body byte of a streamed response was written, or when the handler threw; start the one limit timer there")
                        .check("a streamed body: invocation end is when its last chunk was written, and the limit counts from there",
                                Scenario.named("lim-1-stream").waitUntil(TaskSpec.never("pending", 0).withBeacon(false))
                                        .respond(Step.Respond.stream("part", 3, 50, 0, null)).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    InvocationRecord r = record(o);
                                    long end = sinceStart(r, r.invocationEndAt());
                                    that(end == o.response().completedAtMs(), "expected invocation end when the body ended (+%d ms), got +%d ms",
                                            o.response().completedAtMs(), end);
                                    that(end >= 100, "expected invocation end after the three chunks 50 ms apart (>= +100 ms), got +%d ms", end);
                                    expectCancelledAt(r, Duration.ofSeconds(30));
                                })
                        .check("a handler exception: invocation end is the throw",
                                Scenario.named("lim-1-throw").waitUntil(TaskSpec.never("pending", 0).withBeacon(false)).sleep(50).throwError("lim1").build(),
                                (obs, t) -> {
                                    InvocationRecord r = record(first(obs));
                                    that(sinceStart(r, r.invocationEndAt()) == 50, "expected invocation end at the throw (+50 ms), got +%d ms", sinceStart(r, r.invocationEndAt()));
                                    expectCancelledAt(r, Duration.ofSeconds(30));
                                })
                        .build(),
                rule("LIM-2", "30 seconds after invocation end").http().all().profiles(Profile.PRODUCTION, Profile.REFERENCE)
                        .hint("one limit timer per invocation, 30 s after invocation end, shared by all tasks, also those registered later")
                        .check("tasks registered at +0 s and +10 s are both cancelled at +30 s; a 35 s task never reports",
                                Scenario.named("lim-2")
                                        .waitUntil(TaskSpec.never("early", 0).withBeacon(false))
                                        .waitUntil(TaskSpec.resolving("spawner", 10_000).withBeacon(false).withChildren(TaskSpec.never("late-registered", 0).withBeacon(false)))
                                        .waitUntil(TaskSpec.resolving("too-late", 35_000)).build(),
                                (obs, t) -> {
                                    noBeacon(obs, "too-late");
                                    if (t.has(ConformanceTarget.Capability.INVOCATION_RECORD)) {
                                        expectCancelledAt(record(first(obs)), Duration.ofSeconds(30));
                                    }
                                })
                        .build(),
                rule("LIM-3", "No limit in standalone workerd").http().all().profiles(Profile.STANDALONE)
                        .hint("standalone workerd enforces no drain limit; the Java reference reproduces it with Limit.unlimited() (LIM-4)")
                        .check("a task that reports 35 s after the response still reports",
                                Scenario.named("lim-3").waitUntil(TaskSpec.resolving("after-35s", 35_000)).build(),
                                (obs, t) -> beacon(first(obs), "after-35s"))
                        .build(),
                rule("LIM-4", "Reference limit: 30 s by default, configurable, unlimited").inProcess().java().profiles(Profile.REFERENCE)
                        .hint("WorkerInstance.Builder.limit(...) must drive the one limit timer; Limit.unlimited() must start none")
                        .check("the default limit is 30 s", Scenario.named("lim-4-default").waitUntil(TaskSpec.never("pending", 0).withBeacon(false)).build(),
                                (obs, t) -> expectCancelledAt(record(first(obs)), Duration.ofSeconds(30)))
                        .check("a configured limit of 5 s", Scenario.named("lim-4-5s").limit("5000").waitUntil(TaskSpec.never("pending", 0).withBeacon(false)).build(),
                                (obs, t) -> expectCancelledAt(record(first(obs)), Duration.ofSeconds(5)))
                        .check("unlimited: a 45 s task completes, nothing is cancelled, no warning",
                                Scenario.named("lim-4-unlimited").limit("unlimited").waitUntil(TaskSpec.resolving("after-45s", 45_000)).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    that(beacon(o, "after-45s").atMs() == 45_000, "expected the beacon at +45000 ms, got +%d ms", beacon(o, "after-45s").atMs());
                                    InvocationRecord r = record(o);
                                    that(r.finishReason() == FinishReason.DRAINED, "expected the drain to end DRAINED, got %s", r.finishReason());
                                    that(r.logsAt(LogLevel.WARN).isEmpty(), "expected no WARN line, got %s", r.logsAt(LogLevel.WARN));
                                })
                        .build(),
                rule("LIM-5", "At the limit, tasks are cancelled, not rejected").http().all().profiles(Profile.PRODUCTION, Profile.REFERENCE)
                        .hint("at the limit, drop the tasks: never complete them, so no continuation (then, finally) of theirs runs")
                        .check("a 40 s task: neither its beacon nor its finally-beacon arrives",
                                Scenario.named("lim-5").waitUntil(TaskSpec.resolving("late", 40_000).withFinallyBeacon()).build(),
                                (obs, t) -> {
                                    noBeacon(obs, "late");
                                    noBeacon(obs, "late-finally");
                                    if (t.has(ConformanceTarget.Capability.INVOCATION_RECORD)) {
                                        InvocationRecord r = record(first(obs));
                                        TaskRecord task = Expect.task(r, 0);
                                        that(task.result() == TaskResult.CANCELLED, "expected the task CANCELLED, got %s", task.result());
                                        that(r.exceptions().isEmpty(), "a cancelled task must not be recorded as an exception, got %s", r.exceptions());
                                    }
                                })
                        .build(),
                rule("LIM-6", "One WARN line at the limit").inProcess().all().profiles(Profile.PRODUCTION, Profile.REFERENCE)
                        .hint("log exactly one WARN with the current text when the limit cancels tasks, and none otherwise")
                        .check("tasks cancelled at the limit: exactly one WARN with the current text",
                                Scenario.named("lim-6").waitUntil(TaskSpec.never("a", 0).withBeacon(false)).waitUntil(TaskSpec.never("b", 0).withBeacon(false)).build(),
                                (obs, t) -> {
                                    List<LogLine> warnings = record(first(obs)).logsAt(LogLevel.WARN);
                                    that(warnings.size() == 1, "expected exactly one WARN line, got %d: %s", warnings.size(), warnings);
                                    that(warnings.get(0).message().startsWith(LIMIT_WARNING_PREFIX), "expected the WARN text to start with '%s', got '%s'",
                                            LIMIT_WARNING_PREFIX, warnings.get(0).message());
                                })
                        .check("no task cancelled: no WARN", Scenario.named("lim-6-none").waitUntil(TaskSpec.resolving("quick", 10)).build(),
                                (obs, t) -> that(record(first(obs)).logsAt(LogLevel.WARN).isEmpty(), "expected no WARN line, got %s", record(first(obs)).logsAt(LogLevel.WARN)))
                        .build(),
                rule("LIM-7", "Only tasks keep a stateless invocation alive").http().all()
                        .hint("when the invocation finishes, cancel its timers and other non-task work")
                        .check("a 100 ms timer with no task pending never fires",
                                Scenario.named("lim-7-orphan").step(new Step.SetTimeout(100, "orphan-timer", 0)).build(),
                                (obs, t) -> noBeacon(obs, "orphan-timer"))
                        .check("the same timer fires while a 300 ms task is pending",
                                Scenario.named("lim-7-kept").step(new Step.SetTimeout(100, "kept-timer", 0)).waitUntil(TaskSpec.resolving("keeper", 300)).build(),
                                (obs, t) -> beacon(first(obs), "kept-timer"))
                        .build(),
                rule("LIM-8", "The Tail event comes after the drain").inProcess().all()
                        .hint("build the invocation record only when the drain has ended, so it includes what tasks did")
                        .check("a task that rejects 100 ms after the response is in the record; the outcome stays ok",
                                Scenario.named("lim-8").waitUntil(TaskSpec.rejecting("late-failure", 100, "lim8-late")).build(),
                                (obs, t) -> {
                                    InvocationRecord r = record(first(obs));
                                    that(r.tasks().stream().allMatch(task -> task.result() != null), "expected every task settled in the record, got %s", r.tasks());
                                    that(r.exceptions().stream().anyMatch(e -> e.message().equals("lim8-late")), "expected the task's exception in the record, got %s", r.exceptions());
                                    that(sinceStart(r, r.finishedAt()) >= 100, "expected the record to be finished after the drain (>= +100 ms), got +%d ms", sinceStart(r, r.finishedAt()));
                                    that(r.outcome() == dev.ctxtestkit.runtime.Outcome.OK, "expected outcome ok, got %s", r.outcome().wireName());
                                })
                        .build(),
                rule("LIM-9", "How the Java reference cancels at the limit").inProcess().java().profiles(Profile.REFERENCE)
                        .hint("at the limit: mark pending tasks cancelled, refuse the invocation's executor, log one WARN")
                        .check("a task held past the limit and released by a later invocation: its executor continuation never runs",
                                Scenario.named("lim-9").invocations(2)
                                        .step(new Step.WaitUntil(new TaskSpec("held", 0, TaskSpec.Outcome.HELD, null, false, true, false, false, List.of()), 1))
                                        .step(new Step.ReleaseHeld(2)).build(),
                                (obs, t) -> {
                                    that(Long.valueOf(1).equals(nth(obs, 2).report().get("released")), "expected invocation 2 to release one held task, it released %s", nth(obs, 2).report().get("released"));
                                    noBeacon(obs, "held-finally");
                                    InvocationRecord r = record(nth(obs, 1));
                                    that(Expect.task(r, 0).result() == TaskResult.CANCELLED, "expected the held task CANCELLED, got %s", Expect.task(r, 0).result());
                                    that(r.logsAt(LogLevel.WARN).size() == 1, "expected exactly one WARN, got %s", r.logsAt(LogLevel.WARN));
                                })
                        .build());
    }

    static long sinceStart(InvocationRecord r, java.time.Instant at) {
        return Duration.between(r.startedAt(), at).toMillis();
    }

    /** Every pending task was cancelled exactly {@code limit} after invocation end, and the drain ended there. */
    static void expectCancelledAt(InvocationRecord r, Duration limit) {
        List<TaskRecord> cancelled = r.tasksWith(TaskResult.CANCELLED);
        that(!cancelled.isEmpty(), "expected tasks cancelled at the limit, got %s", r.tasks().stream().map(TaskRecord::result).toList());
        that(r.finishReason() == FinishReason.LIMIT, "expected the drain to end at the LIMIT, got %s", r.finishReason());
        for (TaskRecord task : cancelled) {
            long after = Duration.between(r.invocationEndAt(), task.settledAt()).toMillis();
            that(after == limit.toMillis(), "expected task#%d cancelled %d ms after invocation end, got %d ms", task.index(), limit.toMillis(), after);
        }
    }
}
