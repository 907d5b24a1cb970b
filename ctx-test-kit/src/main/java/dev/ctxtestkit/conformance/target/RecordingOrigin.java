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
    private volatile Instant since;

    public RecordingOrigin(Clock clock, Scenario.OriginSpec spec) {
        this.clock = clock;
        this.spec = spec;
        this.since = clock.instant();
    }

    /** Times from now on are relative to {@code start}. */
    public void startInvocation(Instant start) {
        this.since = start;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String target = request.getTarget();
        String tag = target.startsWith(JavaProbe.BEACON_PREFIX) ? target.substring(JavaProbe.BEACON_PREFIX.length()) : null;
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.getHeaders().forEach(pair -> headers.computeIfAbsent(pair.getFirst().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(pair.getSecond()));
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
        long at = Duration.between(since, clock.instant()).toMillis();
        synchronized (received) {
            received.add(new OriginRequest(request.getMethod(), target, headers, body, at, tag));
        }
        if (tag != null) {
            return new MockResponse.Builder().code(204).build();
        }
        return new MockResponse.Builder()
                .code(spec.status() == 0 ? 299 : spec.status())
                .setHeader(Scenario.OriginSpec.MARKER_HEADER, "1")
                .body(spec.body())
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
