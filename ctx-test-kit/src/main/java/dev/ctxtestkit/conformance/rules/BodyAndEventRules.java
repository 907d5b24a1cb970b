package dev.ctxtestkit.conformance.rules;

import static dev.ctxtestkit.conformance.rules.Expect.first;
import static dev.ctxtestkit.conformance.rules.Expect.header;
import static dev.ctxtestkit.conformance.rules.Expect.noHeader;
import static dev.ctxtestkit.conformance.rules.Expect.nth;
import static dev.ctxtestkit.conformance.rules.Expect.record;
import static dev.ctxtestkit.conformance.rules.Expect.reportValue;
import static dev.ctxtestkit.conformance.rules.Expect.status;
import static dev.ctxtestkit.conformance.rules.Expect.that;
import static dev.ctxtestkit.conformance.rules.RuleBuilder.rule;

import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.runtime.EventKind;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Outcome;
import java.util.List;

/** Sections 12 and 13: bodies and headers; non-fetch events. */
final class BodyAndEventRules {
    private BodyAndEventRules() {
    }

    static List<Rule> bodyRules() {
        String mirrored = "the Java reference mirrors it in Body and Request (covered by its unit tests)";
        return List.of(
                rule("BODY-1", "Bodies are single-use").http().js().notImplemented(mirrored).build(),
                rule("BODY-2", "clone() tees the body").http().js().notImplemented(mirrored).build(),
                rule("BODY-3", "request.body of incoming requests").http().js().notImplemented("Java request bodies are never null").build(),
                rule("BODY-4", "Reading a detached request body").http().js()
                        .hint("reading the request body after the response must throw a TypeError that gives the reason")
                        .check("a task reads the request body after the response",
                                Scenario.named("body-4-after-response").request("POST", "/body-4", 100)
                                        .waitUntil(TaskSpec.resolving("late-reader", 10).withReadBody()).build(),
                                (obs, t) -> {
                                    Object read = Expect.beacon(first(obs), "late-reader").beaconInfo().get("readBody");
                                    that(String.valueOf(read).contains("Can't read from request stream after response has been sent."),
                                            "expected the error 'Can't read from request stream after response has been sent.', the probe saw: %s", read);
                                })
                        .build(),
                rule("BODY-5", "Response headers on the wire").http().all()
                        .hint("send the Response's headers plus only framing: Content-Length when known, chunked for streams, none on 204")
                        .check("a 15-byte text body", Scenario.named("body-5-text").respond(Step.Respond.text(200, "hello, world!!!")).build(),
                                (obs, t) -> {
                                    header(first(obs), "content-length", "15");
                                    header(first(obs), "content-type", "text/plain;charset=UTF-8");
                                    noHeader(first(obs), "transfer-encoding");
                                    noHeader(first(obs), "date");
                                    noHeader(first(obs), "server");
                                })
                        .check("a streamed body", Scenario.named("body-5-stream").respond(Step.Respond.stream("s", 2, 5, 0, null)).build(),
                                (obs, t) -> {
                                    header(first(obs), "transfer-encoding", "chunked");
                                    noHeader(first(obs), "content-length");
                                })
                        .check("a 204", Scenario.named("body-5-204").respond(Step.Respond.none(204)).build(),
                                (obs, t) -> {
                                    status(first(obs), 204);
                                    noHeader(first(obs), "content-length");
                                    noHeader(first(obs), "transfer-encoding");
                                })
                        .build());
    }

    static List<Rule> eventRules() {
        return List.of(
                rule("EVT-1", "Events that wait on their tasks report the first task failure").inProcess().all()
                        .hint("a scheduled event's outcome is exception once any of its tasks fails")
                        .check("a scheduled event whose task rejects", Scenario.named("evt-1").event(Scenario.Event.SCHEDULED)
                                        .waitUntil(TaskSpec.rejecting("t", 10, "evt1").withBeacon(false)).build(),
                                (obs, t) -> that(record(first(obs)).outcome() == Outcome.EXCEPTION, "expected outcome exception, got %s", record(first(obs)).outcome().wireName()))
                        .check("a scheduled event whose tasks succeed", Scenario.named("evt-1-ok").event(Scenario.Event.SCHEDULED)
                                        .waitUntil(TaskSpec.resolving("t", 10).withBeacon(false)).build(),
                                (obs, t) -> that(record(first(obs)).outcome() == Outcome.OK, "expected outcome ok, got %s", record(first(obs)).outcome().wireName()))
                        .build(),
                rule("EVT-2", "Other events ignore task failures").inProcess().all()
                        .hint("a fetch invocation's outcome must not change when a task fails")
                        .check("a fetch whose task rejects", Scenario.named("evt-2").waitUntil(TaskSpec.rejecting("t", 10, "evt2").withBeacon(false)).build(),
                                (obs, t) -> that(record(first(obs)).outcome() == Outcome.OK, "expected outcome ok, got %s", record(first(obs)).outcome().wireName()))
                        .build(),
                rule("EVT-3", "Durable Objects: waitUntil without lifetime effect").http().js()
                        .notImplemented("the Java reference has no Durable Objects").build(),
                rule("EVT-4", "Durable Object errors and fail-open").http().js()
                        .notImplemented("the Java reference has no Durable Objects").build(),
                rule("EVT-5", "Handler kinds of the Java reference").inProcess().java()
                        .hint("support fetch and scheduled handlers, and the WorkerEntrypoint class form with a new ctx and env per invocation")
                        .check("the class form serves fetch with a new ctx per invocation",
                                Scenario.named("evt-5-class-fetch").form(Scenario.Form.CLASS).invocations(2).build(),
                                (obs, t) -> {
                                    status(nth(obs, 2), 200);
                                    that(Boolean.FALSE.equals(reportValue(nth(obs, 2), "ctxSeenBefore")), "the class form reused a ctx across invocations");
                                })
                        .check("the class form serves scheduled events", Scenario.named("evt-5-class-scheduled").form(Scenario.Form.CLASS)
                                        .event(Scenario.Event.SCHEDULED).waitUntil(TaskSpec.resolving("t", 10).withBeacon(false)).build(),
                                (obs, t) -> {
                                    InvocationRecord r = record(first(obs));
                                    that(r.event() == EventKind.SCHEDULED && r.outcome() == Outcome.OK && r.tasks().size() == 2,
                                            "expected a scheduled invocation, outcome ok, with the handler's task and one registered task; got %s %s %d tasks",
                                            r.event(), r.outcome().wireName(), r.tasks().size());
                                })
                        .check("the object form serves fetch with props", Scenario.named("evt-5-object").props(java.util.Map.of("k", "v")).build(),
                                (obs, t) -> {
                                    status(first(obs), 200);
                                    that(java.util.Map.of("k", "v").equals(reportValue(first(obs), "props")), "expected props {k=v}, got %s", first(obs).report().get("props"));
                                })
                        .build());
    }
}
