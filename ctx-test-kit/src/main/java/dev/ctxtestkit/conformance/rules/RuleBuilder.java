package dev.ctxtestkit.conformance.rules;

import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.RuleCheck;
import dev.ctxtestkit.conformance.scenario.Scenario;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Declares a rule in the catalogue: {@code rule("WU-7", "…").http().all().hint("…").check(…).build()}. */
final class RuleBuilder {
    private final String id;
    private final String title;
    private Rule.CheckTag check = Rule.CheckTag.HTTP;
    private Rule.Targets targets = Rule.Targets.ALL;
    private final Set<Profile> profiles = EnumSet.noneOf(Profile.class);
    private Rule.Tier tier = Rule.Tier.REQUIRED;
    private String hint = "";
    private final List<RuleCheck> checks = new ArrayList<>();
    private String notImplemented = "no check written yet";

    private RuleBuilder(String id, String title) {
        this.id = id;
        this.title = title;
    }

    static RuleBuilder rule(String id, String title) {
        return new RuleBuilder(id, title);
    }

    RuleBuilder http() {
        check = Rule.CheckTag.HTTP;
        return this;
    }

    RuleBuilder inProcess() {
        check = Rule.CheckTag.IN_PROCESS;
        return this;
    }

    RuleBuilder all() {
        targets = Rule.Targets.ALL;
        return this;
    }

    RuleBuilder js() {
        targets = Rule.Targets.JS;
        return this;
    }

    RuleBuilder java() {
        targets = Rule.Targets.JAVA;
        return this;
    }

    RuleBuilder profiles(Profile... values) {
        profiles.addAll(List.of(values));
        return this;
    }

    RuleBuilder optional() {
        tier = Rule.Tier.OPTIONAL;
        return this;
    }

    RuleBuilder hint(String text) {
        hint = text;
        return this;
    }

    RuleBuilder check(String description, Scenario scenario, RuleCheck.Assertion assertion) {
        checks.add(new RuleCheck(description, scenario, assertion));
        return this;
    }

    /** Why there is no check yet (reported as NOT-IMPLEMENTED), or for JS-only rules what the JS suite will check. */
    RuleBuilder notImplemented(String reason) {
        notImplemented = reason;
        return this;
    }

    Rule build() {
        return new Rule(id, title, check, targets, profiles, tier, hint, checks, checks.isEmpty() ? notImplemented : null);
    }
}
