package dev.ctxtestkit.conformance.rules;

import static dev.ctxtestkit.conformance.rules.Expect.first;
import static dev.ctxtestkit.conformance.rules.Expect.nth;
import static dev.ctxtestkit.conformance.rules.Expect.reportValue;
import static dev.ctxtestkit.conformance.rules.Expect.status;
import static dev.ctxtestkit.conformance.rules.Expect.that;
import static dev.ctxtestkit.conformance.rules.RuleBuilder.rule;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Section 6: the ctx object. */
final class CtxRules {
    private CtxRules() {
    }

    static List<Rule> rules() {
        return List.of(
                rule("CTX-1", "A fresh ctx for every invocation").http().all()
                        .hint("the runtime must create a new Context per invocation (object form) and a new WorkerEntrypoint per invocation (class form)")
                        .check("object form: the second invocation's ctx is not the first one's",
                                Scenario.named("ctx-1-object").invocations(2).build(), CtxRules::freshCtx)
                        .check("class form: the second invocation's ctx is not the first one's",
                                Scenario.named("ctx-1-class").form(Scenario.Form.CLASS).invocations(2).build(), CtxRules::freshCtx)
                        .build(),
                rule("CTX-2", "Methods need a real ExecutionContext as this").http().js()
                        .notImplemented("Java has no detached-method calls").build(),
                rule("CTX-3", "Members of ctx").http().js()
                        .notImplemented("the members of the Java Context are fixed by EVT-5").build(),
                rule("CTX-4", "ctx.props is the caller's value, {} by default").http().all()
                        .hint("the props passed with the request must reach ctx.props() unchanged; without props it must be an empty map, never null")
                        .check("props set by the caller (targets that can deliver a caller's props)", Scenario.named("ctx-4-props").props(Map.of("tenant", "acme", "tier", 2L)).build(),
                                (obs, t) -> {
                                    if (!t.has(ConformanceTarget.Capability.CALLER_PROPS)) {
                                        return; // a plain HTTP client has no binding to set props with; the default is still checked
                                    }
                                    that(Map.of("tenant", "acme", "tier", 2L).equals(reportValue(first(obs), "props")),
                                            "expected ctx.props {tenant=acme, tier=2}, the probe saw %s", first(obs).report().get("props"));
                                })
                        .check("no props: an empty object", Scenario.named("ctx-4-empty").build(),
                                (obs, t) -> that(Map.of().equals(reportValue(first(obs), "props")),
                                        "expected ctx.props {}, the probe saw %s", first(obs).report().get("props")))
                        .build(),
                rule("CTX-5", "ctx.exports holds loopback bindings").http().js()
                        .notImplemented("ctx.exports is out of scope for the Java reference (EVT-5)").build(),
                rule("CTX-6", "Methods act on the currently executing invocation").http().js()
                        .hint("a stale ctx must act on the current invocation without error (the Java reference deliberately throws instead: CTX-7)")
                        .check("a ctx saved by invocation 1 and used by invocation 2 is accepted",
                                Scenario.named("ctx-6-stale").invocations(2).step(new Step.SaveCtx(1)).step(new Step.UseSavedCtx(2)).build(),
                                (obs, t) -> {
                                    Observation second = nth(obs, 2);
                                    status(second, 200);
                                    that("accepted".equals(reportValue(second, "savedCtx")), "expected the stale ctx's waitUntil to be accepted, the probe saw: %s",
                                            second.report().get("savedCtx"));
                                })
                        .build(),
                rule("CTX-7", "A Java Context is bound to its own invocation").inProcess().java()
                        .hint("Context methods must check whether their own invocation has finished and throw IllegalStateException naming it")
                        .check("a ctx saved by invocation 1 and used by invocation 2 throws, and invocation 2 is undisturbed",
                                Scenario.named("ctx-7-stale").invocations(2)
                                        .step(new Step.SaveCtx(1)).step(new Step.UseSavedCtx(2)).build(),
                                (obs, t) -> {
                                    Observation second = nth(obs, 2);
                                    status(second, 200);
                                    String result = String.valueOf(reportValue(second, "savedCtx"));
                                    that(result.startsWith("IllegalStateException"), "expected IllegalStateException from the stale ctx, got: %s", result);
                                    that(result.contains("invocation #1") && result.contains("drained"),
                                            "expected the message to name invocation #1 and its state (drained), got: %s", result);
                                    that(Expect.record(second).tasks().isEmpty(),
                                            "the stale call must change nothing, but invocation 2 has task records: %s", Expect.record(second).tasks());
                                })
                        .build(),
                rule("CTX-8", "Single-threaded event loop, clock-bound scheduler").inProcess().java()
                        .hint("handler code, timer callbacks and I/O continuations must all run on the worker's one event-loop thread")
                        .check("handler steps, a timer and a task's beacon continuation run on one thread",
                                Scenario.named("ctx-8-thread").sleep(10)
                                        .waitUntil(TaskSpec.resolving("thread", 20)).beacon("handler").build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    Set<Object> threads = new LinkedHashSet<>();
                                    Object handlerThreads = Expect.beacon(o, "handler").beaconInfo().get("threads");
                                    if (handlerThreads instanceof List<?> list) {
                                        threads.addAll(list);
                                    }
                                    threads.add(Expect.beacon(o, "handler").beaconInfo().get("thread"));
                                    threads.add(Expect.beacon(o, "thread").beaconInfo().get("thread"));
                                    that(threads.size() == 1, "expected every step to run on one event-loop thread, saw %s", threads);
                                })
                        .build());
    }

    private static void freshCtx(List<Observation> obs, dev.ctxtestkit.conformance.RuleCheck.Target target) {
        Observation second = nth(obs, 2);
        status(second, 200);
        that(Boolean.FALSE.equals(reportValue(second, "ctxSeenBefore")),
                "the second invocation's ctx is identical to an earlier invocation's (ctxSeenBefore=%s)", second.report().get("ctxSeenBefore"));
    }
}
