package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** The per-invocation {@link Env}: shared bindings plus invocation-bound timers, executor, fetch and console. */
final class EnvImpl implements Env {
    private final InvocationImpl invocation;
    private final Map<String, Object> bindings;
    private final OutboundFetch outbound;

    EnvImpl(InvocationImpl invocation, RuntimeConfig config) {
        this.invocation = invocation;
        this.bindings = config.bindings();
        this.outbound = new OutboundFetch(config);
    }

    @Override
    public <T> T binding(String name, Class<T> type) {
        return EnvSupport.binding(bindings, name, type);
    }

    @Override
    public Set<String> bindingNames() {
        return Set.copyOf(bindings.keySet());
    }

    @Override
    public Timers timers() {
        return new Timers() {
            @Override
            public CompletionStage<Void> sleep(Duration delay) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                setTimeout(() -> done.complete(null), delay);
                return done;
            }

            @Override
            public EventLoop.Cancellable setTimeout(Runnable task, Duration delay) {
                Objects.requireNonNull(task, "task");
                if (Objects.requireNonNull(delay, "delay").isNegative()) {
                    throw new IllegalArgumentException("delay must not be negative: " + delay);
                }
                return invocation.scheduleTimer(delay, task);
            }
        };
    }

    @Override
    public Executor executor() {
        return invocation.executor();
    }

    @Override
    public CompletionStage<Response> fetch(Request request) {
        Objects.requireNonNull(request, "request");
        return outbound.fetch(request, invocation::deliverExternal);
    }

    @Override
    public Console console() {
        return EnvSupport.console(invocation::log);
    }

    @Override
    public Instant now() {
        return invocation.now();
    }
}
