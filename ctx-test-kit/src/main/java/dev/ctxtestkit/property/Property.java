package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A statement that must hold for every schedule: a name, the spec rules it checks, and a predicate over a scenario
 * and the observations a target made of it, which returns a violation message or nothing.
 *
 * <pre>{@code
 * Property wu6 = Property.of("a rejection never changes the response", List.of("WU-6"),
 *         (scenario, observations) -> ...);
 * }</pre>
 *
 * A property that needs the invocation record and exact virtual time ({@link #inProcessOnly()}) is skipped by the
 * runner on targets without {@link dev.ctxtestkit.conformance.ConformanceTarget.Capability#INVOCATION_RECORD}.
 */
public final class Property {

    /** The predicate of a property. */
    @FunctionalInterface
    public interface Check {
        /** What is wrong with what the target did with {@code scenario}, or empty when the property holds. */
        Optional<String> violation(Scenario scenario, List<Observation> observations);
    }

    private final String name;
    private final List<String> rules;
    private final boolean inProcessOnly;
    private final Check check;

    private Property(String name, List<String> rules, boolean inProcessOnly, Check check) {
        this.name = Objects.requireNonNull(name, "name");
        this.rules = List.copyOf(rules);
        this.inProcessOnly = inProcessOnly;
        this.check = Objects.requireNonNull(check, "check");
    }

    private static Property checked(String name, List<String> rules, boolean inProcessOnly, Check check) {
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("property '" + name + "' must name at least one spec rule");
        }
        return new Property(name, rules, inProcessOnly, check);
    }

    /** The runner's own pseudo-property for a target that throws instead of returning observations. */
    static final Property TARGET_RUNS = new Property("the target runs every schedule", List.of(), false,
            (scenario, observations) -> Optional.empty());

    /** A property that any target can be checked against. */
    public static Property of(String name, List<String> rules, Check check) {
        return checked(name, rules, false, check);
    }

    /** A property that reads the invocation record or relies on exact virtual time. */
    public static Property inProcess(String name, List<String> rules, Check check) {
        return checked(name, rules, true, check);
    }

    public String name() {
        return name;
    }

    /** The spec rule ids, such as {@code WU-7}. */
    public List<String> rules() {
        return rules;
    }

    public boolean inProcessOnly() {
        return inProcessOnly;
    }

    /**
     * Checks the property. An exception thrown by the predicate is reported as a violation too, so that a target that
     * returns something malformed fails the property instead of the run. Loopback ports in the message read
     * {@code PORT}, so that a replay gives the same message.
     */
    public Optional<String> check(Scenario scenario, List<Observation> observations) {
        try {
            return Objects.requireNonNull(check.violation(scenario, observations), "a property check returned null")
                    .map(ScheduleFormatter::withoutPorts);
        } catch (RuntimeException e) {
            return Optional.of("the check itself failed on these observations: " + e);
        }
    }

    /** Throws an {@link AssertionError} naming the property, its rules and the violation, when it does not hold. */
    public void assertHolds(Scenario scenario, List<Observation> observations) {
        check(scenario, observations).ifPresent(violation -> {
            throw new AssertionError(this + " does not hold: " + violation + "\nschedule:\n" + ScheduleFormatter.format(scenario));
        });
    }

    /** {@code [WU-6] a rejection never changes the response}. */
    @Override
    public String toString() {
        return "[" + (rules.isEmpty() ? "target" : String.join(", ", rules)) + "] " + name;
    }
}
