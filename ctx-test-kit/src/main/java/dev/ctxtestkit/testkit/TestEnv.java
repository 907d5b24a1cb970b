package dev.ctxtestkit.testkit;

import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LogLine;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.internal.Http;
import dev.ctxtestkit.runtime.internal.OutboundFetch;
import dev.ctxtestkit.runtime.internal.RuntimeConfig;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import okhttp3.OkHttpClient;

/**
 * An {@link Env} for calling handler code directly with a {@link TestContext}: timers and the executor run on a
 * {@link VirtualClock}, {@code fetch} goes to a {@link MockOrigin} whatever the URL names, and {@code console}
 * output is kept in {@link #logs()}. Close it to release its HTTP client.
 */
public final class TestEnv implements Env, AutoCloseable {
    private final VirtualClock clock;
    private final Map<String, Object> bindings;
    private final OkHttpClient http = Http.newClient();
    private final OutboundFetch outbound;
    private final List<LogLine> logs = new ArrayList<>();

    public TestEnv(VirtualClock clock, MockOrigin origin, Map<String, Object> bindings) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.bindings = Map.copyOf(new LinkedHashMap<>(bindings));
        URI outboundUri = URI.create(Objects.requireNonNull(origin, "origin").url());
        this.outbound = new OutboundFetch(new RuntimeConfig(clock, outboundUri, outboundUri, Limit.DEFAULT, this.bindings, dev.ctxtestkit.runtime.internal.LazyHttpClient.of(http), false, false));
    }

    @Override
    public <T> T binding(String name, Class<T> type) {
        return dev.ctxtestkit.runtime.internal.EnvSupport.binding(bindings, name, type);
    }

    @Override
    public Set<String> bindingNames() {
        return bindings.keySet();
    }

    @Override
    public Timers timers() {
        return new Timers() {
            @Override
            public CompletionStage<Void> sleep(Duration delay) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                clock.schedule(delay, () -> done.complete(null));
                return done;
            }

            @Override
            public EventLoop.Cancellable setTimeout(Runnable task, Duration delay) {
                return clock.schedule(delay, task);
            }
        };
    }

    @Override
    public Executor executor() {
        return clock::execute;
    }

    @Override
    public CompletionStage<Response> fetch(Request request) {
        return outbound.fetch(request, Runnable::run);
    }

    @Override
    public Console console() {
        return dev.ctxtestkit.runtime.internal.EnvSupport.console(this::add);
    }

    private synchronized void add(LogLevel level, String message) {
        logs.add(new LogLine(clock.instant(), level, message));
    }

    /** The console output so far. */
    public synchronized List<LogLine> logs() {
        return List.copyOf(logs);
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public void close() {
        Http.close(http);
    }
}
