package dev.ctxtestkit.conformance.engine;

import dev.ctxtestkit.conformance.Rule;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/** Selects rules by ids or id prefixes such as {@code WU-7} or {@code PT-}; empty selects all. */
final class RuleFilter {
    private final Predicate<Rule> predicate;
    private final String description;

    private RuleFilter(Predicate<Rule> predicate, String description) {
        this.predicate = predicate;
        this.description = description;
    }

    static RuleFilter all() {
        return new RuleFilter(rule -> true, "all rules");
    }

    static RuleFilter parse(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return all();
        }
        return of(Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    static RuleFilter of(List<String> patterns) {
        if (patterns.isEmpty()) {
            return all();
        }
        List<String> upper = patterns.stream().map(p -> p.toUpperCase(Locale.ROOT)).toList();
        return new RuleFilter(rule -> {
            String id = rule.id().toUpperCase(Locale.ROOT);
            return upper.stream().anyMatch(p -> id.equals(p) || (p.endsWith("-") && id.startsWith(p)));
        }, String.join(",", patterns));
    }

    boolean accepts(Rule rule) {
        return predicate.test(rule);
    }

    RuleFilter and(RuleFilter other) {
        return new RuleFilter(predicate.and(other.predicate), description + " and " + other.description);
    }

    @Override
    public String toString() {
        return description;
    }
}
