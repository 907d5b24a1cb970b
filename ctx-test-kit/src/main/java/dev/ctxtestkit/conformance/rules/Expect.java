package dev.ctxtestkit.conformance.rules;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.RuleViolation;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.TaskRecord;
import java.util.List;
import java.util.Objects;

/** Assertion helpers whose failures say what was expected and what happened. */
final class Expect {
    private Expect() {
    }

    static void that(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new RuleViolation(String.format(format, args));
        }
    }

    static Observation first(List<Observation> observations) {
        that(!observations.isEmpty(), "the target returned no observation");
        return observations.get(0);
    }

    static Observation nth(List<Observation> observations, int invocation) {
        that(observations.size() >= invocation, "expected %d invocations, the target observed %d", invocation, observations.size());
        return observations.get(invocation - 1);
    }

    static void status(Observation o, int expected) {
        that(o.response().status() == expected, "expected response status %d, got %d", expected, o.response().status());
    }

    static void header(Observation o, String name, String expected) {
        String actual = o.response().header(name);
        that(Objects.equals(actual, expected), "expected response header %s: %s, got %s", name, expected, actual == null ? "(absent)" : actual);
    }

    static void noHeader(Observation o, String name) {
        String actual = o.response().header(name);
        that(actual == null, "expected no response header %s, got %s: %s", name, name, actual);
    }

    static Observation.OriginRequest beacon(Observation o, String tag) {
        return o.beacon(tag).orElseThrow(() -> new RuleViolation("beacon '" + tag + "' never arrived at the origin"));
    }

    static void noBeacon(List<Observation> observations, String tag) {
        for (Observation o : observations) {
            o.beacon(tag).ifPresent(b -> {
                throw new RuleViolation("beacon '" + tag + "' arrived at the origin (+" + b.atMs() + " ms in invocation "
                        + o.invocation() + ") but must never be sent");
            });
        }
    }

    static void fallbacks(Observation o, int expected) {
        int actual = o.fallbackRequests().size();
        that(actual == expected, "expected %d fail-open request(s) at the origin, got %d%s", expected, actual,
                actual == 0 ? "" : ": " + o.fallbackRequests());
    }

    static Observation.OriginRequest onlyFallback(Observation o) {
        fallbacks(o, 1);
        return o.fallbackRequests().get(0);
    }

    static InvocationRecord record(Observation o) {
        return o.record().orElseThrow(() -> new RuleViolation("invocation " + o.invocation()
                + " has no invocation record: it did not finish (a task that never settles under an unlimited limit?)"));
    }

    static TaskRecord task(InvocationRecord r, int index) {
        that(r.tasks().size() > index, "expected at least %d task records, got %d", index + 1, r.tasks().size());
        return r.tasks().get(index);
    }

    static Object reportValue(Observation o, String key) {
        that(o.report().containsKey(key), "the probe's report has no '%s' (response body: %s)", key, o.response().bodyText());
        return o.report().get(key);
    }

    static void errorResponse(Observation o) {
        status(o, 500);
        that(o.response().bodyText().equals("Internal Server Error"), "expected body 'Internal Server Error', got '%s'", o.response().bodyText());
        header(o, "connection", "close");
        header(o, "content-length", "21");
    }

    static void bare500(Observation o) {
        status(o, 500);
        that(o.response().body().length == 0, "expected an empty body, got %d bytes: %s", o.response().body().length, o.response().bodyText());
        String length = o.response().header("content-length");
        that(length == null || length.equals("0"), "expected Content-Length: 0, got %s", length);
    }

    static void relayed(Observation o) {
        that(o.response().status() == 299, "expected the origin's status 299 relayed, got %d (%s)", o.response().status(), o.response());
        that(o.response().header("x-mock-origin") != null, "expected the origin's header x-mock-origin relayed, got headers %s", o.response().headers());
        that(o.response().bodyText().equals("from-origin"), "expected the origin's body 'from-origin', got '%s'", o.response().bodyText());
    }
}
