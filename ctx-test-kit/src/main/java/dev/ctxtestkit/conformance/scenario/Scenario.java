package dev.ctxtestkit.conformance.scenario;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a handler does, as data: the request it gets, the steps it runs, and the world around it (origin, limit,
 * props). Every target runs the same scenario: the Java reference in-process, the probe worker over HTTP. Its JSON
 * form ({@link ScenarioJson}) is what a JavaScript probe receives.
 *
 * @param limit       {@code null}: the target's default; {@code "unlimited"}; or milliseconds. Only targets whose
 *                    limit can be configured honour it.
 * @param invocations how many times the request is sent to the same worker instance, one after the other
 */
public record Scenario(String name, Event event, Form form, RequestSpec request, Map<String, Object> props, String limit,
                       OriginSpec origin, int invocations, List<Step> steps) {

    /** The kind of event. */
    public enum Event { FETCH, SCHEDULED }

    /** How the Java probe is written: an object with handlers, or a {@code WorkerEntrypoint} class (EVT-5). */
    public enum Form { OBJECT, CLASS }

    public Scenario {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(form, "form");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(origin, "origin");
        props = props == null ? Map.of() : Map.copyOf(props);
        steps = List.copyOf(steps);
        if (invocations < 1) {
            throw new IllegalArgumentException("scenario '" + name + "': invocations must be at least 1");
        }
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.event = event;
        b.form = form;
        b.request = request;
        b.props = new LinkedHashMap<>(props);
        b.limit = limit;
        b.origin = origin;
        b.invocations = invocations;
        b.steps.addAll(steps);
        return b;
    }

    /**
     * The request a scenario sends: {@code bodyBytes} bytes of {@link #bodyContent(int)}; with
     * {@code disconnectAfterMs >= 0} the client goes away that long after sending it (ERR-8), {@code -1}: it stays.
     */
    public record RequestSpec(String method, String path, Map<String, String> headers, int bodyBytes, boolean chunked,
                              long disconnectAfterMs) {
        public RequestSpec(String method, String path, Map<String, String> headers, int bodyBytes, boolean chunked) {
            this(method, path, headers, bodyBytes, chunked, -1);
        }

        public RequestSpec {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("request path must start with '/': " + path);
            }
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }

        public static RequestSpec get(String path) {
            return new RequestSpec("GET", path, Map.of(), 0, false);
        }

        public byte[] body() {
            return bodyContent(bodyBytes);
        }

        /** This request, with the client disconnecting {@code ms} after sending it. */
        public RequestSpec disconnectingAfter(long ms) {
            return new RequestSpec(method, path, headers, bodyBytes, chunked, ms);
        }
    }

    /** The deterministic body content of {@code length} bytes: a repeating printable pattern. */
    public static byte[] bodyContent(int length) {
        byte[] alphabet = "abcdefghijklmnopqrstuvwxyz0123456789".getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) {
            body[i] = alphabet[(i * 7 + i / 36) % alphabet.length];
        }
        return body;
    }

    /**
     * How the origin behaves: {@code MOCK} answers fail-open requests with {@code status}, {@code header} and
     * {@code body}; {@code REFUSED} is a closed port; {@code NONE} configures no origin (PT-12).
     */
    public record OriginSpec(Mode mode, int status, String body) {
        public enum Mode { MOCK, REFUSED, NONE }

        /** The header the mock origin adds to every fail-open answer, so a relayed response can be told apart. */
        public static final String MARKER_HEADER = "x-mock-origin";

        public static OriginSpec mock() {
            return new OriginSpec(Mode.MOCK, 299, "from-origin");
        }

        public static OriginSpec refused() {
            return new OriginSpec(Mode.REFUSED, 0, "");
        }

        public static OriginSpec none() {
            return new OriginSpec(Mode.NONE, 0, "");
        }
    }

    /** Builds scenarios; defaults: fetch, object form, {@code GET /}, mock origin, one invocation. */
    public static final class Builder {
        private final String name;
        private Event event = Event.FETCH;
        private Form form = Form.OBJECT;
        private RequestSpec request = RequestSpec.get("/");
        private Map<String, Object> props = new LinkedHashMap<>();
        private String limit;
        private OriginSpec origin = OriginSpec.mock();
        private int invocations = 1;
        private final List<Step> steps = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder event(Event value) {
            this.event = value;
            return this;
        }

        public Builder form(Form value) {
            this.form = value;
            return this;
        }

        public Builder request(RequestSpec value) {
            this.request = value;
            return this;
        }

        /** {@code method path} with a body of {@code bodyBytes} bytes sent with {@code Content-Length}. */
        public Builder request(String method, String path, int bodyBytes) {
            this.request = new RequestSpec(method, path, Map.of(), bodyBytes, false);
            return this;
        }

        public Builder props(Map<String, Object> value) {
            this.props = new LinkedHashMap<>(value);
            return this;
        }

        public Builder limit(String value) {
            this.limit = value;
            return this;
        }

        public Builder origin(OriginSpec value) {
            this.origin = value;
            return this;
        }

        public Builder invocations(int value) {
            this.invocations = value;
            return this;
        }

        public Builder step(Step step) {
            steps.add(step);
            return this;
        }

        public Builder passThrough() {
            return step(new Step.PassThrough(0));
        }

        public Builder waitUntil(TaskSpec task) {
            return step(new Step.WaitUntil(task, 0));
        }

        public Builder sleep(long ms) {
            return step(new Step.Sleep(ms, 0));
        }

        /** Await something that never settles (ERR-3). */
        public Builder hang() {
            return step(new Step.Hang(0));
        }

        public Builder readBody(Step.ReadBody.Mode mode, int bytes) {
            return step(new Step.ReadBody(mode, bytes, 0));
        }

        public Builder throwError(String message) {
            return step(new Step.Throw(message, false, 0));
        }

        public Builder throwAsync(String message) {
            return step(new Step.Throw(message, true, 0));
        }

        public Builder abort(String reason) {
            return step(new Step.Abort(reason, 0));
        }

        public Builder beacon(String tag) {
            return step(new Step.Beacon(tag, 0));
        }

        public Builder respond(Step.Respond respond) {
            return step(respond);
        }

        public Builder log(String level, String message) {
            return step(new Step.Log(level, message, 0));
        }

        public Scenario build() {
            return new Scenario(name, event, form, request, props, limit, origin, invocations, steps);
        }
    }
}
