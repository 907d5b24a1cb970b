package dev.ctxtestkit.conformance.target;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.probe.JavaProbe;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.runtime.ByteSource;
import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.ScheduledEvent;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.runtime.internal.InvocationFactory;
import dev.ctxtestkit.testkit.VirtualClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import mockwebserver3.MockWebServer;

/**
 * The Java reference runtime, in-process, under a {@link VirtualClock}: the default target. Each scenario gets a
 * fresh worker instance running the {@link JavaProbe}, and a real MockWebServer on loopback as origin and beacon
 * sink. A 30-second limit costs no real time; the only real waits are for loopback HTTP, each bounded.
 */
public class ReferenceTarget implements ConformanceTarget {
    /** The host the scenario's requests name. */
    public static final String WORKER_HOST = "worker.test";

    private final String name;
    private final InvocationFactory invocations;

    public ReferenceTarget() {
        this("reference (in-process)", InvocationFactory.DEFAULT);
    }

    /** A reference target whose invocations come from {@code invocations}: how the mutants are built. */
    public ReferenceTarget(String name, InvocationFactory invocations) {
        this.name = name;
        this.invocations = invocations;
    }

    @Override
    public String name() {
        return name;
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
        return EnumSet.of(Capability.INVOCATION_RECORD, Capability.CONFIGURABLE_LIMIT, Capability.CALLER_PROPS);
    }

    @Override
    public List<Observation> run(Scenario scenario) throws Exception {
        VirtualClock clock = new VirtualClock();
        RecordingOrigin origin = new RecordingOrigin(clock, scenario.origin());
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(origin);
            server.start(InetAddress.getLoopbackAddress(), 0);
            String serverUrl = "http://127.0.0.1:" + server.getPort();
            WorkerInstance.Builder builder = WorkerInstance.builder(new JavaProbe(scenario).worker())
                    .eventLoop(clock)
                    .globalOutbound(serverUrl)
                    .limit(limitOf(scenario))
                    .invocationFactory(invocations);
            switch (scenario.origin().mode()) {
                case MOCK -> builder.origin(serverUrl);
                case REFUSED -> builder.origin("http://127.0.0.1:" + closedPort());
                case NONE -> { }
            }
            List<Observation> observations = new ArrayList<>();
            try (WorkerInstance instance = builder.build()) {
                for (int i = 1; i <= scenario.invocations(); i++) {
                    Instant start = clock.instant();
                    origin.startInvocation(start);
                    Invocation invocation = scenario.event() == Scenario.Event.FETCH
                            ? instance.fetch(incoming(scenario.request()), scenario.props())
                            : instance.scheduled(new ScheduledEvent(start, "* * * * *"));
                    long disconnect = scenario.request().disconnectAfterMs();
                    if (disconnect >= 0 && invocation instanceof dev.ctxtestkit.runtime.internal.InvocationImpl impl) {
                        clock.schedule(Duration.ofMillis(disconnect), () -> impl.clientDisconnected(new java.io.IOException("the client disconnected")));
                    }
                    clock.runUntilIdle();
                    observations.add(new Observation(i, clientView(invocation, scenario, start), origin.takeReceived(),
                            Optional.ofNullable(now(invocation.finished()))));
                }
            }
            return observations;
        }
    }

    private static Observation.ClientView clientView(Invocation invocation, Scenario scenario, Instant start) {
        if (scenario.event() != Scenario.Event.FETCH) {
            return new Observation.ClientView(0, java.util.Map.of(), new byte[0], false, -1, -1);
        }
        ClientResponse response = now(invocation.response());
        if (response == null) {
            return new Observation.ClientView(0, java.util.Map.of(), new byte[0], true, -1, -1);
        }
        return new Observation.ClientView(response.status(), response.headers().toMultimap(), response.body(),
                response.truncated(), Duration.between(start, response.headersAt()).toMillis(),
                Duration.between(start, response.completedAt()).toMillis());
    }

    private static <T> T now(CompletionStage<T> stage) {
        CompletableFuture<T> future = stage.toCompletableFuture();
        return future.isDone() && !future.isCompletedExceptionally() ? future.join() : null;
    }

    static IncomingRequest incoming(Scenario.RequestSpec spec) {
        Headers headers = new Headers();
        headers.set("host", WORKER_HOST);
        spec.headers().forEach(headers::set);
        byte[] body = spec.body();
        ByteSource source;
        if (spec.chunked()) {
            headers.set("transfer-encoding", "chunked");
            ByteSource known = ByteSource.of(body, 16 * 1024);
            source = new ByteSource() {
                @Override
                public CompletionStage<byte[]> read(int maxBytes) {
                    return known.read(maxBytes);
                }

                @Override
                public long length() {
                    return -1;
                }
            };
        } else {
            if (body.length > 0) {
                headers.set("content-length", Integer.toString(body.length));
            }
            source = ByteSource.of(body, 16 * 1024);
        }
        return new IncomingRequest(spec.method(), "http://" + WORKER_HOST + spec.path(), headers, source);
    }

    static Limit limitOf(Scenario scenario) {
        return scenario.limit() == null ? Limit.DEFAULT : Limit.parse(scenario.limit());
    }

    /** A loopback port with nothing listening (PT-8's refused fallback). */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public String toString() {
        return name;
    }

}
