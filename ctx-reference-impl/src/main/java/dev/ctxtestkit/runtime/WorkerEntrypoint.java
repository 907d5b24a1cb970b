package dev.ctxtestkit.runtime;

import java.util.concurrent.CompletionStage;

/**
 * The class form of a worker (EVT-5): the runtime creates one instance per invocation, so {@link #ctx()} and
 * {@link #env()} belong to that invocation (CTX-1). Override the handlers you need; use {@link Worker#entrypoint} to
 * serve it.
 */
public abstract class WorkerEntrypoint {
    private Context ctx;
    private Env env;

    /** This invocation's context. */
    protected final Context ctx() {
        return ctx;
    }

    /** This invocation's environment. */
    protected final Env env() {
        return env;
    }

    /** Handles a request. The default throws: a class without {@code fetch} cannot serve requests. */
    public CompletionStage<Response> fetch(Request request) throws Exception {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement fetch()");
    }

    /** Handles a scheduled event. The default throws. */
    public CompletionStage<?> scheduled(ScheduledEvent event) throws Exception {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement scheduled()");
    }

    final void attach(Context ctx, Env env) {
        if (this.ctx != null) {
            throw new IllegalStateException("a WorkerEntrypoint instance serves exactly one invocation; the factory must return a new instance each time");
        }
        this.ctx = ctx;
        this.env = env;
    }
}
