package dev.ctxtestkit.conformance.scenario;

import dev.ctxtestkit.conformance.internal.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON form of a {@link Scenario}: what a probe worker receives over HTTP. Field names are camelCase; enums are
 * lower case; a step is an object with an {@code op} field. {@code fromJson(toJson(s))} equals {@code s}.
 */
public final class ScenarioJson {
    private ScenarioJson() {
    }

    public static String toJson(Scenario s) {
        return Json.write(toMap(s));
    }

    public static Map<String, Object> toMap(Scenario s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("event", lower(s.event()));
        m.put("form", lower(s.form()));
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("method", s.request().method());
        request.put("path", s.request().path());
        request.put("headers", new LinkedHashMap<>(s.request().headers()));
        request.put("bodyBytes", s.request().bodyBytes());
        request.put("chunked", s.request().chunked());
        request.put("disconnectAfterMs", s.request().disconnectAfterMs());
        m.put("request", request);
        m.put("props", new LinkedHashMap<>(s.props()));
        m.put("limit", s.limit());
        Map<String, Object> origin = new LinkedHashMap<>();
        origin.put("mode", lower(s.origin().mode()));
        origin.put("status", s.origin().status());
        origin.put("body", s.origin().body());
        m.put("origin", origin);
        m.put("invocations", s.invocations());
        List<Object> steps = new ArrayList<>();
        for (Step step : s.steps()) {
            steps.add(step(step));
        }
        m.put("steps", steps);
        return m;
    }

    /**
     * @throws IllegalArgumentException naming the field, for malformed or incomplete input
     */
    public static Scenario fromJson(String json) {
        return fromMap(Json.parseObject(json));
    }

    public static Scenario fromMap(Map<String, Object> m) {
        Map<String, Object> request = map(m, "request");
        Map<String, Object> origin = map(m, "origin");
        List<Step> steps = new ArrayList<>();
        for (Object o : list(m, "steps")) {
            steps.add(step(asMap(o, "steps[]")));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        map(request, "headers").forEach((k, v) -> headers.put(k, String.valueOf(v)));
        return new Scenario(
                string(m, "name"),
                enumOf(Scenario.Event.class, string(m, "event")),
                enumOf(Scenario.Form.class, string(m, "form")),
                new Scenario.RequestSpec(string(request, "method"), string(request, "path"), headers,
                        (int) number(request, "bodyBytes"), bool(request, "chunked"),
                        request.containsKey("disconnectAfterMs") ? number(request, "disconnectAfterMs") : -1),
                map(m, "props"),
                m.get("limit") == null ? null : String.valueOf(m.get("limit")),
                new Scenario.OriginSpec(enumOf(Scenario.OriginSpec.Mode.class, string(origin, "mode")),
                        (int) number(origin, "status"), string(origin, "body")),
                (int) number(m, "invocations"),
                steps);
    }

    private static Map<String, Object> step(Step step) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (step instanceof Step.PassThrough) {
            m.put("op", "passThrough");
        } else if (step instanceof Step.WaitUntil w) {
            m.put("op", "waitUntil");
            m.put("task", task(w.task()));
        } else if (step instanceof Step.WaitUntilMany w) {
            m.put("op", "waitUntilMany");
            m.put("tag", w.tag());
            m.put("count", w.count());
            m.put("delayMs", w.delayMs());
        } else if (step instanceof Step.WaitUntilNull) {
            m.put("op", "waitUntilNull");
        } else if (step instanceof Step.Sleep s) {
            m.put("op", "sleep");
            m.put("ms", s.ms());
        } else if (step instanceof Step.ReadBody r) {
            m.put("op", "readBody");
            m.put("mode", lower(r.mode()));
            m.put("bytes", r.bytes());
        } else if (step instanceof Step.Throw t) {
            m.put("op", "throw");
            m.put("message", t.message());
            m.put("async", t.async());
        } else if (step instanceof Step.Abort a) {
            m.put("op", "abort");
            m.put("reason", a.reason());
        } else if (step instanceof Step.Beacon b) {
            m.put("op", "beacon");
            m.put("tag", b.tag());
        } else if (step instanceof Step.SetTimeout t) {
            m.put("op", "setTimeout");
            m.put("ms", t.ms());
            m.put("tag", t.tag());
        } else if (step instanceof Step.Log l) {
            m.put("op", "log");
            m.put("level", l.level());
            m.put("message", l.message());
        } else if (step instanceof Step.SaveCtx) {
            m.put("op", "saveCtx");
        } else if (step instanceof Step.UseSavedCtx) {
            m.put("op", "useSavedCtx");
        } else if (step instanceof Step.ReleaseHeld) {
            m.put("op", "releaseHeld");
        } else if (step instanceof Step.Hang) {
            m.put("op", "hang");
        } else if (step instanceof Step.Respond r) {
            m.put("op", "respond");
            m.put("status", r.status());
            m.put("body", r.body());
            m.put("text", r.text());
            m.put("chunks", r.chunks());
            m.put("chunkDelayMs", r.chunkDelayMs());
            m.put("errorAfter", r.errorAfter());
            m.put("taskWhileStreaming", r.taskWhileStreaming() == null ? null : task(r.taskWhileStreaming()));
        }
        m.put("invocation", step.invocation());
        return m;
    }

