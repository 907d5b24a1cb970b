package dev.ctxtestkit.conformance.scenario;

import java.time.Duration;
import java.util.Optional;

/**
 * How long after its last request a scenario can still cause anything at the origin: the longest chain of sleeps,
 * stream chunks, timers and task delays, or the limit when a task never settles. Observing a real runtime over HTTP
 * must wait this long before it can say a beacon never arrives.
 */
public final class ScenarioHorizon {
    private ScenarioHorizon() {
    }

    /**
     * @param limit the target's limit after invocation end, or empty when unlimited
     */
    public static Duration of(Scenario scenario, Optional<Duration> limit) {
        long handler = 0;
        long latest = 0;
        boolean neverSettles = false;
        for (Step step : scenario.steps()) {
            if (step instanceof Step.Sleep sleep) {
                handler += sleep.ms();
            } else if (step instanceof Step.WaitUntil w) {
                latest = Math.max(latest, handler + chain(w.task()));
                neverSettles |= neverSettles(w.task());
            } else if (step instanceof Step.WaitUntilMany many) {
                latest = Math.max(latest, handler + many.delayMs());
            } else if (step instanceof Step.SetTimeout timer) {
                latest = Math.max(latest, handler + timer.ms());
            } else if (step instanceof Step.Respond respond) {
                long stream = respond.chunkDelayMs() * Math.max(0, respond.chunks() - 1L);
                handler += stream;
                if (respond.taskWhileStreaming() != null) {
                    latest = Math.max(latest, handler + chain(respond.taskWhileStreaming()));
                    neverSettles |= neverSettles(respond.taskWhileStreaming());
                }
            }
        }
        long horizon = Math.max(handler, latest);
        if (neverSettles && limit.isPresent()) {
            horizon = Math.max(horizon, handler + limit.get().toMillis());
        }
        return Duration.ofMillis(horizon);
    }

    private static long chain(TaskSpec task) {
        long longestChild = 0;
        for (TaskSpec child : task.children()) {
            longestChild = Math.max(longestChild, chain(child));
        }
        return task.delayMs() + longestChild;
    }

    private static boolean neverSettles(TaskSpec task) {
        return task.outcome() == TaskSpec.Outcome.NEVER || task.outcome() == TaskSpec.Outcome.HELD
                || task.children().stream().anyMatch(ScenarioHorizon::neverSettles);
    }
}
