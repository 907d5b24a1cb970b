package dev.ctxtestkit.runtime;

import java.util.concurrent.CompletionStage;

/**
 * A {@code scheduled} handler (EVT-5). The returned stage runs as a task of the invocation, and the first task
 * failure sets the outcome to {@code exception} (EVT-1). The fail-open flag has no effect here (PT-2).
 */
@FunctionalInterface
public interface ScheduledHandler {

    /** @return a stage the event waits on, or {@code null} when there is nothing to wait for */
    CompletionStage<?> scheduled(ScheduledEvent event, Env env, Context ctx) throws Exception;
}