    private static Step step(Map<String, Object> m) {
        String op = string(m, "op");
        int inv = m.containsKey("invocation") ? (int) number(m, "invocation") : 0;
        return switch (op) {
            case "passThrough" -> new Step.PassThrough(inv);
            case "waitUntil" -> new Step.WaitUntil(task(map(m, "task")), inv);
            case "waitUntilMany" -> new Step.WaitUntilMany(string(m, "tag"), (int) number(m, "count"), number(m, "delayMs"), inv);
            case "waitUntilNull" -> new Step.WaitUntilNull(inv);
            case "sleep" -> new Step.Sleep(number(m, "ms"), inv);
            case "readBody" -> new Step.ReadBody(enumOf(Step.ReadBody.Mode.class, string(m, "mode")), (int) number(m, "bytes"), inv);
            case "throw" -> new Step.Throw(string(m, "message"), bool(m, "async"), inv);
            case "abort" -> new Step.Abort((String) m.get("reason"), inv);
            case "beacon" -> new Step.Beacon(string(m, "tag"), inv);
            case "setTimeout" -> new Step.SetTimeout(number(m, "ms"), string(m, "tag"), inv);
            case "log" -> new Step.Log(string(m, "level"), string(m, "message"), inv);
            case "saveCtx" -> new Step.SaveCtx(inv);
            case "useSavedCtx" -> new Step.UseSavedCtx(inv);
            case "releaseHeld" -> new Step.ReleaseHeld(inv);
            case "hang" -> new Step.Hang(inv);
            case "respond" -> new Step.Respond((int) number(m, "status"), string(m, "body"), (String) m.get("text"),
                    (int) number(m, "chunks"), number(m, "chunkDelayMs"), (int) number(m, "errorAfter"),
                    m.get("taskWhileStreaming") == null ? null : task(map(m, "taskWhileStreaming")), inv);
            default -> throw new IllegalArgumentException("unknown step op '" + op + "'");
        };
    }

    private static Map<String, Object> task(TaskSpec t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tag", t.tag());
        m.put("delayMs", t.delayMs());
        m.put("outcome", lower(t.outcome()));
        m.put("message", t.message());
        m.put("beacon", t.beacon());
        m.put("finallyBeacon", t.finallyBeacon());
        m.put("readBody", t.readBody());
        m.put("abort", t.abort());
        List<Object> children = new ArrayList<>();
        t.children().forEach(c -> children.add(task(c)));
        m.put("children", children);
        return m;
    }

    private static TaskSpec task(Map<String, Object> m) {
        List<TaskSpec> children = new ArrayList<>();
        for (Object o : list(m, "children")) {
            children.add(task(asMap(o, "children[]")));
        }
        return new TaskSpec(string(m, "tag"), number(m, "delayMs"), enumOf(TaskSpec.Outcome.class, string(m, "outcome")),
                (String) m.get("message"), bool(m, "beacon"), bool(m, "finallyBeacon"), bool(m, "readBody"),
                bool(m, "abort"), children);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + value + "' is not one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }

    private static Object required(Map<String, Object> m, String key) {
        if (!m.containsKey(key)) {
            throw new IllegalArgumentException("scenario JSON: missing field '" + key + "'");
        }
        return m.get(key);
    }

    private static String string(Map<String, Object> m, String key) {
        Object v = required(m, key);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("scenario JSON: field '" + key + "' must be a string, got " + v);
        }
        return s;
    }

    private static long number(Map<String, Object> m, String key) {
        Object v = required(m, key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("scenario JSON: field '" + key + "' must be a number, got " + v);
        }
        return n.longValue();
    }

    private static boolean bool(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("scenario JSON: field '" + key + "' must be true or false, got " + v);
        }
        return b;
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return asMap(required(m, key), key);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object v, String key) {
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("scenario JSON: field '" + key + "' must be an object, got " + v);
        }
        return (Map<String, Object>) v;
    }

    private static List<Object> list(Map<String, Object> m, String key) {
        Object v = required(m, key);
        if (!(v instanceof List<?> l)) {
            throw new IllegalArgumentException("scenario JSON: field '" + key + "' must be an array, got " + v);
        }
        return new ArrayList<>(l);
    }
}
