package dev.ctxtestkit.conformance.rules;

import dev.ctxtestkit.conformance.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Assembles the catalogue from its sections; use {@link dev.ctxtestkit.conformance.RuleCatalogue}. */
public final class Catalogue {
    private Catalogue() {
    }

    public static List<Rule> all() {
        List<Rule> rules = new ArrayList<>();
        rules.addAll(CtxRules.rules());
        rules.addAll(WaitUntilRules.rules());
        rules.addAll(LimitRules.rules());
        rules.addAll(PassThroughRules.rules());
        rules.addAll(AbortRules.rules());
        rules.addAll(ErrorRules.rules());
        rules.addAll(BodyAndEventRules.bodyRules());
        rules.addAll(BodyAndEventRules.eventRules());
        Set<String> ids = new HashSet<>();
        for (Rule rule : rules) {
            if (!ids.add(rule.id())) {
                throw new IllegalStateException("rule id " + rule.id() + " is declared twice");
            }
        }
        return List.copyOf(rules);
    }
}
