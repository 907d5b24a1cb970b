package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.scenario.Scenario;
import java.util.List;
import java.util.Objects;

/**
 * One check of a rule: run {@code scenario}, then {@code assertion} over its observations.
 *
 * @param description what this check shows, e.g. {@code "three tasks, the middle one rejects first"}
 */
public record RuleCheck(String description, Scenario scenario, Assertion assertion) {

    public RuleCheck {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(assertion, "assertion");
    }

    /** A predicate over the observations of one scenario, one per invocation. */
    @FunctionalInterface
    public interface Assertion {
        /**
         * @throws RuleViolation with a message that says what was expected and what happened
         */
        void verify(List<Observation> observations, Target target);
    }

    /** What an assertion may know about the target (e.g. its profile). */
    public interface Target {
        Profile profile();

        ConformanceTarget.Language language();

        boolean has(ConformanceTarget.Capability capability);
    }
}
