package dev.ctxtestkit.conformance.rules;

import static dev.ctxtestkit.conformance.rules.Expect.fallbacks;
import static dev.ctxtestkit.conformance.rules.Expect.first;
import static dev.ctxtestkit.conformance.rules.Expect.record;
import static dev.ctxtestkit.conformance.rules.Expect.that;
import static dev.ctxtestkit.conformance.rules.RuleBuilder.rule;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.RuleCheck;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.TaskResult;
import java.util.List;

/** Section 11: errors, status codes, outcomes, logs. */
final class ErrorRules {
    private ErrorRules() {
    }

    static List<Rule> rules() {
        return List.of(
                rule("ERR-1", "Uncaught handler exception without fail-open").http().all()
                        .hint("standalone and reference: 500, body 'Internal Server Error', Content-Length: 21, Connection: close; nothing forwarded")
                        .check("a synchronous throw on GET", Scenario.named("err-1-sync").throwError("err1").build(),
                                (obs, t) -> {
                                    expectProfileErrorResponse(first(obs), t);
                                    fallbacks(first(obs), 0);
                                })
                        .check("a throw after an await on POST", Scenario.named("err-1-async").request("POST", "/err-1", 100).throwAsync("err1").build(),
                                (obs, t) -> {
                                    expectProfileErrorResponse(first(obs), t);
                                    fallbacks(first(obs), 0);
                                })
                        .build(),
                rule("ERR-2", "Invalid handler results").http().js()
                        .notImplemented("Java's types rule out non-Response results; a null result is handled like ERR-1").build(),
                rule("ERR-3", "Hang detection").http().all()
                        .hint("when the handler stage is pending and nothing is left that could settle it (no timer, no I/O, no loop task), "
                                + "end it with the hang error: the ERR-1 response, or fail-open when the flag is set")
                        .check("the handler awaits something that never settles", Scenario.named("err-3").hang().build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    expectAnswered(o);
                                    expectProfileErrorResponse(o, t);
                                    fallbacks(o, 0);
                                    if (t.has(dev.ctxtestkit.conformance.ConformanceTarget.Capability.INVOCATION_RECORD)) {
                                        InvocationRecord r = record(o);
                                        that(r.outcome() == Outcome.EXCEPTION, "expected outcome exception for a hung handler (ERR-6), got %s", r.outcome().wireName());
                                        that(r.exceptions().stream().anyMatch(e -> e.message().equals(dev.ctxtestkit.runtime.InvocationHungException.MESSAGE)),
                                                "expected the hang error '%s' among the exceptions, got %s", dev.ctxtestkit.runtime.InvocationHungException.MESSAGE, r.exceptions());
                                    }
                                })
                        .check("a task's timer and beacon keep it alive: the hang is detected after them, at about +300 ms",
                                Scenario.named("err-3-task").waitUntil(TaskSpec.resolving("before-hang", 300)).hang().build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    expectAnswered(o);
                                    expectProfileErrorResponse(o, t);
                                    long beaconAt = Expect.beacon(o, "before-hang").atMs();
                                    that(o.response().headersAtMs() >= beaconAt,
                                            "expected the hang to be detected only after the task's beacon (+%d ms): pending I/O is not a hang; the response came at +%d ms",
                                            beaconAt, o.response().headersAtMs());
                                })
                        .check("with pass-through set, a hang fails open", Scenario.named("err-3-pass-through").passThrough().hang().build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    expectAnswered(o);
                                    Expect.relayed(o);
                                    fallbacks(o, 1);
                                })
                        .build(),
                rule("ERR-4", "Exception source labels").inProcess().all()
                        .hint("label handler-stage exceptions 'Uncaught (in response)' and task failures 'Uncaught (async)'")
                        .check("a task rejects, then the handler throws", Scenario.named("err-4")
                                        .waitUntil(TaskSpec.rejecting("task", 0, "err4-task").withBeacon(false)).sleep(10).throwError("err4-handler").build(),
                                (obs, t) -> {
                                    List<String> labels = record(first(obs)).exceptions().stream().map(e -> e.source() + ": " + e.message()).toList();
                                    List<String> expected = List.of(LoggedException.ASYNC + ": err4-task", LoggedException.IN_RESPONSE + ": err4-handler");
                                    that(labels.equals(expected), "expected exceptions %s, got %s", expected, labels);
                                })
                        .build(),
                rule("ERR-5", "Where exceptions and warnings go").inProcess().all()
                        .hint("exceptions go to the record's exception list with name and message; runtime warnings to its logs at WARN")
                        .check("an exception and the limit warning", Scenario.named("err-5")
                                        .waitUntil(TaskSpec.never("pending", 0).withBeacon(false)).waitUntil(TaskSpec.rejecting("t", 0, "err5").withBeacon(false)).build(),
                                (obs, t) -> {
                                    InvocationRecord r = record(first(obs));
                                    that(r.exceptions().size() == 1 && !r.exceptions().get(0).name().isEmpty() && r.exceptions().get(0).message().equals("err5"),
                                            "expected one exception with a name and the message 'err5', got %s", r.exceptions());
                                    that(r.logsAt(LogLevel.WARN).stream().anyMatch(l -> l.message().startsWith(LimitRules.LIMIT_WARNING_PREFIX)),
                                            "expected the limit warning at WARN, got logs %s", r.logs());
                                })
                        .build(),
                rule("ERR-6", "Outcome values").inProcess().all()
                        .hint("ok for success, exception for any exception of the handler stage")
                        .check("success: ok", Scenario.named("err-6-ok").build(),
                                (obs, t) -> expectOutcome(first(obs), Outcome.OK))
                        .check("a handler exception: exception", Scenario.named("err-6-exception").throwError("err6").build(),
                                (obs, t) -> expectOutcome(first(obs), Outcome.EXCEPTION))
                        .build(),
                rule("ERR-7", "The outcome is independent of the HTTP status").inProcess().all()
                        .hint("derive the outcome from how the invocation ended, never from the status")
                        .check("a handler's own 503: ok, 503", Scenario.named("err-7-503").respond(Step.Respond.text(503, "busy")).build(),
                                (obs, t) -> expectOutcomeAndStatus(first(obs), Outcome.OK, 503))
                        .check("a task rejected: ok, 200", Scenario.named("err-7-task").waitUntil(TaskSpec.rejecting("t", 0, "err7").withBeacon(false)).build(),
                                (obs, t) -> expectOutcomeAndStatus(first(obs), Outcome.OK, 200))
                        .check("fail-open relaying a 299: exception, no status", Scenario.named("err-7-fail-open").passThrough().throwError("err7").build(),
                                (obs, t) -> expectOutcomeAndStatus(first(obs), Outcome.EXCEPTION, -1))
                        .check("abort: exception, no status", Scenario.named("err-7-abort").abort(null).build(),
                                (obs, t) -> expectOutcomeAndStatus(first(obs), Outcome.EXCEPTION, -1))
                        .check("a streamed body that errors after a 200: exception, no status",
                                Scenario.named("err-7-stream").respond(Step.Respond.stream("x", 2, 10, 1, null)).build(),
                                (obs, t) -> expectOutcomeAndStatus(first(obs), Outcome.EXCEPTION, -1))
                        .build(),
                rule("ERR-8", "Client disconnect").http().all()
                        .hint("a client that goes away must not take the tasks with it: they continue under the limit")
                        .check("the client disconnects at +50 ms, before the response; a task registered before goes on",
                                Scenario.named("err-8").request(Scenario.RequestSpec.get("/err-8").disconnectingAfter(50))
                                        .waitUntil(TaskSpec.resolving("survivor", 300)).sleep(200).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    Expect.beacon(o, "survivor");
                                    if (t.has(dev.ctxtestkit.conformance.ConformanceTarget.Capability.INVOCATION_RECORD)) {
                                        InvocationRecord r = record(o);
                                        that(r.outcome() == Outcome.CANCELED, "expected outcome canceled for a client that left before the response (ERR-6), got %s",
                                                r.outcome().wireName());
                                        that(r.logsAt(LogLevel.WARN).stream().anyMatch(l -> l.message().contains("client disconnected")),
                                                "expected a WARN line saying the client disconnected, got %s", r.logs());
                                    }
                                })
                        .build(),
                rule("ERR-9", "The Java reference's response to an uncaught exception").http().java().profiles(Profile.REFERENCE)
                        .hint("answer 500 with body 'Internal Server Error' and Connection: close")
                        .check("a synchronous throw", Scenario.named("err-9-sync").throwError("err9").build(), (obs, t) -> Expect.errorResponse(first(obs)))
                        .check("a rejected handler stage", Scenario.named("err-9-async").throwAsync("err9").build(), (obs, t) -> Expect.errorResponse(first(obs)))
                        .build(),
                rule("ERR-10", "The invocation record").inProcess().java()
                        .hint("one record per invocation with outcome, status, labelled exceptions, leveled logs, and one record per task with times and result")
                        .check("resolved, rejected and cancelled tasks, and a log line",
                                Scenario.named("err-10").log("info", "err10-log")
                                        .waitUntil(TaskSpec.resolving("ok", 10).withBeacon(false))
                                        .waitUntil(TaskSpec.rejecting("bad", 20, "err10").withBeacon(false))
                                        .waitUntil(TaskSpec.never("stuck", 0).withBeacon(false)).build(),
                                (obs, t) -> {
                                    InvocationRecord r = record(first(obs));
                                    that(r.outcome() == Outcome.OK && r.status().orElse(-1) == 200, "expected outcome ok and status 200, got %s %s", r.outcome(), r.status());
                                    List<TaskResult> results = r.tasks().stream().map(task -> task.result()).toList();
                                    that(results.equals(List.of(TaskResult.RESOLVED, TaskResult.REJECTED, TaskResult.CANCELLED)),
                                            "expected task results [RESOLVED, REJECTED, CANCELLED], got %s", results);
                                    r.tasks().forEach(task -> that(task.registeredAt() != null && task.settledAt() != null && !task.settledAt().isBefore(task.registeredAt()),
                                            "task#%d must have a registration time and a settle time after it, got %s and %s", task.index(), task.registeredAt(), task.settledAt()));
                                    that(r.logs().stream().anyMatch(l -> l.level() == LogLevel.INFO && l.message().equals("err10-log")), "expected the INFO line 'err10-log', got %s", r.logs());
                                    that(r.exceptions().stream().anyMatch(e -> e.source().equals(LoggedException.ASYNC)), "expected the labelled rejection, got %s", r.exceptions());
                                })
                        .build());
    }

    /** A runtime without hang detection never answers a hung handler: say so rather than report a status of 0. */
    private static void expectAnswered(Observation o) {
        that(o.response().status() != 0 || !o.response().truncated(),
                "no response: the handler stage never settled and the runtime did not end it as hung");
    }

    /** ERR-1 per profile: standalone and reference answer ERR-9's response; production an error page (Q4). */
    static void expectProfileErrorResponse(Observation o, RuleCheck.Target t) {
        if (t.profile() == Profile.PRODUCTION) {
            that(o.response().status() >= 500, "expected an error status, got %d", o.response().status());
        } else {
            Expect.errorResponse(o);
        }
    }

    private static void expectOutcome(Observation o, Outcome outcome) {
        that(record(o).outcome() == outcome, "expected outcome %s, got %s", outcome.wireName(), record(o).outcome().wireName());
    }

    private static void expectOutcomeAndStatus(Observation o, Outcome outcome, int status) {
        InvocationRecord r = record(o);
        that(r.outcome() == outcome, "expected outcome %s, got %s", outcome.wireName(), r.outcome().wireName());
        if (status < 0) {
            that(r.status().isEmpty(), "expected no recorded status, got %s", r.status());
        } else {
            that(r.status().orElse(-1) == status, "expected recorded status %d, got %s", status, r.status());
        }
    }
}
