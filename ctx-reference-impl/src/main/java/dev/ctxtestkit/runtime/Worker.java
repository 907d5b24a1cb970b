package dev.ctxtestkit.runtime;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/** What a worker does: its handlers. Immutable; serve it with {@link WorkerInstance}. */
public final class Worker {
    private final FetchHandler fetch;
    private final ScheduledHandler scheduled;

    private Worker(FetchHandler fetch, ScheduledHandler scheduled) {
        this.fetch = fetch;
        this.scheduled = scheduled;
    }

    /** A worker with an asynchronous fetch handler. */
    public static Worker fetch(FetchHandler handler) {
        return new Worker(Objects.requireNonNull(handler, "handler"), null);
    }

    /** A worker with a synchronous fetch handler. */
    public static Worker fetchSync(FetchHandler.SyncFetchHandler handler) {
        return fetch(FetchHandler.sync(Objects.requireNonNull(handler, "handler")));
    }

    /** A worker with only a scheduled handler. */
    public static Worker scheduled(ScheduledHandler handler) {
        return new Worker(null, Objects.requireNonNull(handler, "handler"));
    }

    /**
     * The class form (EVT-5): {@code factory} is called once per invocation and must return a new instance each
     * time; its {@code ctx()} and {@code env()} are that invocation's.
     */
    public static Worker entrypoint(Supplier<? extends WorkerEntrypoint> factory) {
        Objects.requireNonNull(factory, "factory");
        FetchHandler fetch = (request, env, ctx) -> create(factory, ctx, env).fetch(request);
        ScheduledHandler scheduled = (event, env, ctx) -> create(factory, ctx, env).scheduled(event);
        return new Worker(fetch, scheduled);
    }

    /** This worker with {@code handler} as its scheduled handler. */
    public Worker withScheduled(ScheduledHandler handler) {
        return new Worker(fetch, Objects.requireNonNull(handler, "handler"));
    }

    public Optional<FetchHandler> fetchHandler() {
        return Optional.ofNullable(fetch);
    }

    public Optional<ScheduledHandler> scheduledHandler() {
        return Optional.ofNullable(scheduled);
    }

    private static WorkerEntrypoint create(Supplier<? extends WorkerEntrypoint> factory, Context ctx, Env env) {
        WorkerEntrypoint entrypoint = Objects.requireNonNull(factory.get(), "the WorkerEntrypoint factory returned null");
        entrypoint.attach(ctx, env);
        return entrypoint;
    }
}
