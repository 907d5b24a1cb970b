package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import java.util.List;

/**
 * The result of a {@link PropertyRunner} run: passed after all tries, or the first failure with the original and the
 * shrunk schedule, the violation, what the target did with the shrunk schedule, and how to replay it.
 */
public final class PropertyResult {
    private final String target;
    private final long seed;
    private final int tries;
    private final int triesRun;
    private final int tryNumber;
    private final long scenarioSeed;
    private final int size;
    private final Property property;
    private final Scenario original;
    private final String originalViolation;
    private final Scenario shrunk;
    private final String violation;
    private final List<Observation> observations;
    private final List<Property> alsoViolated;
    private final Shrinker.Result shrinking;

    private PropertyResult(String target, long seed, int tries, int triesRun, int tryNumber, long scenarioSeed, int size, Property property,
                           Scenario original, String originalViolation, Scenario shrunk, String violation, List<Observation> observations,
                           List<Property> alsoViolated, Shrinker.Result shrinking) {
        this.target = target;
        this.seed = seed;
        this.tries = tries;
        this.triesRun = triesRun;
        this.tryNumber = tryNumber;
        this.scenarioSeed = scenarioSeed;
        this.size = size;
        this.property = property;
        this.original = original;
        this.originalViolation = originalViolation;
        this.shrunk = shrunk;
        this.violation = violation;
        this.observations = observations == null ? List.of() : List.copyOf(observations);
        this.alsoViolated = alsoViolated == null ? List.of() : List.copyOf(alsoViolated);
        this.shrinking = shrinking;
    }

    static PropertyResult passed(String target, long seed, int tries) {
        return new PropertyResult(target, seed, tries, tries, 0, 0, 0, null, null, null, null, null, null, null, null);
    }

    static PropertyResult failed(String target, long seed, int tries, int tryNumber, long scenarioSeed, int size, Property property,
                                 Scenario original, String originalViolation, Scenario shrunk, String violation,
                                 List<Observation> observations, List<Property> alsoViolated, Shrinker.Result shrinking) {
        return new PropertyResult(target, seed, tries, tryNumber, tryNumber, scenarioSeed, size, property, original, originalViolation,
                shrunk, violation, observations, alsoViolated, shrinking);
    }

    public boolean passed() {
        return property == null;
    }

    /** The name of the target the schedules ran on. */
    public String target() {
        return target;
    }

    /** The run's seed: pass it as {@code ctx.property.seed} (or {@link PropertyRunner#seed}) to replay the run. */
    public long seed() {
        return seed;
    }

    /** How many tries the run was asked for. */
    public int tries() {
        return tries;
    }

    /** How many tries ran: all of them when passed, else up to and including the failing one. */
    public int triesRun() {
        return triesRun;
    }

    /** The failing try, from 1; 0 when passed. */
    public int tryNumber() {
        return tryNumber;
    }

    /** The seed of the failing try's schedule ({@link ScheduleGenerator#generate}{@code (scenarioSeed, size)}). */
    public long scenarioSeed() {
        return scenarioSeed;
    }

    /** The size of the failing try's schedule. */
    public int size() {
        return size;
    }

    /** The property that failed; null when passed. */
    public Property property() {
        return property;
    }

    /** The failing schedule as generated. */
    public Scenario original() {
        return original;
    }

    /** The violation on the original schedule. */
    public String originalViolation() {
        return originalViolation;
    }

    /** The smallest failing schedule the shrinker found. */
    public Scenario shrunk() {
        return shrunk;
    }

    /** The violation on the shrunk schedule. */
    public String violation() {
        return violation;
    }

    /** What the target did with the shrunk schedule. */
    public List<Observation> observations() {
        return observations;
    }

    /** Other properties the shrunk schedule violates too. */
    public List<Property> alsoViolated() {
        return alsoViolated;
    }

    /** How the shrinking went; null when passed. */
    public Shrinker.Result shrinking() {
        return shrinking;
    }

    /** The shrunk schedule, readable; empty when passed. */
    public String schedule() {
        return shrunk == null ? "" : ScheduleFormatter.format(shrunk);
    }

    /** One line: how to run this again. */
    public String replayHint() {
        return "replay with -D" + PropertyRunner.SEED_PROPERTY + "=" + seed + " (or @ScheduleProperty(seed = " + seed + "L), PropertyRunner.seed("
                + seed + "L))" + (passed() ? "" : "; this schedule alone: generate(0x" + Long.toHexString(scenarioSeed) + "L, " + size + ") on the run's ScheduleGenerator");
    }

    /** The whole story, for failure messages. */
    public String report() {
        if (passed()) {
            return "all properties held on " + target + " for " + tries + " schedule(s), seed " + seed + "; " + replayHint();
        }
        StringBuilder out = new StringBuilder();
        out.append(property).append(" failed on ").append(target).append('\n');
        out.append("  at try ").append(tryNumber).append(" of ").append(tries).append(" (seed ").append(seed).append(", size ").append(size)
                .append("), shrunk from ").append(ScheduleFormatter.size(original)).append(" to ").append(ScheduleFormatter.size(shrunk))
                .append(" step(s) in ").append(shrinking.attempts()).append(" attempt(s)").append(shrinking.exhausted() ? " (attempts ran out)" : "")
                .append('\n');
        out.append("shrunk schedule:\n").append(schedule());
        out.append("violation: ").append(violation).append('\n');
        if (!alsoViolated.isEmpty()) {
            out.append("also violated: ").append(alsoViolated).append('\n');
        }
        out.append("observed:\n").append(ScheduleFormatter.timeline(observations).indent(2));
        out.append(replayHint()).append('\n');
        return out.toString();
    }

    @Override
    public String toString() {
        return report();
    }
}
