package dev.ctxtestkit.runtime;

import dev.ctxtestkit.runtime.internal.LazyHttpClient;
import dev.ctxtestkit.runtime.internal.InvocationFactory;
import dev.ctxtestkit.runtime.internal.InvocationImpl;
import dev.ctxtestkit.runtime.internal.RuntimeConfig;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running instance of a {@link Worker}: its event loop (CTX-8), its bindings, the fail-open origin and the limit.
 * Dispatch events with {@link #fetch} and {@link #scheduled}; each call starts one invocation. Close it to release
 * its threads and connections.
 *
 * <pre>{@code
 * try (WorkerInstance instance = WorkerInstance.builder(worker).origin("http://127.0.0.1:8081").build()) {
 *     Invocation invocation = instance.fetch(IncomingRequest.get("http://worker.test/"));
 *     InvocationRecord record = invocation.finished().toCompletableFuture().get(40, SECONDS);
 * }
 * }</pre>
 */
public final class WorkerInstance implements AutoCloseable {
    private final Worker worker;
    private final RuntimeConfig config;
    private final InvocationFactory invocations;
    private final AutoCloseable ownedLoop;
    private final AtomicLong ids = new AtomicLong();
    private final java.util.Set<InvocationImpl> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private WorkerInstance(Builder builder) {
        this.worker = builder.worker;
        EventLoop loop = builder.loop;
        RealTimeEventLoop owned = null;
        if (loop == null) {
            owned = new RealTimeEventLoop();
            loop = owned;
        }
        this.ownedLoop = owned;
        LazyHttpClient http = LazyHttpClient.withTimeout(builder.outboundTimeout);
        this.config = new RuntimeConfig(loop, builder.origin, builder.globalOutbound, builder.limit,
                Map.copyOf(builder.bindings), http, builder.captureSites, builder.hangDetection);
        this.invocations = builder.invocationFactory;
    }

    public static Builder builder(Worker worker) {
        return new Builder(worker);
    }

    /** Dispatches a request with no props; the response is collected in memory ({@link Invocation#response()}). */
    public Invocation fetch(IncomingRequest request) {
        return fetch(request, Map.of(), null);
    }

    /** Dispatches a request whose {@code ctx.props()} will be {@code props} (CTX-4). */
    public Invocation fetch(IncomingRequest request, Map<String, Object> props) {
        return fetch(request, props, null);
    }

    /**
     * Dispatches a request, sending the response to {@code sink} ({@code null}: collect it in memory).
     *
     * @throws IllegalStateException if the instance is closed
     */
    public Invocation fetch(IncomingRequest request, Map<String, Object> props, ResponseSink sink) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(props, "props");
        URI uri = URI.create(request.url());
        if (!uri.isAbsolute() || uri.getRawAuthority() == null) {
            throw new IllegalArgumentException("request URL must be absolute, like http://worker.test/path: " + request.url());
        }
        return start(new InvocationImpl.Spec(EventKind.FETCH, worker, props, request, null, sink));
    }

    /** Dispatches a scheduled event (EVT-1, EVT-5). */
    public Invocation scheduled(ScheduledEvent event) {
        Objects.requireNonNull(event, "event");
        return start(new InvocationImpl.Spec(EventKind.SCHEDULED, worker, Map.of(), null, event, null));
    }

    /** The instance's event loop. */
    public EventLoop eventLoop() {
        return config.loop();
    }

    /** The configured limit (LIM-4). */
    public Limit limit() {
        return config.limit();
    }

    private Invocation start(InvocationImpl.Spec spec) {
        if (closed) {
            throw new IllegalStateException("this WorkerInstance is closed");
        }
        InvocationImpl invocation = invocations.create(config, ids.incrementAndGet(), spec);
        running.add(invocation);
        invocation.finished().whenComplete((record, error) -> running.remove(invocation));
        invocation.start();
        return invocation;
    }

    /**
     * Stops the instance's HTTP client and, if it created it, its event loop. Idempotent. Invocations still running
     * are abandoned: their {@link Invocation#finished()} fails with a message naming what was pending, so nobody waits
     * for a record that will never come. (The HTTP server's graceful shutdown drains them first.)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (InvocationImpl invocation : List.copyOf(running)) {
            invocation.abandon("the worker instance was closed");
        }
        config.http().close();
        if (ownedLoop != null) {
            try {
                ownedLoop.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not stop the event loop", e);
            }
        }
    }

    /** Configures a {@link WorkerInstance}. */
    public static final class Builder {
        private final Worker worker;
        private EventLoop loop;
        private URI origin;
        private URI globalOutbound;
        private Limit limit = Limit.DEFAULT;
        private final Map<String, Object> bindings = new LinkedHashMap<>();
        private boolean captureSites = true;
        private boolean hangDetection = true;
        private java.time.Duration outboundTimeout = java.time.Duration.ofSeconds(30);
        private InvocationFactory invocationFactory = InvocationFactory.DEFAULT;

        private Builder(Worker worker) {
            this.worker = Objects.requireNonNull(worker, "worker");
        }

        /** The event loop (default: a new {@link RealTimeEventLoop}, closed with the instance). */
        public Builder eventLoop(EventLoop loop) {
            this.loop = Objects.requireNonNull(loop, "loop");
            return this;
        }

        /** The fail-open target (PT-12), e.g. {@code http://127.0.0.1:8081}; none by default. */
        public Builder origin(String url) {
            this.origin = httpUrl(url, "origin");
            return this;
        }

        /** Where every {@code env.fetch} connects, whatever its URL names (like workerd's {@code globalOutbound}). */
        public Builder globalOutbound(String url) {
            this.globalOutbound = httpUrl(url, "globalOutbound");
            return this;
        }

        /** The limit after invocation end (LIM-4); 30 s by default. */
        public Builder limit(Limit limit) {
            this.limit = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /** Adds a binding, available as {@code env.binding(name, type)}. */
        public Builder binding(String name, Object value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (bindings.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("binding '" + name + "' is already defined");
            }
            return this;
        }

        /**
         * How long fail-open and {@code env.fetch} wait for the origin to connect, and between bytes when reading or
         * writing (30 s by default); after it, a fail-open answers PT-8's bare 500.
         */
        public Builder outboundTimeout(java.time.Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("outboundTimeout must be positive: " + timeout);
            }
            this.outboundTimeout = timeout;
            return this;
        }

        /** Whether {@code waitUntil} records where it was called (default on; off saves time in benchmarks). */
        public Builder captureRegistrationSites(boolean capture) {
            this.captureSites = capture;
            return this;
        }

        /**
         * Whether a fetch invocation whose handler stage can never settle is ended as hung (ERR-3), on by default: when
         * the stage is still pending and the event loop has nothing left to run — no timer, no I/O in flight, no loop
         * task — the stage fails with {@link InvocationHungException}, so the client gets the ERR-9 response, or the
         * origin's when pass-through was set, and pending tasks are cancelled. Turn it off only for handlers whose stage
         * is completed by threads of their own, which the loop cannot see (that is outside CTX-8). Needs a loop that
         * supports {@link EventLoop#whenIdle}; both built-in loops do.
         */
        public Builder hangDetection(boolean detect) {
            this.hangDetection = detect;
            return this;
        }

        /** Internal: replaces how invocations are made (the conformance suite's mutants). No compatibility promise. */
        public Builder invocationFactory(InvocationFactory factory) {
            this.invocationFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        public WorkerInstance build() {
            return new WorkerInstance(this);
        }

        private static URI httpUrl(String url, String what) {
            Objects.requireNonNull(url, what);
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " is not a URL: " + url, e);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getRawAuthority() == null) {
                throw new IllegalArgumentException(what + " must be an http(s) URL with a host, like http://127.0.0.1:8081: " + url);
            }
            return uri;
        }
    }
}
