package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import java.util.List;

/**
 * The result of a {@link DifferentialRunner} run: the targets agreed on every schedule, or the first disagreement,
 * shrunk, with what each target observed of the shrunk schedule.
 *
 * @param tryNumber      the try that disagreed, from 1; 0 when they agreed
 * @param disagreement   the difference on the shrunk schedule; null when they agreed
 * @param firstObserved  what the first target (the reference) observed of the shrunk schedule
 * @param secondObserved what the second target observed of it
 * @param retried        target errors that went away when the schedule was run again (transport hiccups over HTTP)
 */
public record DifferentialResult(String first, String second, long seed, int tries, int tryNumber, long scenarioSeed, int size,
                                 Scenario original, String originalDisagreement, Scenario shrunk, String disagreement,
                                 List<Observation> firstObserved, List<Observation> secondObserved, Shrinker.Result shrinking,
                                 List<String> retried) {

    public DifferentialResult {
        firstObserved = List.copyOf(firstObserved);
        secondObserved = List.copyOf(secondObserved);
        retried = List.copyOf(retried);
    }

    public boolean agreed() {
        return tryNumber == 0;
    }

    /** The shrunk schedule, readable; empty when they agreed. */
    public String schedule() {
        return shrunk == null ? "" : ScheduleFormatter.format(shrunk);
    }

    public String replayHint() {
        return "replay with -D" + PropertyRunner.SEED_PROPERTY + "=" + seed + " (or DifferentialRunner.seed(" + seed + "L))"
                + (agreed() ? "" : "; this schedule alone: generate(0x" + Long.toHexString(scenarioSeed) + "L, " + size + ") on the run's ScheduleGenerator");
    }

    public String report() {
        String retries = retried.isEmpty() ? "" : "\nretried after a target error: " + String.join("; ", retried);
        if (agreed()) {
            return first + " and " + second + " agreed on " + tries + " schedule(s), seed " + seed + "; " + replayHint() + retries;
        }
        return first + " and " + second + " disagree at try " + tryNumber + " of " + tries + " (seed " + seed + ", size " + size
                + "), shrunk from " + ScheduleFormatter.size(original) + " to " + ScheduleFormatter.size(shrunk) + " step(s) in "
                + shrinking.attempts() + " attempt(s)" + (shrinking.exhausted() ? " (the shrinking budget ran out)" : "") + "\n"
                + "original disagreement: " + originalDisagreement + "\n"
                + "shrunk schedule:\n" + schedule()
                + "disagreement: " + disagreement + "\n"
                + first + " observed:\n" + ScheduleFormatter.timeline(firstObserved).indent(2)
                + second + " observed:\n" + ScheduleFormatter.timeline(secondObserved).indent(2)
                + replayHint() + retries + "\n";
    }

    @Override
    public String toString() {
        return report();
    }
}
