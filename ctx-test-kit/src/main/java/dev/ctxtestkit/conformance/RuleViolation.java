package dev.ctxtestkit.conformance;

/** A rule's check saw behaviour the rule forbids. The message says what was expected and what happened. */
public final class RuleViolation extends AssertionError {
    public RuleViolation(String message) {
        super(message);
    }
}
