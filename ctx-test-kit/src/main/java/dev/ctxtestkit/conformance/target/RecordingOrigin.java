package dev.ctxtestkit.conformance.target;

import dev.ctxtestkit.conformance.Observation.OriginRequest;
import dev.ctxtestkit.conformance.probe.JavaProbe;
import dev.ctxtestkit.conformance.scenario.Scenario;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * The mock origin's brain (section 16 of the spec): records every request with its arrival time on a clock, answers
 * beacons with {@code 204}, and answers everything else (fail-open requests) with the scenario's recognisable status,
 * the {@value Scenario.OriginSpec#MARKER_HEADER} header and its body.
 */
public final class RecordingOrigin extends Dispatcher {
    private final Clock clock;
    private final Scenario.OriginSpec spec;
    private final List<OriginRequest> received = new ArrayList<>();
    private final Map<String, Scenario.OriginSpec> runSpecs = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, List<Arrival>> runs = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Instant since;

    /** A request of a run, with its arrival instant; made into an {@link OriginRequest} once the run's timeline is known. */
    public record Arrival(Instant at, String method, String target, Map<String, List<String>> headers, byte[] body, String beaconTag) {
        public OriginRequest relativeTo(Instant start) {
            return new OriginRequest(method, target, headers, body, Duration.between(start, at).toMillis(), beaconTag);
        }
    }

    public RecordingOrigin(Clock clock, Scenario.OriginSpec spec) {
        this.clock = clock;
        this.spec = spec;
        this.since = clock.instant();
    }

    /** Times from now on are relative to {@code start}. */
    public void startInvocation(Instant start) {
        this.since = start;
    }

    /**
     * Starts recording the requests that carry {@code x-ctx-run: runId} separately, answered as {@code spec} says: how
     * several runs share one origin (over HTTP).
     */
    public void startRun(String runId, Scenario.OriginSpec runSpec) {
        runSpecs.put(runId, runSpec);
        runs.put(runId, java.util.Collections.synchronizedList(new ArrayList<>()));
    }

    /** Stops recording {@code runId} and returns what arrived for it, in order. */
    public List<Arrival> endRun(String runId) {
        runSpecs.remove(runId);
        List<Arrival> arrivals = runs.remove(runId);
        if (arrivals == null) {
            return List.of();
        }
        synchronized (arrivals) {
            return List.copyOf(arrivals);
        }
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String target = request.getTarget();
        String tag = target.startsWith(JavaProbe.BEACON_PREFIX) ? target.substring(JavaProbe.BEACON_PREFIX.length()) : null;
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.getHeaders().forEach(pair -> headers.computeIfAbsent(pair.getFirst().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(pair.getSecond()));
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
        Instant now = clock.instant();
        List<String> runHeader = headers.get(JavaProbe.RUN_HEADER);
        String run = runHeader == null ? null : runHeader.get(0);
        List<Arrival> runArrivals = run == null ? null : runs.get(run);
        Scenario.OriginSpec answer = spec;
        if (runArrivals != null) {
            runArrivals.add(new Arrival(now, request.getMethod(), target, headers, body, tag));
            answer = runSpecs.getOrDefault(run, spec);
        } else {
            synchronized (received) {
                received.add(new OriginRequest(request.getMethod(), target, headers, body, Duration.between(since, now).toMillis(), tag));
            }
        }
        if (tag != null) {
            return new MockResponse.Builder().code(204).build();
        }
        return new MockResponse.Builder()
                .code(answer.status() == 0 ? 299 : answer.status())
                .setHeader(Scenario.OriginSpec.MARKER_HEADER, "1")
                .body(answer.body())
                .build();
    }

    /** What arrived since the last call, in arrival order. */
    public List<OriginRequest> takeReceived() {
        synchronized (received) {
            List<OriginRequest> copy = List.copyOf(received);
            received.clear();
            return copy;
        }
    }
}
