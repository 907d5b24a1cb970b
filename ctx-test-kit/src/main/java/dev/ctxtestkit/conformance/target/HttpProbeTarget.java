package dev.ctxtestkit.conformance.target;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.probe.JavaProbe;
import dev.ctxtestkit.conformance.probe.ProbeRouter;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.ScenarioHorizon;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.awaitility.Awaitility;

/**
 * A runtime that serves the probe worker over HTTP, observed black-box (spec section 16): each scenario is sent in
 * the request ({@link ProbeRouter#SCENARIO_HEADER}), with a run id that its beacons carry back to a shared
 * {@link RecordingOrigin}. Times are on this client's clock. After the last request it waits the scenario's
 * {@linkplain ScenarioHorizon horizon} in real time, because only then can it say that a beacon never arrives.
 */
public abstract class HttpProbeTarget implements ConformanceTarget {
    /** What the horizon is padded with, for loopback jitter. */
    static final Duration MARGIN = Duration.ofMillis(500);

    private final OkHttpClient client = new OkHttpClient.Builder()
            .followRedirects(false)
            .retryOnConnectionFailure(false)
            // Shorter than any server's idle timeout, so a long horizon never leaves a stale pooled connection behind.
            .connectionPool(new okhttp3.ConnectionPool(4, 5, java.util.concurrent.TimeUnit.SECONDS))
            .readTimeout(Duration.ofSeconds(60))
            .build();
    private final Clock clock = Clock.systemUTC();

    /** Where the probe is served whose fail-open origin behaves as {@code mode} says. */
    protected abstract URI probeUrl(Scenario.OriginSpec.Mode mode) throws Exception;

    private mockwebserver3.MockWebServer originServer;
    private RecordingOrigin recorder;

    /** Where the mock origin listens: a free loopback port unless a subclass says otherwise. */
    protected java.net.InetSocketAddress originBindAddress() throws Exception {
        return new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
    }

    /** The origin the probe's beacons and fail-open requests reach, started on first use. */
    protected final synchronized RecordingOrigin recordingOrigin() throws Exception {
        if (originServer == null) {
            recorder = new RecordingOrigin(Clock.systemUTC(), Scenario.OriginSpec.mock());
            originServer = new mockwebserver3.MockWebServer();
            originServer.setDispatcher(recorder);
            java.net.InetSocketAddress address = originBindAddress();
            originServer.start(address.getAddress(), address.getPort());
        }
        return recorder;
    }

    /** The mock origin's port (starting it if needed). */
    protected final synchronized int originPort() throws Exception {
        recordingOrigin();
        return originServer.getPort();
    }

    /** The limit after invocation end in this target's profile; empty when unlimited. */
    protected abstract Optional<Duration> limit();

    @Override
    public List<Observation> run(Scenario scenario) throws Exception {
        if (scenario.event() != Scenario.Event.FETCH) {
            throw new UnsupportedOperationException("an HTTP target can only deliver fetch events; '" + scenario.name() + "' is " + scenario.event());
        }
        URI probe = probeUrl(scenario.origin().mode());
        RecordingOrigin origin = recordingOrigin();
        String run = UUID.randomUUID().toString();
        origin.startRun(run, scenario.origin());
        List<Instant> starts = new ArrayList<>();
        List<Observation.ClientView> views = new ArrayList<>();
        List<RecordingOrigin.Arrival> arrivals;
        try {
            for (int i = 1; i <= scenario.invocations(); i++) {
                Instant start = clock.instant();
                starts.add(start);
                views.add(send(probe, scenario, run, start));
            }
            Duration horizon = ScenarioHorizon.of(scenario, limit()).plus(MARGIN);
            Instant quietAfter = clock.instant().plus(horizon);
            // Absence of a beacon can only be shown by waiting out the scenario's horizon.
            Awaitility.await("the horizon of scenario " + scenario.name()).pollInterval(Duration.ofMillis(50))
                    .atMost(horizon.plusSeconds(5)).until(() -> !clock.instant().isBefore(quietAfter));
        } finally {
            arrivals = origin.endRun(run);
        }
        return observations(views, starts, arrivals);
    }

    private static List<Observation> observations(List<Observation.ClientView> views, List<Instant> starts, List<RecordingOrigin.Arrival> arrivals) {
        List<Observation> observations = new ArrayList<>();
        for (int i = 0; i < views.size(); i++) {
            Instant start = starts.get(i);
            Instant next = i + 1 < starts.size() ? starts.get(i + 1) : Instant.MAX;
            List<Observation.OriginRequest> mine = arrivals.stream()
                    .filter(a -> !a.at().isBefore(start) && a.at().isBefore(next))
                    .map(a -> a.relativeTo(start)).toList();
            observations.add(new Observation(i + 1, views.get(i), mine, Optional.empty()));
        }
        return observations;
    }

    private Observation.ClientView send(URI probe, Scenario scenario, String run, Instant start) throws IOException {
        Scenario.RequestSpec spec = scenario.request();
        Request.Builder request = new Request.Builder().url(probe.toString() + spec.path());
        spec.headers().forEach(request::header);
        request.header(ProbeRouter.SCENARIO_HEADER, ProbeRouter.encode(scenario));
        request.header(JavaProbe.RUN_HEADER, run);
        byte[] body = spec.body();
        RequestBody requestBody = null;
        if (body.length > 0) {
            requestBody = spec.chunked() ? streamed(body) : RequestBody.create(body);
        } else if (java.util.Set.of("POST", "PUT", "PATCH").contains(spec.method())) {
            requestBody = RequestBody.create(new byte[0]);
        }
        request.method(spec.method(), requestBody);
        okhttp3.Call call = client.newCall(request.build());
        if (spec.disconnectAfterMs() >= 0) {
            return disconnecting(call, spec.disconnectAfterMs());
        }
        try (okhttp3.Response response = call.execute()) {
            long headersAt = Duration.between(start, clock.instant()).toMillis();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            response.headers().forEach(pair -> headers.computeIfAbsent(pair.getFirst().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(pair.getSecond()));
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            boolean truncated = false;
            try (InputStream in = response.body().byteStream()) {
                in.transferTo(received);
            } catch (IOException e) {
                truncated = true; // the connection ended before the body did (PT-4)
            }
            return new Observation.ClientView(response.code(), headers, received.toByteArray(), truncated, headersAt,
                    Duration.between(start, clock.instant()).toMillis());
        }
    }

    /** Sends the request and goes away after {@code ms}, whatever came back by then (ERR-8). */
    private static Observation.ClientView disconnecting(okhttp3.Call call, long ms) {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ctx-client-disconnect");
            t.setDaemon(true);
            return t;
        });
        try {
            timer.schedule(call::cancel, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
            try (okhttp3.Response response = call.execute()) {
                byte[] body = response.body().bytes();
                return new Observation.ClientView(response.code(), Map.of(), body, false, -1, -1);
            } catch (IOException cancelled) {
                return new Observation.ClientView(0, Map.of(), new byte[0], true, -1, -1);
            }
        } finally {
            timer.shutdownNow();
        }
    }

    private static RequestBody streamed(byte[] body) {
        return new RequestBody() {
            @Override
            public MediaType contentType() {
                return null;
            }

            @Override
            public long contentLength() {
                return -1;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                for (int offset = 0; offset < body.length; offset += 16 * 1024) {
                    sink.write(body, offset, Math.min(16 * 1024, body.length - offset));
                    sink.flush();
                }
            }
        };
    }

    @Override
    public void close() throws Exception {
        synchronized (this) {
            if (originServer != null) {
                originServer.close();
                originServer = null;
            }
        }
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
