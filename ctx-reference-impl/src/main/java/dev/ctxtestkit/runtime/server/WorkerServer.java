package dev.ctxtestkit.runtime.server;

import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.runtime.internal.InvocationImpl;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Serves a {@link WorkerInstance} over HTTP/1.1 on a port: each request is one invocation, streamed both ways; the
 * response carries the worker's headers plus only framing (no {@code Date}, no {@code Server}, BODY-5); invocation end
 * (LIM-1) comes when the body has been written. Fail-open goes only to the instance's configured origin, whatever the
 * {@code Host} header or an absolute-form request target names: the server is never an open proxy.
 *
 * <p>Jetty's parser answers malformed requests itself and never passes them on: {@code 400} for conflicting
 * {@code Content-Length} / {@code Transfer-Encoding}, {@code 431} for headers over {@link Builder#maxHeaderBytes},
 * {@code 414} for a request line over it.
 *
 * <pre>{@code
 * try (WorkerServer server = WorkerServer.builder(instance).port(8787).start()) {
 *     System.out.println("serving on " + server.url());
 * }
 * }</pre>
 */
public final class WorkerServer implements AutoCloseable {
    private final WorkerInstance instance;
    private final Server jetty;
    private final ServerConnector connector;
    private final Duration shutdownGrace;
    private final Set<InvocationImpl> running = ConcurrentHashMap.newKeySet();
    /** Invocations started and not finished, counted from before they start (the set above learns of them after). */
    private final AtomicInteger runningCount = new AtomicInteger();
    /** Held (shared) while a request is turned into a running invocation; shutdown takes it to see them all. */
    private final ReadWriteLock registration = new ReentrantReadWriteLock();
    private final List<Consumer<InvocationRecord>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;

    private WorkerServer(Builder builder) {
        this.instance = builder.instance;
        this.shutdownGrace = builder.shutdownGrace != null ? builder.shutdownGrace
                : instance.limit().duration().orElse(Duration.ofSeconds(30));
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("ctx-http");
        threads.setDaemon(true);
        this.jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendDateHeader(false);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(builder.maxHeaderBytes);
        this.connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost(builder.host);
        connector.setPort(builder.port);
        connector.setIdleTimeout(builder.idleTimeout.toMillis());
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return serve(request, response, callback);
            }
        });
    }

    public static Builder builder(WorkerInstance instance) {
        return new Builder(instance);
    }

    /** {@code http://host:port}, without a trailing slash. */
    public URI url() {
        String host = connector.getHost();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + connector.getLocalPort());
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** Calls {@code listener} with the record of every invocation once it has finished (on the event loop). */
    public WorkerServer onInvocationFinished(Consumer<InvocationRecord> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** How many invocations have not finished yet. */
    public int running() {
        return runningCount.get();
    }

    private boolean serve(Request request, Response response, Callback callback) {
        registration.readLock().lock();
        try {
            if (stopped) {
                // A request on a connection that was open before shutdown: it would start an invocation that the
                // shutdown does not know about.
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
                Response.writeError(request, response, callback, 503, "the server is shutting down");
                return true;
            }
            return register(request, response, callback);
        } finally {
            registration.readLock().unlock();
        }
    }

    private boolean register(Request request, Response response, Callback callback) {
        Headers headers = new Headers();
        for (HttpField field : request.getHeaders()) {
            headers.append(field.getName(), field.getValue());
        }
        long length = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            length = -1;
        } else if (length < 0) {
            length = 0; // neither header: no body (RFC 9112 6.3)
        }
        String host = headers.get("host") != null ? headers.get("host") : "localhost";
        // The URL the worker sees names the Host header's authority and the path; an absolute-form target's own
        // authority is ignored, and fail-open never connects anywhere but the configured origin.
        String url = "http://" + host + request.getHttpURI().getPathQuery();
        AtomicReference<InvocationImpl> invocation = new AtomicReference<>();
        Consumer<Throwable> clientGone = failure -> {
            InvocationImpl known = invocation.get();
            if (known != null) {
                known.clientDisconnected(failure);
            }
        };
        JettyBodySource body = new JettyBodySource(request, instance.eventLoop(), length, clientGone);
        IncomingRequest incoming;
        try {
            incoming = new IncomingRequest(request.getMethod(), url, headers, body);
        } catch (IllegalArgumentException e) {
            Response.writeError(request, response, callback, 400, e.getMessage());
            return true;
        }
        JettyResponseSink sink = new JettyResponseSink(response, callback, clientGone);
        runningCount.incrementAndGet();
        Invocation started;
        try {
            started = instance.fetch(incoming, Map.of(), sink);
        } catch (RuntimeException e) {
            runningCount.decrementAndGet();
            throw e;
        }
        InvocationImpl impl = (InvocationImpl) started;
        invocation.set(impl);
        running.add(impl);
        body.attach(); // the body's reads wait for this, so a disconnect seen by a read always reaches the invocation
        request.addFailureListener(clientGone);
        started.finished().whenComplete((record, error) -> {
            running.remove(impl);
            runningCount.decrementAndGet();
            if (record != null) {
                listeners.forEach(listener -> listener.accept(record));
            }
        });
        return true;
    }

    /** Starts listening. */
    public WorkerServer start() {
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the server on " + connector.getHost() + ":" + connector.getPort() + ": " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * Stops accepting requests, lets running invocations finish within {@code grace}, then cancels what is still
     * pending, and stops. Idempotent. A request that arrives meanwhile on a connection kept alive from before gets
     * {@code 503} and starts no invocation.
     *
     * @return what finished and what had to be cancelled
     */
    public ShutdownReport shutdown(Duration grace) {
        if (stopped) {
            return new ShutdownReport(0, List.of());
        }
        stopped = true;
        connector.close(); // no new connections
        List<InvocationImpl> inFlight;
        registration.writeLock().lock(); // waits for requests being registered; later ones see `stopped`
        try {
            inFlight = List.copyOf(running);
        } finally {
            registration.writeLock().unlock();
        }
        CompletableFuture<?>[] all = inFlight.stream().map(i -> i.finished().toCompletableFuture().handle((r, e) -> null)).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(all).get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception timeoutOrInterrupt) {
            // fall through: cancel what is left
        }
        List<ShutdownReport.Cancelled> cancelled = new ArrayList<>();
        for (InvocationImpl invocation : inFlight) {
            if (!invocation.finished().toCompletableFuture().isDone()) {
                List<TaskRecord> pending = invocation.pendingTasks();
                cancelled.add(new ShutdownReport.Cancelled(invocation.label(), pending.stream()
                        .map(t -> "task#" + t.index() + " registered at " + t.registeredAtSite()).toList()));
                invocation.cancelForShutdown();
            }
        }
        CompletableFuture<?>[] cancelledFutures = inFlight.stream().map(i -> i.finished().toCompletableFuture().handle((r, e) -> null)).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(cancelledFutures).get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the loop may be blocked by handler code; stop anyway
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the server failed", e);
        } finally {
            instance.close();
        }
        return new ShutdownReport(inFlight.size() - cancelled.size(), cancelled);
    }

    /** {@link #shutdown(Duration)} with the configured grace period (by default the instance's limit). */
    @Override
    public void close() {
        shutdown(shutdownGrace);
    }

    /** What a shutdown did. */
    public record ShutdownReport(int finished, List<Cancelled> cancelled) {
        /** One invocation cancelled at shutdown, with its pending tasks. */
        public record Cancelled(String invocation, List<String> pendingTasks) {
        }

        @Override
        public String toString() {
            return finished + " running invocation(s) finished, " + cancelled.size() + " cancelled"
                    + (cancelled.isEmpty() ? "" : ": " + cancelled);
        }
    }

    /** Configures a {@link WorkerServer}. */
    public static final class Builder {
        private final WorkerInstance instance;
        private String host = InetAddress.getLoopbackAddress().getHostAddress();
        private int port;
        private int maxHeaderBytes = 16 * 1024;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration shutdownGrace;

        private Builder(WorkerInstance instance) {
            this.instance = Objects.requireNonNull(instance, "instance");
        }

        /** The address to bind; loopback (127.0.0.1) by default. */
        public Builder host(String value) {
            this.host = Objects.requireNonNull(value, "host");
            return this;
        }

        /** The port; 0 (the default) picks a free one. */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + value);
            }
            this.port = value;
            return this;
        }

        /** The most bytes the request line plus headers may take (16 KiB by default); beyond: 414 or 431. */
        public Builder maxHeaderBytes(int value) {
            if (value < 1024) {
                throw new IllegalArgumentException("maxHeaderBytes must be at least 1024: " + value);
            }
            this.maxHeaderBytes = value;
            return this;
        }

        /** How long an idle connection stays open (30 s by default). */
        public Builder idleTimeout(Duration value) {
            this.idleTimeout = Objects.requireNonNull(value, "idleTimeout");
            return this;
        }

        /** How long {@link #close()} lets running invocations finish (default: the instance's limit, or 30 s). */
        public Builder shutdownGrace(Duration value) {
            this.shutdownGrace = Objects.requireNonNull(value, "shutdownGrace");
            return this;
        }

        /** Builds and starts the server. */
        public WorkerServer start() {
            return new WorkerServer(this).start();
        }
    }
}
