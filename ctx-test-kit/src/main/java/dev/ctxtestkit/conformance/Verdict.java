package dev.ctxtestkit.conformance;

import java.time.Duration;
import java.util.Objects;

/**
 * The result of one rule on one target.
 *
 * @param message for FAIL the evidence, for NOT-APPLICABLE and NOT-IMPLEMENTED the reason; empty for PASS
 */
public record Verdict(Rule rule, Status status, String message, Duration duration) {

    public Verdict {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(status, "status");
        message = message == null ? "" : message;
    }

    /** The four outcomes of a rule. */
    public enum Status {
        PASS("PASS"), FAIL("FAIL"), NOT_APPLICABLE("NOT-APPLICABLE"), NOT_IMPLEMENTED("NOT-IMPLEMENTED");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /** As printed in reports: {@code PASS}, {@code FAIL}, {@code NOT-APPLICABLE}, {@code NOT-IMPLEMENTED}. */
        public String label() {
            return label;
        }
    }

    /** A failed required rule: the run fails. */
    public boolean failsTheRun() {
        return status == Status.FAIL && rule.tier() == Rule.Tier.REQUIRED;
    }
}
