package dev.ctxtestkit.conformance.rules;

import static dev.ctxtestkit.conformance.rules.Expect.bare500;
import static dev.ctxtestkit.conformance.rules.Expect.beacon;
import static dev.ctxtestkit.conformance.rules.Expect.fallbacks;
import static dev.ctxtestkit.conformance.rules.Expect.first;
import static dev.ctxtestkit.conformance.rules.Expect.onlyFallback;
import static dev.ctxtestkit.conformance.rules.Expect.record;
import static dev.ctxtestkit.conformance.rules.Expect.relayed;
import static dev.ctxtestkit.conformance.rules.Expect.status;
import static dev.ctxtestkit.conformance.rules.Expect.that;
import static dev.ctxtestkit.conformance.rules.RuleBuilder.rule;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.Outcome;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Section 9: {@code passThroughOnException} and fail-open. */
final class PassThroughRules {
    private PassThroughRules() {
    }

    static final int BIG_BODY = 266_668;

    static List<Rule> rules() {
        return List.of(
                rule("PT-1", "A sticky flag on the current invocation").http().all()
                        .hint("passThroughOnException() must only ever set the flag; a second call must not clear it")
                        .check("two calls, then a throw: fails open exactly like one call",
                                Scenario.named("pt-1").passThrough().passThrough().throwError("pt1").build(),
                                (obs, t) -> {
                                    relayed(first(obs));
                                    fallbacks(first(obs), 1);
                                })
                        .build(),
                rule("PT-2", "Only the fetch path reads the flag").inProcess().all()
                        .hint("only the fetch path may read the fail-open flag; a scheduled handler that throws just fails")
                        .check("a scheduled handler that sets the flag and throws does not forward anything",
                                Scenario.named("pt-2").event(Scenario.Event.SCHEDULED).passThrough().throwError("pt2").build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    fallbacks(o, 0);
                                    InvocationRecord r = record(o);
                                    that(r.outcome() == Outcome.EXCEPTION, "expected outcome exception, got %s", r.outcome().wireName());
                                    that(r.failOpen().isEmpty(), "expected no fail-open, the record has %s", r.failOpen());
                                })
                        .build(),
                rule("PT-3", "When fail-open happens").http().all()
                        .hint("fail open exactly when the flag was set, an exception escaped the handler stage, and no header was sent")
                        .check("flag, then a synchronous throw", Scenario.named("pt-3-sync").passThrough().throwError("pt3").build(),
                                (obs, t) -> relayed(first(obs)))
                        .check("flag, then a throw after an await", Scenario.named("pt-3-async").passThrough().throwAsync("pt3").build(),
                                (obs, t) -> relayed(first(obs)))
                        .check("flag set after an await, then a throw", Scenario.named("pt-3-late-flag").sleep(10).passThrough().throwError("pt3").build(),
                                (obs, t) -> relayed(first(obs)))
                        .check("flag set after the body was read", Scenario.named("pt-3-after-read").request("POST", "/pt-3", 100)
                                        .readBody(Step.ReadBody.Mode.FULL, 0).passThrough().throwError("pt3").build(),
                                (obs, t) -> relayed(first(obs)))
                        .check("no flag: no fail-open", Scenario.named("pt-3-no-flag").throwError("pt3").build(),
                                (obs, t) -> {
                                    status(first(obs), 500);
                                    fallbacks(first(obs), 0);
                                })
                        .check("flag but no exception: the handler's response", Scenario.named("pt-3-no-throw").passThrough()
                                        .respond(Step.Respond.text(200, "handler-ok")).build(),
                                (obs, t) -> {
                                    status(first(obs), 200);
                                    fallbacks(first(obs), 0);
                                })
                        .build(),
                rule("PT-4", "No fail-open once the response has started").http().all()
                        .hint("once headers are sent, an error in the body truncates it: never forward, never send a second response")
                        .check("flag set, a streamed body errors after its first chunk",
                                Scenario.named("pt-4").passThrough().respond(Step.Respond.stream("first-chunk", 3, 10, 1, null)).build(),
                                (obs, t) -> {
                                    Observation o = first(obs);
                                    status(o, 200);
                                    that(o.response().truncated(), "expected a truncated body, got a complete one: %s", o.response());
                                    that(o.response().bodyText().equals("first-chunk"), "expected the body to hold only 'first-chunk', got '%s'", o.response().bodyText());
                                    fallbacks(o, 0);
                                })
                        .build(),
                rule("PT-5", "Target and shape of the fallback request").http().all()
                        .hint("forward the original method, path, query and headers (Host included) and add no header of your own")
                        .check("a POST with a query, a custom Host and a custom header",
                                Scenario.named("pt-5").request(new Scenario.RequestSpec("POST", "/pt-5/a?b=1&c=two",
                                        Map.of("host", "pt5.example", "x-custom", "kept"), 64, false)).passThrough().throwError("pt5").build(),
                                (obs, t) -> {
                                    Observation.OriginRequest f = onlyFallback(first(obs));
                                    that(f.method().equals("POST"), "expected method POST, got %s", f.method());
                                    that(f.target().equals("/pt-5/a?b=1&c=two"), "expected path and query /pt-5/a?b=1&c=two, got %s", f.target());
                                    that("pt5.example".equals(f.header("host")), "expected Host: pt5.example, got %s", f.header("host"));
                                    that("kept".equals(f.header("x-custom")), "expected x-custom: kept, got %s", f.header("x-custom"));
                                    that(Arrays.equals(f.body(), Scenario.bodyContent(64)), "expected the whole 64-byte body, got %d bytes", f.body().length);
                                    for (String name : f.headers().keySet()) {
                                        that(!name.startsWith("x-forwarded-") && !name.startsWith("cf-") && !name.equals("forwarded") && !name.equals("via"),
                                                "the fallback request carries an added header %s: %s", name, f.header(name));
                                    }
                                })
                        .build(),
                rule("PT-6", "The fallback's response is relayed verbatim").http().all()
                        .hint("relay the origin's status, headers and body unchanged, whatever the status")
                        .check("a 299 with a marker header and a body", Scenario.named("pt-6").passThrough().throwError("pt6").build(),
                                (obs, t) -> {
                                    relayed(first(obs));
                                    that("11".equals(first(obs).response().header("content-length")), "expected the origin's Content-Length: 11, got %s",
                                            first(obs).response().header("content-length"));
                                })
                        .build(),
                rule("PT-7", "The fallback receives only the unread body").http().all()
                        .hint("forward the unread rest of the client's body stream, with framing headers describing it; never replay what was read")
                        .check("a partial read of a " + BIG_BODY + "-byte body: the rest, with its Content-Length",
                                Scenario.named("pt-7-partial").request("POST", "/pt-7", BIG_BODY).passThrough()
                                        .readBody(Step.ReadBody.Mode.PARTIAL, 4096).beacon("read").throwError("pt7").build(),
                                (obs, t) -> expectRemainder(first(obs), BIG_BODY, true))
                        .check("a partial read of a chunked body: the rest", Scenario.named("pt-7-chunked")
                                        .request(new Scenario.RequestSpec("POST", "/pt-7", Map.of(), 50_000, true)).passThrough()
                                        .readBody(Step.ReadBody.Mode.PARTIAL, 1000).beacon("read").throwError("pt7").build(),
                                (obs, t) -> expectRemainder(first(obs), 50_000, false))
                        .check("a full read: nothing", Scenario.named("pt-7-full").request("POST", "/pt-7", 5000).passThrough()
                                        .readBody(Step.ReadBody.Mode.FULL, 0).beacon("read").throwError("pt7").build(),
                                (obs, t) -> expectRemainder(first(obs), 5000, false))
                        .check("an untouched body: all of it, Content-Length kept", Scenario.named("pt-7-untouched").request("POST", "/pt-7", 5000)
                                        .passThrough().beacon("read").throwError("pt7").build(),
                                (obs, t) -> expectRemainder(first(obs), 5000, true))
                        .build(),
                rule("PT-8", "A failing fallback gives a bare 500").http().all().profiles(Profile.STANDALONE, Profile.REFERENCE)
                        .hint("when the fallback request fails, answer 500 with an empty body and Content-Length: 0")
                        .check("the origin refuses the connection", Scenario.named("pt-8").origin(Scenario.OriginSpec.refused()).passThrough().throwError("pt8").build(),
                                (obs, t) -> bare500(first(obs)))
                        .build(),
                rule("PT-9", "Fail-open still counts as a failure").inProcess().all()
                        .hint("after fail-open, record outcome exception with the original error, and no status")
                        .check("a successful fail-open", Scenario.named("pt-9").passThrough().throwError("pt9-original").build(),
                                (obs, t) -> {
                                    InvocationRecord r = record(first(obs));
                                    that(r.outcome() == Outcome.EXCEPTION, "expected outcome exception, got %s", r.outcome().wireName());
                                    that(r.status().isEmpty(), "expected no recorded status, got %s", r.status());
                                    that(r.exceptions().stream().anyMatch(e -> e.message().equals("pt9-original")), "expected the original error in the record, got %s", r.exceptions());
                                    that(r.failOpen().isPresent() && r.failOpen().get().succeeded(), "expected a successful fail-open in the record, got %s", r.failOpen());
                                })
                        .build(),
                rule("PT-10", "Fail-open over Service Bindings").http().js()
                        .notImplemented("the Java reference has no Service Bindings").build(),
                rule("PT-11", "Service-worker syntax").http().js()
                        .notImplemented("the Java reference has no service-worker syntax").build(),
                rule("PT-12", "Fail-open forwarding in the Java reference").http().java().profiles(Profile.REFERENCE)
                        .hint("a failed or unconfigured fallback must answer a bare 500 and log an ERROR line that names the cause")
                        .check("no origin configured", Scenario.named("pt-12-no-origin").origin(Scenario.OriginSpec.none()).passThrough().throwError("pt12").build(),
                                (obs, t) -> {
                                    bare500(first(obs));
                                    expectErrorLog(first(obs), t, "no origin is configured");
                                })
                        .check("the origin refuses the connection", Scenario.named("pt-12-refused").origin(Scenario.OriginSpec.refused()).passThrough().throwError("pt12").build(),
                                (obs, t) -> {
                                    bare500(first(obs));
                                    expectErrorLog(first(obs), t, "failed");
                                })
                        .check("a partial read: the remainder, streamed, with its Content-Length",
                                Scenario.named("pt-12-remainder").request("POST", "/pt-12", 100_000).passThrough()
                                        .readBody(Step.ReadBody.Mode.PARTIAL, 4096).beacon("read").throwError("pt12").build(),
                                (obs, t) -> expectRemainder(first(obs), 100_000, true))
                        .build());
    }

    private static void expectErrorLog(Observation o, dev.ctxtestkit.conformance.RuleCheck.Target t, String cause) {
        if (!t.has(ConformanceTarget.Capability.INVOCATION_RECORD)) {
            return;
        }
        InvocationRecord r = record(o);
        that(r.logsAt(LogLevel.ERROR).stream().anyMatch(l -> l.message().contains(cause)),
                "expected an ERROR log line naming the cause ('%s'), got %s", cause, r.logs());
    }

    /** The fallback carries exactly the bytes after what the handler read (its beacon 'read' says how many). */
    private static void expectRemainder(Observation o, int total, boolean expectContentLength) {
        Object read = beacon(o, "read").beaconInfo().get("bytesRead");
        that(read instanceof Number, "the probe did not report how many bytes it read: %s", beacon(o, "read").beaconInfo());
        int consumed = ((Number) read).intValue();
        relayed(o);
        Observation.OriginRequest f = onlyFallback(o);
        byte[] expected = Arrays.copyOfRange(Scenario.bodyContent(total), consumed, total);
        that(f.body().length == expected.length, "expected the %d unread bytes (of %d, %d read), the origin got %d", expected.length, total, consumed, f.body().length);
        that(Arrays.equals(f.body(), expected), "the origin got %d bytes but not the unread remainder from offset %d", f.body().length, consumed);
        String length = f.header("content-length");
        if (expectContentLength) {
            that(String.valueOf(expected.length).equals(length), "expected Content-Length: %d describing the remainder, got %s", expected.length, length);
        } else {
            that(length == null || length.equals(String.valueOf(expected.length)), "expected no Content-Length or one describing the remainder (%d), got %s", expected.length, length);
        }
    }
}
