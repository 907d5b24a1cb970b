package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LogLine;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The catalogue of schedule properties. Each is true of the spec for every schedule the generator makes: its
 * expectation is computed from the scenario itself by {@link ScheduleModel}, and compared with what the target did.
 * The order of {@link #all()} is the order in which they are checked; a run reports the first that fails.
 *
 * <p>Restrictions, where a property could not be stated exactly for every scenario:
 * <ul>
 *   <li>Only schedules the model covers ({@link ScheduleModel#supports}); others fail every property with a
 *       message saying so.</li>
 *   <li>Timing (WU-5, the drain's end, beacon times) is exact only in virtual time, so those checks are in-process
 *       only; over HTTP the beacon property compares the set of tags, and the response properties compare status
 *       and body.</li>
 *   <li>A {@code report} body (the probe's JSON) is not predicted; its status is.</li>
 *   <li>A schedule whose drain never ends (an unlimited limit and a task that never settles; the generator does not
 *       make them) has no record to check.</li>
 * </ul>
 */
public final class Properties {
    private Properties() {
    }

    /** The current text of the LIM-6 warning, up to "have been cancelled." (checks match up to there). */
    public static final String LIMIT_WARNING_PREFIX =
            "waitUntil() tasks did not complete within the allowed time after invocation end and have been cancelled.";

    /** WU-5: the response is complete no later than the handler alone says, whatever the tasks do. */
    public static final Property RESPONSE_NEVER_WAITS = Property.inProcess("the response never waits for tasks", List.of("WU-5"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                if (!model.isFetch()) {
                    return Optional.empty();
                }
                ScheduleModel.ExpectedResponse e = model.response().orElseThrow();
                Observation.ClientView v = o.response();
                if (v.status() == 0) {
                    return Optional.of("no response arrived; expected its headers at +" + e.headersAtMs() + " ms and its end at +"
                            + e.completedAtMs() + " ms (WU-5)");
                }
                if (v.headersAtMs() > e.headersAtMs() || v.completedAtMs() > e.completedAtMs()) {
                    return Optional.of("expected the response's headers at +" + e.headersAtMs() + " ms and its end at +" + e.completedAtMs()
                            + " ms, as the handler alone decides (tasks run concurrently, WU-5), got +" + v.headersAtMs() + " ms and +"
                            + v.completedAtMs() + " ms");
                }
                return Optional.empty();
            });

    /** LIM-1: invocation end is when the response was sent, its body ended, or the handler stage threw. */
    public static final Property INVOCATION_END_EXACTLY = Property.inProcess("invocation end is when the handler stage ends",
            List.of("LIM-1"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                InvocationRecord r = record(only(observations));
                if (r == null || r.invocationEndAt() == null && !model.finishes()) {
                    return Optional.empty();
                }
                long actual = r.invocationEndAt() == null ? -1 : ms(r.startedAt(), r.invocationEndAt());
                if (actual != model.invocationEndMs()) {
                    String when = model.response().map(e -> e.kind() == ScheduleModel.ResponseKind.STREAM ? "when the body ended or failed"
                            : "when the handler stage ended").orElse("when the scheduled handler returned");
                    return Optional.of("expected invocation end (LIM-1) at +" + model.invocationEndMs() + " ms, " + when + ", got +" + actual + " ms");
                }
                return Optional.empty();
            });

    /** PT-3, PT-4, ABT-3: fail-open exactly when the flag was set, an exception escaped, and no headers were sent. */
    public static final Property FAIL_OPEN_EXACTLY_WHEN = Property.of(
            "fail-open happens iff the flag was set, an exception escaped, and no headers were sent", List.of("PT-3", "PT-4", "ABT-3"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                if (!model.isFetch()) {
                    return Optional.empty();
                }
                boolean expected = model.failsOpen();
                InvocationRecord r = record(o);
                if (r != null && r.failOpen().isPresent() != expected) {
                    return Optional.of("expected " + (expected ? "" : "no ") + "fail-open: " + model.failOpenReason() + "; the record says "
                            + (r.failOpen().isPresent() ? "it failed open (" + r.failOpen().get() + ")" : "it did not fail open"));
                }
                if (scenario.origin().mode() == Scenario.OriginSpec.Mode.MOCK) {
                    int fallbacks = o.fallbackRequests().size();
                    if (fallbacks != (expected ? 1 : 0)) {
                        return Optional.of("expected " + (expected ? 1 : 0) + " fail-open request(s) at the origin, got " + fallbacks + ": "
                                + model.failOpenReason());
                    }
                    boolean relayed = o.response().header(Scenario.OriginSpec.MARKER_HEADER) != null;
                    if (relayed != expected) {
                        return Optional.of("expected " + (expected ? "the origin's response relayed (PT-6)" : "the worker's own response")
                                + ", got " + o.response() + ": " + model.failOpenReason());
                    }
                }
                return Optional.empty();
            });

    /** PT-7, PT-5: the fallback request is the original one, carrying exactly the body the handler did not read. */
    public static final Property ORIGIN_GETS_UNREAD_REMAINDER = Property.of("the origin receives exactly the unread remainder", List.of("PT-7", "PT-5"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                if (!model.isFetch() || !model.failsOpen() || scenario.origin().mode() != Scenario.OriginSpec.Mode.MOCK) {
                    return Optional.empty();
                }
                List<Observation.OriginRequest> fallbacks = o.fallbackRequests();
                if (fallbacks.size() != 1) {
                    return Optional.of("expected one fail-open request carrying the unread remainder, got " + fallbacks.size());
                }
                Observation.OriginRequest f = fallbacks.get(0);
                Scenario.RequestSpec request = scenario.request();
                if (!f.method().equals(request.method()) || !f.target().equals(request.path())) {
                    return Optional.of("expected the fallback request " + request.method() + " " + request.path() + " (PT-5), got " + f.method() + " " + f.target());
                }
                byte[] expected = model.remainder();
                if (!Arrays.equals(f.body(), expected)) {
                    int total = request.bodyBytes();
                    return Optional.of("expected the origin to receive the " + expected.length + " unread byte(s) of the " + total
                            + "-byte body (the handler read " + model.consumedBytes() + "), got " + f.body().length + " byte(s)"
                            + firstDifference(expected, f.body()));
                }
                return Optional.empty();
            });

    /**
     * ERR-9, PT-6, PT-8, PT-4, ABT-3, BODY-5: the client gets exactly the handler's response, the origin's relayed one,
     * a bare 500 when the fallback fails, or the error response; a body that fails after the headers arrives cut short.
     */
    public static final Property RESPONSE_AS_DECIDED = Property.of("the client gets the response the schedule decides",
            List.of("ERR-9", "PT-6", "PT-8", "PT-4", "ABT-3", "BODY-5"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                if (!model.isFetch()) {
                    return Optional.empty();
                }
                ScheduleModel.ExpectedResponse e = model.response().orElseThrow();
                Observation.ClientView v = o.response();
                boolean relayed = v.header(Scenario.OriginSpec.MARKER_HEADER) != null;
                String why = switch (e.kind()) {
                    case ERROR_500 -> "an uncaught exception without fail-open gets the ERR-9 response";
                    case FAIL_OPEN_RELAY -> "fail-open relays the origin's response verbatim (PT-6)";
                    case FAIL_OPEN_500 -> "a fail-open whose fallback fails gets a bare 500 (PT-8)";
                    case STREAM -> e.truncated() ? "a body that fails after the headers is cut short (PT-4)" : "the streamed body";
                    default -> "the handler's own response";
                };
                if (v.status() != e.status() || e.body() != null && !Arrays.equals(e.body(), v.body()) || v.truncated() != e.truncated()
                        || relayed != (e.kind() == ScheduleModel.ResponseKind.FAIL_OPEN_RELAY)) {
                    return Optional.of("expected " + e.describe() + " (" + why + "), got " + v);
                }
                if (e.kind() == ScheduleModel.ResponseKind.ERROR_500 && !"close".equals(v.header("connection"))) {
                    return Optional.of("expected the ERR-9 response to carry Connection: close, got headers " + v.headers());
                }
                if (record(o) != null && e.kind() != ScheduleModel.ResponseKind.FAIL_OPEN_RELAY) {
                    String length = v.header("content-length");
                    String chunked = v.header("transfer-encoding");
                    boolean ok = e.kind() == ScheduleModel.ResponseKind.STREAM ? length == null && "chunked".equals(chunked)
                            : e.status() == 204 || e.status() == 304 ? length == null && chunked == null
                            : String.valueOf(v.body().length).equals(length) && chunked == null;
                    if (!ok) {
                        return Optional.of("expected the framing headers of BODY-5 for " + e.describe() + ", got content-length " + length
                                + ", transfer-encoding " + chunked);
                    }
                }
                return Optional.empty();
            });

    /** WU-6: a rejected task changes nothing about the response, and never causes fail-open. */
    public static final Property REJECTION_KEEPS_RESPONSE = Property.of("a rejection never changes the response", List.of("WU-6"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                if (!model.isFetch()) {
                    return Optional.empty();
                }
                ScheduleModel.ExpectedResponse e = model.response().orElseThrow();
                List<Long> early = model.rejectionTimesMs().stream().filter(t -> t <= e.completedAtMs()).toList();
                if (early.isEmpty()) {
                    return Optional.empty(); // no rejection before the response was complete: nothing it could have changed
                }
                Observation.ClientView v = o.response();
                boolean relayed = v.header(Scenario.OriginSpec.MARKER_HEADER) != null;
                boolean same = v.status() == e.status()
                        && (e.body() == null || Arrays.equals(e.body(), v.body()))
                        && v.truncated() == e.truncated()
                        && relayed == (e.kind() == ScheduleModel.ResponseKind.FAIL_OPEN_RELAY)
                        // in virtual time (a target with a record), not even its timing may change
                        && (record(o) == null || v.headersAtMs() == e.headersAtMs() && v.completedAtMs() == e.completedAtMs());
                if (!same) {
                    return Optional.of("expected the response " + e.describe() + ", which the handler alone decides, got " + v
                            + "; task(s) " + rejected(model) + " rejected at " + early.stream().map(t -> "+" + t + " ms").toList()
                            + ", before the response was complete, and a rejection must not change it (WU-6)");
                }
                return Optional.empty();
            });

    /**
     * WU-7: at the instants when tasks reject, no other task ends unless the model says so, and every other task that
     * was pending then runs on and sends its beacon.
     */
    public static final Property REJECTION_SPARES_SIBLINGS = Property.of("a rejection never affects its siblings", List.of("WU-7"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                List<Long> rejections = model.rejectionTimesMs();
                if (rejections.isEmpty()) {
                    return Optional.empty();
                }
                Map<String, Long> expectedBeacons = model.beacons();
                TreeSet<String> missing = new TreeSet<>();
                for (ScheduleModel.ExpectedTask t : model.tasks()) {
                    if (t.result() != TaskResult.REJECTED && pendingAtSomeOf(t, rejections) && expectedBeacons.containsKey(t.tag())
                            && o.beacon(t.tag()).isEmpty()) {
                        missing.add(t.tag());
                    }
                }
                if (!missing.isEmpty()) {
                    return Optional.of("beacon(s) " + missing + " never arrived at the origin, although those tasks were pending when "
                            + rejected(model) + " rejected and must run on (WU-7)");
                }
                InvocationRecord r = record(o);
                if (r != null) {
                    for (long at : new TreeSet<>(rejections)) {
                        List<String> expected = model.tasks().stream()
                                .filter(t -> t.result() != TaskResult.REJECTED && t.settledAtMs() != null && t.settledAtMs() == at)
                                .map(ScheduleModel.ExpectedTask::key).sorted().toList();
                        List<String> actual = r.tasks().stream()
                                .filter(t -> t.result() != TaskResult.REJECTED && t.settledAt() != null && ms(r.startedAt(), t.settledAt()) == at)
                                .map(t -> key(r, t)).sorted().toList();
                        if (!expected.equals(actual)) {
                            return Optional.of("at +" + at + " ms, when a task rejected, the other tasks that ended were " + actual + ", expected "
                                    + expected + ": a rejection must not cancel or settle its siblings (WU-7); all tasks: " + taskKeys(r));
                        }
                    }
                }
                return Optional.empty();
            });

    /** WU-11, LIM-4, ABT-2: the drain ends exactly when no task is pending, or at the limit, or at an abort. */
    public static final Property DRAIN_ENDS_EXACTLY = Property.inProcess("the drain ends exactly when no task is pending or the limit hits",
            List.of("WU-11", "LIM-4", "ABT-2"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                InvocationRecord r = record(o);
                if (!model.finishes()) {
                    return r == null ? Optional.empty() : Optional.of("expected the drain never to end (an unlimited limit and a task that never "
                            + "settles, LIM-4), but it ended " + r.finishReason());
                }
                if (r == null) {
                    return Optional.of("expected the drain to end " + model.finishReason() + " at +" + model.finishedAtMs() + " ms ("
                            + drainReason(model) + "), but the invocation never finished");
                }
                long finished = r.finishedAt() == null ? -1 : ms(r.startedAt(), r.finishedAt());
                if (r.finishReason() != model.finishReason() || finished != model.finishedAtMs()) {
                    return Optional.of("expected the drain to end " + model.finishReason() + " at +" + model.finishedAtMs() + " ms ("
                            + drainReason(model) + "), got " + r.finishReason() + " at +" + finished + " ms");
                }
                return Optional.empty();
            });

    /** WU-11, WU-12, LIM-5, ABT-2: exactly the tasks that reach their end send their beacons, at that time. */
    public static final Property BEACONS_EXACTLY = Property.of("exactly the tasks that run to their end send their beacons",
            List.of("WU-11", "WU-12", "LIM-5", "ABT-2"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                Map<String, Long> expected = new TreeMap<>(model.beacons());
                Map<String, Long> actual = new TreeMap<>();
                o.beacons().forEach(b -> actual.merge(b.beaconTag(), b.atMs(), Math::min));
                if (!expected.keySet().equals(actual.keySet())) {
                    TreeSet<String> missing = new TreeSet<>(expected.keySet());
                    missing.removeAll(actual.keySet());
                    TreeSet<String> extra = new TreeSet<>(actual.keySet());
                    extra.removeAll(expected.keySet());
                    List<String> problems = new ArrayList<>();
                    if (!missing.isEmpty()) {
                        problems.add("beacon(s) " + missing + " never arrived (tasks must run on after the response, even when registered "
                                + "during the drain or after a handler exception: WU-11, WU-12)");
                    }
                    if (!extra.isEmpty()) {
                        problems.add("beacon(s) " + extra + " arrived although the drain had ended " + model.finishReason() + " at +"
                                + model.finishedAtMs() + " ms before they were due (LIM-5, ABT-2)");
                    }
                    return Optional.of(String.join("; ", problems));
                }
                if (record(o) != null) {
                    for (Map.Entry<String, Long> e : expected.entrySet()) {
                        if (!e.getValue().equals(actual.get(e.getKey()))) {
                            return Optional.of("expected beacon '" + e.getKey() + "' at +" + e.getValue() + " ms, got +" + actual.get(e.getKey()) + " ms");
                        }
                    }
                }
                if (o.beacons().size() != actual.size()) {
                    return Optional.of("a beacon arrived more than once: " + o.beacons());
                }
                return Optional.empty();
            });

    /** ERR-10, WU-9: every registration is one task record, ending resolved, rejected or cancelled exactly once. */
    public static final Property EVERY_TASK_ENDS_ONCE = Property.inProcess("every task ends resolved, rejected, or cancelled exactly once",
            List.of("ERR-10", "WU-9"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                InvocationRecord r = record(o);
                if (r == null) {
                    return model.finishes() ? Optional.of("no invocation record (ERR-10)") : Optional.empty();
                }
                for (TaskRecord t : r.tasks()) {
                    if (t.result() == null || t.settledAt() == null) {
                        return Optional.of("task#" + t.index() + " never ended: result " + t.result() + ", settled at " + t.settledAt()
                                + " (every task ends resolved, rejected or cancelled, ERR-10)");
                    }
                    if (t.settledAt().isBefore(t.registeredAt()) || r.finishedAt() != null && t.settledAt().isAfter(r.finishedAt())) {
                        return Optional.of("task#" + t.index() + " settled at +" + ms(r.startedAt(), t.settledAt()) + " ms, outside its life (registered +"
                                + ms(r.startedAt(), t.registeredAt()) + " ms, drain ended +" + ms(r.startedAt(), r.finishedAt()) + " ms)");
                    }
                }
                List<String> expected = model.tasks().stream().map(ScheduleModel.ExpectedTask::key).sorted().toList();
                List<String> actual = r.tasks().stream().map(t -> key(r, t)).sorted().toList();
                if (!expected.equals(actual)) {
                    return Optional.of("expected " + expected.size() + " task record(s) " + expected + ", got " + actual.size() + " " + actual
                            + " (one record per registration, each ending once: ERR-10)");
                }
                long async = r.exceptions().stream().filter(e -> e.source().equals(LoggedException.ASYNC)).count();
                long inResponse = r.exceptions().stream().filter(e -> e.source().equals(LoggedException.IN_RESPONSE)).count();
                if (async != model.asyncExceptions() || inResponse != model.handlerExceptions()) {
                    return Optional.of("expected " + model.asyncExceptions() + " '" + LoggedException.ASYNC + "' and " + model.handlerExceptions()
                            + " '" + LoggedException.IN_RESPONSE + "' exception(s) (each rejection recorded once, WU-9), got " + async + " and "
                            + inResponse + ": " + r.exceptions().stream().map(e -> e.source() + " " + e.message()).toList());
                }
                return Optional.empty();
            });

    /** ERR-6, ERR-7, EVT-1, ABT-5, PT-9: the outcome and the recorded status follow how the invocation ended. */
    public static final Property OUTCOME_FOLLOWS_THE_END = Property.inProcess("the outcome follows ERR-6 and EVT-1",
            List.of("ERR-6", "ERR-7", "EVT-1", "ABT-5", "PT-9"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                Observation o = only(observations);
                InvocationRecord r = record(o);
                if (r == null) {
                    return Optional.empty();
                }
                if (r.outcome() != model.outcome()) {
                    return Optional.of("expected outcome " + model.outcome().wireName() + " (" + outcomeReason(model) + "), got " + r.outcome().wireName());
                }
                if (!r.status().equals(model.recordedStatus())) {
                    return Optional.of("expected recorded status " + (model.recordedStatus().isPresent() ? model.recordedStatus().getAsInt() : "none")
                            + " (ERR-7: none after any exception, PT-9: none after fail-open), got "
                            + (r.status().isPresent() ? r.status().getAsInt() : "none"));
                }
                return Optional.empty();
            });

    /** LIM-6, ERR-5: one WARN line with the current text exactly when the limit cancels tasks. */
    public static final Property ONE_WARNING_AT_THE_LIMIT = Property.inProcess("one warning exactly when the limit cancels tasks",
            List.of("LIM-6", "ERR-5"),
            (scenario, observations) -> {
                ScheduleModel model = ScheduleModel.of(scenario);
                InvocationRecord r = record(only(observations));
                if (r == null) {
                    return Optional.empty();
                }
                List<LogLine> lines = r.logs().stream().filter(l -> l.message().startsWith(LIMIT_WARNING_PREFIX)
                        || l.message().startsWith("IoContext timed out")).toList();
                boolean limit = model.finishes() && model.finishReason() == FinishReason.LIMIT;
                if (lines.size() != (limit ? 1 : 0)) {
                    return Optional.of("expected " + (limit ? "exactly one" : "no") + " limit warning (LIM-6), got " + lines.size() + ": " + lines);
                }
                if (limit && (lines.get(0).level() != LogLevel.WARN || !lines.get(0).message().startsWith(LIMIT_WARNING_PREFIX))) {
                    return Optional.of("expected the limit warning at WARN starting '" + LIMIT_WARNING_PREFIX + "' (LIM-6, ERR-5), got "
                            + lines.get(0).level() + " '" + lines.get(0).message() + "'");
                }
                return Optional.empty();
            });

    private static final List<Property> ALL = List.of(RESPONSE_NEVER_WAITS, REJECTION_KEEPS_RESPONSE, FAIL_OPEN_EXACTLY_WHEN,
            ORIGIN_GETS_UNREAD_REMAINDER, RESPONSE_AS_DECIDED, REJECTION_SPARES_SIBLINGS, INVOCATION_END_EXACTLY, DRAIN_ENDS_EXACTLY,
            BEACONS_EXACTLY, EVERY_TASK_ENDS_ONCE, OUTCOME_FOLLOWS_THE_END, ONE_WARNING_AT_THE_LIMIT);

    /** The whole catalogue, in checking order. */
    public static List<Property> all() {
        return ALL;
    }

    /** The properties that apply to targets without an invocation record (over HTTP). */
    public static List<Property> observableOverHttp() {
        return ALL.stream().filter(p -> !p.inProcessOnly()).toList();
    }

    // ------------------------------------------------------------------ helpers

    private static Observation only(List<Observation> observations) {
        if (observations.size() != 1) {
            throw new IllegalArgumentException("expected one observation (one invocation), got " + observations.size());
        }
        return observations.get(0);
    }

    private static InvocationRecord record(Observation o) {
        return o.record().orElse(null);
    }

    private static long ms(Instant start, Instant at) {
        return Duration.between(start, at).toMillis();
    }

    static String key(InvocationRecord r, TaskRecord t) {
        return new ScheduleModel.ExpectedTask("", ms(r.startedAt(), t.registeredAt()),
                t.settledAt() == null ? null : ms(r.startedAt(), t.settledAt()), t.result()).key();
    }

    private static List<String> taskKeys(InvocationRecord r) {
        return r.tasks().stream().map(t -> key(r, t)).toList();
    }

    private static String rejected(ScheduleModel model) {
        return model.tasks().stream().filter(t -> t.result() == TaskResult.REJECTED).map(ScheduleModel.ExpectedTask::tag).toList().toString();
    }

    private static boolean pendingAtSomeOf(ScheduleModel.ExpectedTask t, List<Long> instants) {
        return instants.stream().anyMatch(at -> t.registeredAtMs() <= at && (t.settledAtMs() == null || t.settledAtMs() > at));
    }

    private static String firstDifference(byte[] expected, byte[] actual) {
        int n = Math.min(expected.length, actual.length);
        for (int i = 0; i < n; i++) {
            if (expected[i] != actual[i]) {
                return ", first difference at byte " + i + " (expected '" + new String(expected, i, Math.min(8, expected.length - i), StandardCharsets.US_ASCII)
                        + "…', got '" + new String(actual, i, Math.min(8, actual.length - i), StandardCharsets.US_ASCII) + "…')";
            }
        }
        return expected.length == actual.length ? "" : ", equal for the first " + n + " byte(s)";
    }

    private static String drainReason(ScheduleModel model) {
        return switch (model.finishReason()) {
            case DRAINED -> model.finishedAtMs() == model.invocationEndMs() ? "no task pending at invocation end (WU-11)"
                    : "when the last pending task settled, nested registrations included (WU-11)";
            case LIMIT -> "the limit of " + model.limitMs().orElse(-1L) + " ms after invocation end at +" + model.invocationEndMs() + " ms (LIM-4)";
            case ABORTED -> "the abort ends the drain at once (ABT-2)";
            case SHUTDOWN -> "shutdown";
        };
    }

    private static String outcomeReason(ScheduleModel model) {
        String kind = model.isFetch() ? "fetch" : "scheduled";
        return switch (model.outcome()) {
            case OK -> model.isFetch() ? "a fetch handler that responded; task failures do not count (WU-9, EVT-2)"
                    : "a scheduled event with no failure";
            case EXCEPTION -> model.isFetch() ? "an exception of the handler stage, fail-open, a body error or an abort (ERR-6, ABT-5, PT-9)"
                    : "a scheduled event's first failure: its handler or a task (EVT-1)";
            case CANCELED -> "a " + kind + " event cut off by the limit with no failure before (EVT-1)";
            default -> model.outcome().wireName().toLowerCase(Locale.ROOT);
        };
    }
}
