package dev.ctxtestkit.conformance.target;

import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.workerd.WorkerdBinary;
import dev.ctxtestkit.workerd.WorkerdProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Real workerd, black-box (spec section 16): the JavaScript probe worker ({@code probe.mjs}, the same protocol as the
 * Java {@code ProbeRouter}) served twice, once with the mock origin as its {@code globalOutbound} (fail-open target
 * and beacon sink) and once with a closed port (PT-8's refused fallback). Profile {@code standalone}: no limit.
 * Needs the workerd binary ({@link WorkerdBinary}); the process starts on first use and stops on {@link #close()}.
 */
public final class WorkerdTarget extends HttpProbeTarget {
    /** The probe worker's source, on the classpath. */
    public static final String PROBE_RESOURCE = "/dev/ctxtestkit/workerd/probe.mjs";

    private WorkerdProcess workerd;

    @Override
    public String name() {
        return "workerd";
    }

    @Override
    public Language language() {
        return Language.JS;
    }

    @Override
    public Profile profile() {
        return Profile.STANDALONE;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.noneOf(Capability.class);
    }

    @Override
    protected Optional<Duration> limit() {
        return Optional.empty(); // LIM-3: standalone workerd has none
    }

    @Override
    public Optional<String> unavailableReason() {
        return WorkerdBinary.find().isPresent() ? Optional.empty() : Optional.of(WorkerdBinary.HOW_TO_INSTALL);
    }

    @Override
    public Duration scenarioTimeout() {
        return Duration.ofMinutes(2);
    }

    @Override
    protected synchronized URI probeUrl(Scenario.OriginSpec.Mode mode) throws Exception {
        start();
        return switch (mode) {
            case MOCK -> URI.create(workerd.url("probe"));
            case REFUSED -> URI.create(workerd.url("probe-refused"));
            case NONE -> throw new UnsupportedOperationException("workerd always has a fail-open target (its globalOutbound); "
                    + "'no origin configured' is a Java-reference case (PT-12)");
        };
    }

    /** The workerd process, started on first use (for its log). */
    public synchronized WorkerdProcess process() throws Exception {
        start();
        return workerd;
    }

    private void start() throws Exception {
        if (workerd != null) {
            if (!workerd.isAlive()) {
                throw new IllegalStateException("workerd has exited; its output:\n" + workerd.log());
            }
            return;
        }
        String probe = probeSource();
        workerd = WorkerdProcess.builder()
                .external("origin", "127.0.0.1:" + originPort())
                .external("closed", "127.0.0.1:" + ReferenceTarget.closedPort())
                .worker("probe", "probe.mjs", probe, "origin", Map.of("BEACONS", "origin"), WorkerdProcess.DEFAULT_COMPATIBILITY_DATE)
                // fail-open refused, beacons still delivered (through the BEACONS binding)
                .worker("probe-refused", "probe.mjs", probe, "closed", Map.of("BEACONS", "origin"), WorkerdProcess.DEFAULT_COMPATIBILITY_DATE)
                .start();
    }

    static String probeSource() throws IOException {
        try (InputStream in = WorkerdTarget.class.getResourceAsStream(PROBE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the probe worker " + PROBE_RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public synchronized void close() throws Exception {
        try {
            if (workerd != null) {
                workerd.close();
            }
        } finally {
            workerd = null;
            super.close();
        }
    }
}
