package dev.ctxtestkit.conformance.rules;

import static dev.ctxtestkit.conformance.rules.Expect.first;
import static dev.ctxtestkit.conformance.rules.Expect.noBeacon;
import static dev.ctxtestkit.conformance.rules.Expect.record;
import static dev.ctxtestkit.conformance.rules.Expect.relayed;
import static dev.ctxtestkit.conformance.rules.Expect.that;
import static dev.ctxtestkit.conformance.rules.RuleBuilder.rule;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.TaskResult;
import java.util.List;

/** Section 10: {@code ctx.abort}. */
final class AbortRules {
    private AbortRules() {
    }

    static List<Rule> rules() {
        return List.of(
                rule("ABT-1", "ctx.abort() ends execution at once").http().all()
                        .hint("abort must throw (in Java: InvocationAbortedException) so that the code after the call never runs")
                        .check("a beacon step right after abort never runs",
                                Scenario.named("abt-1").abort("abt1-reason").beacon("after-abort").build(),
                                (obs, t) -> {
                                    noBeacon(obs, "after-abort");
                                    ErrorRules.expectProfileErrorResponse(first(obs), t);
                                })
                        .build(),
                rule("ABT-2", "An abort ends the drain and cancels tasks").http().all()
                        .hint("an abort must end the drain at once and cancel every pending task")
                        .check("a task aborts at +50 ms; a 200 ms sibling never reports",
                                Scenario.named("abt-2").waitUntil(TaskSpec.resolving("victim", 200))
                                        .waitUntil(TaskSpec.resolving("aborter", 50).withBeacon(false).withAbort()).build(),
                                (obs, t) -> {
                                    noBeacon(obs, "victim");
                                    if (t.has(ConformanceTarget.Capability.INVOCATION_RECORD)) {
                                        InvocationRecord r = record(first(obs));
                                        that(r.finishReason() == FinishReason.ABORTED, "expected the drain to end ABORTED, got %s", r.finishReason());
                                        that(Expect.task(r, 0).result() == TaskResult.CANCELLED, "expected the 200 ms task CANCELLED, got %s", Expect.task(r, 0).result());
                                        that(LimitRules.sinceStart(r, r.finishedAt()) == 50, "expected the drain to end at the abort (+50 ms), got +%d ms", LimitRules.sinceStart(r, r.finishedAt()));
                                    }
                                })
                        .build(),
                rule("ABT-3", "The HTTP response after an abort").http().all()
                        .hint("an abort in the handler is a handler exception: the profile's error response, or fail-open when the flag is set")
                        .check("abort without the flag: the error response", Scenario.named("abt-3-error").abort(null).build(),
                                (obs, t) -> ErrorRules.expectProfileErrorResponse(first(obs), t))
                        .check("abort with the flag: the origin's response", Scenario.named("abt-3-fail-open").passThrough().abort(null).build(),
                                (obs, t) -> relayed(first(obs)))
                        .build(),
                rule("ABT-4", "A binding caller sees the abort reason").http().js()
                        .notImplemented("the Java reference has no Service Bindings").build(),
                rule("ABT-5", "The outcome of an abort is exception").inProcess().all()
                        .hint("record outcome exception for an aborted invocation, whether it aborted in the handler or in a task")
                        .check("abort in the handler", Scenario.named("abt-5-handler").abort("abt5").build(),
                                (obs, t) -> that(record(first(obs)).outcome() == Outcome.EXCEPTION, "expected outcome exception, got %s", record(first(obs)).outcome().wireName()))
                        .check("abort in a task during the drain", Scenario.named("abt-5-drain").waitUntil(TaskSpec.resolving("aborter", 20).withBeacon(false).withAbort()).build(),
                                (obs, t) -> that(record(first(obs)).outcome() == Outcome.EXCEPTION, "expected outcome exception, got %s", record(first(obs)).outcome().wireName()))
                        .build());
    }
}
