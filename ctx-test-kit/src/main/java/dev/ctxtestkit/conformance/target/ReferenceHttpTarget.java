package dev.ctxtestkit.conformance.target;

import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.probe.ProbeRouter;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.runtime.server.WorkerServer;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Java reference runtime served over real HTTP by its {@link WorkerServer}, observed black-box exactly as a
 * JavaScript runtime would be: the probe protocol over HTTP, a MockWebServer as origin and beacon sink, real time.
 * One server per origin behaviour (mock, refused, none), started on first use and shared by the scenarios.
 */
public final class ReferenceHttpTarget extends HttpProbeTarget {
    private final Map<Scenario.OriginSpec.Mode, WorkerServer> servers = new EnumMap<>(Scenario.OriginSpec.Mode.class);

    @Override
    public String name() {
        return "reference (HTTP)";
    }

    @Override
    public Language language() {
        return Language.JAVA;
    }

    @Override
    public Profile profile() {
        return Profile.REFERENCE;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.noneOf(Capability.class);
    }

    @Override
    protected Optional<Duration> limit() {
        return Limit.DEFAULT.duration();
    }

    @Override
    protected synchronized URI probeUrl(Scenario.OriginSpec.Mode mode) throws Exception {
        WorkerServer server = servers.get(mode);
        if (server == null) {
            String originUrl = "http://127.0.0.1:" + originPort();
            WorkerInstance.Builder instance = WorkerInstance.builder(Worker.fetch(new ProbeRouter())).globalOutbound(originUrl);
            switch (mode) {
                case MOCK -> instance.origin(originUrl);
                case REFUSED -> instance.origin("http://127.0.0.1:" + ReferenceTarget.closedPort());
                case NONE -> { }
            }
            server = WorkerServer.builder(instance.build()).shutdownGrace(Duration.ofSeconds(1)).start();
            servers.put(mode, server);
        }
        return server.url();
    }

    @Override
    public Duration scenarioTimeout() {
        return Duration.ofMinutes(2);
    }

    @Override
    public synchronized void close() throws Exception {
        try {
            servers.values().forEach(WorkerServer::close);
            servers.clear();
        } finally {
            super.close();
        }
    }
}
