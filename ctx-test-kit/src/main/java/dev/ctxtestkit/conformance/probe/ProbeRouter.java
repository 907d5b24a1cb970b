package dev.ctxtestkit.conformance.probe;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.ScenarioJson;
import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The probe worker served over HTTP (spec section 16): each request carries its scenario in
 * {@value #SCENARIO_HEADER} (base64url of the scenario's JSON) and its run in {@value JavaProbe#RUN_HEADER}; requests of
 * one run share one {@link JavaProbe}, whose fields are the run's module-level state. A request without a scenario gets
 * {@code 400} saying what a probe request looks like. The same protocol is what a JavaScript probe implements.
 */
public final class ProbeRouter implements FetchHandler {
    /** The header carrying the scenario: base64url (no padding) of its JSON form. */
    public static final String SCENARIO_HEADER = "x-ctx-scenario";
    private static final int MAX_RUNS = 256;

    private final Map<String, JavaProbe> runs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JavaProbe> eldest) {
            return size() > MAX_RUNS;
        }
    };

    /** Encodes a scenario for {@value #SCENARIO_HEADER}. */
    public static String encode(Scenario scenario) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(ScenarioJson.toJson(scenario).getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes {@value #SCENARIO_HEADER}. */
    public static Scenario decode(String header) {
        return ScenarioJson.fromJson(new String(Base64.getUrlDecoder().decode(header), StandardCharsets.UTF_8));
    }

    @Override
    public CompletionStage<Response> fetch(Request request, Env env, Context ctx) throws Exception {
        String encoded = request.headers().get(SCENARIO_HEADER);
        if (encoded == null) {
            return CompletableFuture.completedFuture(Response.text(400, "this is the ctx-test-kit probe worker: send a scenario in the "
                    + SCENARIO_HEADER + " header (base64url of its JSON) and a run id in " + JavaProbe.RUN_HEADER + "\n"));
        }
        Scenario scenario;
        try {
            scenario = decode(encoded);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Response.text(400, "bad " + SCENARIO_HEADER + ": " + e.getMessage() + "\n"));
        }
        String run = request.headers().get(JavaProbe.RUN_HEADER);
        JavaProbe probe;
        synchronized (runs) {
            probe = run == null ? new JavaProbe(scenario) : runs.computeIfAbsent(run, id -> new JavaProbe(scenario, id));
        }
        return probe.fetch(request, env, ctx);
    }
}
