package dev.ctxtestkit.conformance;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One rule of the spec ({@code ../shared/spec/ctx-semantics.md}) as the suite checks it: its id and title, the spec's
 * check tag, targets and profiles, a tier, a hint for when it fails, and the checks (scenario + assertion) that
 * decide it. A rule with no checks is reported as NOT-IMPLEMENTED with {@link #notImplementedReason()}.
 *
 * @param profiles the profiles the rule applies to; empty: every profile
 */
public record Rule(String id, String title, CheckTag check, Targets targets, Set<Profile> profiles, Tier tier,
                   String hint, List<RuleCheck> checks, String notImplementedReason) {

    public Rule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        profiles = Set.copyOf(profiles);
        checks = List.copyOf(checks);
    }

    /** {@code WU-7 A rejected task does not affect other tasks}: how rules are displayed. */
    public String displayName() {
        return id + " " + title;
    }

    /** The spec's check tag (section 2.3). */
    public enum CheckTag {
        HTTP("observable over HTTP"), IN_PROCESS("in-process only");

        private final String text;

        CheckTag(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** Which implementations a rule is for (section 2.4). */
    public enum Targets { ALL, JS, JAVA }

    /** A failed required rule fails the run; a failed optional rule is reported but does not. */
    public enum Tier { REQUIRED, OPTIONAL }
}
