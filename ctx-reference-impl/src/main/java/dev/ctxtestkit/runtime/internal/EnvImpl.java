package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
        Object value = bindings.get(Objects.requireNonNull(name, "name"));
        if (value == null) {
            throw new IllegalArgumentException("no binding named '" + name + "'; bindings: " + new TreeSet<>(bindings.keySet()));
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("binding '" + name + "' is a " + value.getClass().getName() + ", not a " + type.getName());
        }
        return type.cast(value);
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
        return new Console() {
            @Override
            public void log(String message) {
                invocation.log(LogLevel.INFO, message);
            }

            @Override
            public void warn(String message) {
                invocation.log(LogLevel.WARN, message);
            }

            @Override
            public void error(String message) {
                invocation.log(LogLevel.ERROR, message);
            }

            @Override
            public void debug(String message) {
                invocation.log(LogLevel.DEBUG, message);
            }
        };
    }

    @Override
    public Instant now() {
        return invocation.now();
    }
}
