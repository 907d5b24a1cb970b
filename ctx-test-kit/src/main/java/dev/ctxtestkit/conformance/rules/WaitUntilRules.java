package dev.ctxtestkit.conformance.rules;

import static dev.ctxtestkit.conformance.rules.Expect.beacon;
import static dev.ctxtestkit.conformance.rules.Expect.fallbacks;
import static dev.ctxtestkit.conformance.rules.Expect.first;
import static dev.ctxtestkit.conformance.rules.Expect.record;
import static dev.ctxtestkit.conformance.rules.Expect.status;
import static dev.ctxtestkit.conformance.rules.Expect.that;
import static dev.ctxtestkit.conformance.rules.RuleBuilder.rule;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import java.util.List;

/** Section 7: {@code ctx.waitUntil}. */
final class WaitUntilRules {
    private WaitUntilRules() {
    }

    static final int MANY = 10_000;

    static List<Rule> rules() {
        return List.of(
                rule("WU-1", "Any single value is accepted").http().js()
                        .hint("waitUntil(value) must accept a non-promise value as a completed task, without throwing or logging")
                        .check("waitUntil(null), then a task that still completes",
                                Scenario.named("wu-1-null").step(new Step.WaitUntilNull(0)).waitUntil(TaskSpec.resolving("after-null", 10)).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    status(o, 200);
                                    that("accepted".equals(o.report().get("waitUntilNull")), "expected waitUntil(null) to be accepted, the probe saw: %s", o.report().get("waitUntilNull"));
                                    beacon(o, "after-null");
                                })
                        .build(),
                rule("WU-2", "A call without arguments throws").http().js()
                        .notImplemented("a Java call always has its argument").build(),
                rule("WU-3", "Thenables are adopted").http().js()
                        .notImplemented("Java has no thenables; CompletionStage is the only task type").build(),
                rule("WU-4", "No current invocation: an error; no \"already finished\" error").http().js()
                        .notImplemented("the Java reference throws for a stale Context instead (CTX-7)").build(),
                rule("WU-5", "Tasks never delay the response").http().all()
                        .hint("the response must be sent when the handler returns it, not when the tasks are done")
                        .check("a 200 ms task does not delay the response",
                                Scenario.named("wu-5").waitUntil(TaskSpec.resolving("slow", 200)).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    status(o, 200);
                                    long beaconAt = beacon(o, "slow").atMs();
                                    that(o.response().completedAtMs() + 100 <= beaconAt,
                                            "the response completed at +%d ms, not before the 200 ms task's beacon at +%d ms",
                                            o.response().completedAtMs(), beaconAt);
                                })
                        .build(),
                rule("WU-6", "A rejected task does not change the response").http().all()
                        .hint("a task's rejection must be recorded and nothing else: no error response, no fail-open")
                        .check("a task that rejects before the response, with pass-through set",
                                Scenario.named("wu-6").passThrough()
                                        .waitUntil(TaskSpec.rejecting("early", 0, "wu6-rejected").withBeacon(false))
                                        .sleep(10).respond(Step.Respond.text(200, "handler-ok")).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    status(o, 200);
                                    that(o.response().bodyText().equals("handler-ok"), "expected the handler's body 'handler-ok', got '%s'", o.response().bodyText());
                                    fallbacks(o, 0);
                                })
                        .build(),
                rule("WU-7", "A rejected task does not affect other tasks").http().all()
                        .hint("task settlement must be handled one task at a time (like Promise.allSettled), never fail-fast")
                        .check("three tasks, the middle one rejects first; the others still complete",
                                Scenario.named("wu-7")
                                        .waitUntil(TaskSpec.resolving("before", 100))
                                        .waitUntil(TaskSpec.rejecting("middle", 50, "wu7-rejected"))
                                        .waitUntil(TaskSpec.resolving("after", 150)).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    status(o, 200);
                                    beacon(o, "before");
                                    beacon(o, "after");
                                    if (t.has(ConformanceTarget.Capability.INVOCATION_RECORD)) {
                                        List<TaskResult> results = record(o).tasks().stream().map(TaskRecord::result).toList();
                                        that(results.equals(List.of(TaskResult.RESOLVED, TaskResult.REJECTED, TaskResult.RESOLVED)),
                                                "expected task results [RESOLVED, REJECTED, RESOLVED], got %s", results);
                                    }
                                })
                        .build(),
                rule("WU-8", "A rejected task does not fire unhandledrejection").http().js()
                        .notImplemented("Java has no unhandledrejection event").build(),
                rule("WU-9", "A rejection is recorded as Uncaught (async); outcome stays ok").inProcess().all()
                        .hint("record task failures with the label 'Uncaught (async)' and leave the fetch outcome ok")
                        .check("a rejected task", Scenario.named("wu-9").waitUntil(TaskSpec.rejecting("rejects", 10, "wu9-rejected")).build(),
                                (obs, t) -> {
                                    InvocationRecord r = record(first(obs));
                                    that(r.outcome() == Outcome.OK, "expected outcome ok, got %s", r.outcome().wireName());
                                    that(r.status().orElse(-1) == 200, "expected recorded status 200, got %s", r.status());
                                    that(r.exceptions().stream().anyMatch(e -> e.source().equals(LoggedException.ASYNC) && e.message().equals("wu9-rejected")),
                                            "expected an exception 'wu9-rejected' labelled '%s', got %s", LoggedException.ASYNC, r.exceptions());
                                })
                        .build(),
                rule("WU-10", "No cap on the number of calls").http().all()
                        .hint("the task set must be unbounded: no cap, no silently dropped registrations")
                        .check(MANY + " tasks in one invocation all complete",
                                Scenario.named("wu-10").step(new Step.WaitUntilMany("all-done", MANY, 5, 0)).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    Object completed = beacon(o, "all-done").beaconInfo().get("completed");
                                    that(completed instanceof Number n && n.intValue() == MANY, "expected %d completed tasks, the probe counted %s", MANY, completed);
                                    if (t.has(ConformanceTarget.Capability.INVOCATION_RECORD)) {
                                        InvocationRecord r = record(o);
                                        that(r.tasks().size() == MANY + 1, "expected %d task records, got %d", MANY + 1, r.tasks().size());
                                        that(r.tasksWith(TaskResult.RESOLVED).size() == MANY + 1, "expected every task resolved, got %d resolved",
                                                r.tasksWith(TaskResult.RESOLVED).size());
                                    }
                                })
                        .build(),
                rule("WU-11", "Registration stays open while the invocation is alive").http().all()
                        .hint("the drain must re-check the pending set after every settlement, so nested and late registrations extend it")
                        .check("a task registered inside a task completes after the outer one ended",
                                Scenario.named("wu-11-nested").waitUntil(TaskSpec.resolving("outer", 100)
                                        .withChildren(TaskSpec.resolving("inner", 200))).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    long outer = beacon(o, "outer").atMs();
                                    long inner = beacon(o, "inner").atMs();
                                    that(inner >= outer + 150, "expected the nested task's beacon about 200 ms after the outer one (+%d ms), got +%d ms", outer, inner);
                                    if (t.has(ConformanceTarget.Capability.INVOCATION_RECORD)) {
                                        TaskRecord nested = Expect.task(record(o), 1);
                                        that(nested.registeredDuring().equals("drain") && nested.result() == TaskResult.RESOLVED,
                                                "expected the nested task registered during the drain and resolved, got %s %s", nested.registeredDuring(), nested.result());
                                    }
                                })
                        .check("a task registered while the response body streams completes after the body ended",
                                Scenario.named("wu-11-streaming").respond(Step.Respond.stream("part", 3, 50, 0, TaskSpec.resolving("during-stream", 300))).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    status(o, 200);
                                    that(o.response().bodyText().equals("partpartpart"), "expected body 'partpartpart', got '%s'", o.response().bodyText());
                                    beacon(o, "during-stream");
                                })
                        .build(),
                rule("WU-12", "Tasks survive every end of the handler stage").http().all()
                        .hint("an exception in the handler must not cancel tasks: the drain runs however the handler stage ended")
                        .check("the handler throws and gets the error response; its task still completes",
                                Scenario.named("wu-12-throw").waitUntil(TaskSpec.resolving("survivor", 100)).throwError("wu12-boom").build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    status(o, 500);
                                    beacon(o, "survivor");
                                })
                        .check("the handler throws and fails open; its task still completes",
                                Scenario.named("wu-12-fail-open").passThrough().waitUntil(TaskSpec.resolving("survivor", 100)).throwError("wu12-boom").build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    Expect.relayed(o);
                                    beacon(o, "survivor");
                                })
                        .build(),
                rule("WU-13", "waitUntil(null) is a settled task, flagged as suspicious").inProcess().java()
                        .hint("waitUntil(null) must not throw; record it as a resolved task with suspicious=true")
                        .check("waitUntil(null)", Scenario.named("wu-13").step(new Step.WaitUntilNull(0)).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    status(o, 200);
                                    that("accepted".equals(o.report().get("waitUntilNull")), "expected waitUntil(null) to be accepted, the probe saw: %s", o.report().get("waitUntilNull"));
                                    TaskRecord task = Expect.task(record(o), 0);
                                    that(task.suspicious() && task.result() == TaskResult.RESOLVED,
                                            "expected a resolved task flagged suspicious, got suspicious=%s result=%s", task.suspicious(), task.result());
                                })
                        .build());
    }
}
