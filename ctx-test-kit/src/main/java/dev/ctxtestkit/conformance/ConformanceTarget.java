package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.scenario.Scenario;
import java.util.List;
import java.util.Set;

/**
 * An implementation under test: runs a {@link Scenario} and reports what happened. Implement it to check your own
 * runtime; register it through {@code META-INF/services/dev.ctxtestkit.conformance.ConformanceTarget} or name its
 * class in the configuration parameter {@value dev.ctxtestkit.conformance.engine.ConformanceTestEngine#TARGET_PARAMETER}.
 * A target class needs a public no-argument constructor.
 */
public interface ConformanceTarget extends AutoCloseable {

    /** A short name for reports, such as {@code reference (in-process)}. */
    String name();

    /** Which rules' targets apply: Java-only rules run only on {@link Language#JAVA} targets, and so on. */
    Language language();

    /** The profile whose expectations apply (section 4 of the spec). */
    Profile profile();

    /** What the target can show beyond HTTP. */
    Set<Capability> capabilities();

    /**
     * Runs every invocation of {@code scenario} on a fresh worker instance, one after the other, and returns one
     * observation per invocation. Must not hang: every wait is bounded.
     *
     * @throws UnsupportedOperationException when the target cannot arrange {@code scenario} at all (say, "no origin"
     *         on a runtime that always has one): the rule is NOT-APPLICABLE for it, with the exception's message as the
     *         reason. Not a stub's way to say "not written yet": a target that throws it for every scenario checks
     *         nothing, and the command line then exits with 4
     * @throws Exception when the target itself fails (not when the implementation misbehaves: that is an observation):
     *         the rule FAILs
     */
    List<Observation> run(Scenario scenario) throws Exception;

    /**
     * Why this target cannot run on this machine (e.g. a runtime that is not installed), or empty when it can. The
     * engine skips an unavailable target's suite with this reason, except when the environment variable {@code CI} is
     * set: there it fails, so CI never skips a suite silently.
     */
    default java.util.Optional<String> unavailableReason() {
        return java.util.Optional.empty();
    }

    /**
     * The longest one {@link #run} may take; the suite cuts a run off after it and fails the rule, so a hanging
     * implementation costs one rule, not the whole run. Default: 5 minutes.
     */
    default java.time.Duration scenarioTimeout() {
        return java.time.Duration.ofMinutes(5);
    }

    @Override
    default void close() throws Exception {
    }

    /** The language binding of a target. */
    enum Language { JAVA, JS }

    /** What a target can show. */
    enum Capability {
        /** Observations carry the invocation record (ERR-10): in-process-only rules can be checked. */
        INVOCATION_RECORD,
        /** The scenario's {@code limit} is honoured (LIM-4). */
        CONFIGURABLE_LIMIT,
        /** The scenario's {@code props} reach {@code ctx.props} as the caller's value (CTX-4); a plain HTTP client cannot. */
        CALLER_PROPS
    }
}
