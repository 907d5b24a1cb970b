package dev.ctxtestkit.conformance.engine;

import dev.ctxtestkit.conformance.Rule;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/** Selects rules by ids or section prefixes such as {@code WU-7}, {@code PT-} or {@code PT}; empty selects all. */
public final class RuleFilter {
    private final Predicate<Rule> predicate;
    private final String description;

    private RuleFilter(Predicate<Rule> predicate, String description) {
        this.predicate = predicate;
        this.description = description;
    }

    private static final String ALL = "all rules";

    public static RuleFilter all() {
        return new RuleFilter(rule -> true, ALL);
    }

    /**
     * @param commaSeparated ids and sections, or null/blank for all rules
     * @throws IllegalArgumentException if it is not blank but names nothing (such as {@code ","})
     */
    public static RuleFilter parse(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return all();
        }
        List<String> patterns = Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("'" + commaSeparated + "' names no rule");
        }
        return of(patterns);
    }

    /** Either filter's rules. */
    RuleFilter or(RuleFilter other) {
        if (isAll() || other.isAll()) {
            return all();
        }
        return new RuleFilter(predicate.or(other.predicate), description + "," + other.description);
    }

    public static RuleFilter of(List<String> rawPatterns) {
        List<String> patterns = rawPatterns.stream().map(String::trim).filter(p -> !p.isEmpty()).toList();
        if (patterns.isEmpty()) {
            return all();
        }
        // "WU-7" is an id; "WU-" and "WU" are prefixes of a section.
        List<String> upper = patterns.stream().map(p -> p.toUpperCase(Locale.ROOT))
                .map(p -> p.matches("[A-Z]+") ? p + "-" : p).toList();
        return new RuleFilter(rule -> {
            String id = rule.id().toUpperCase(Locale.ROOT);
            return upper.stream().anyMatch(p -> id.equals(p) || (p.endsWith("-") && id.startsWith(p)));
        }, String.join(",", patterns));
    }

    public boolean accepts(Rule rule) {
        return predicate.test(rule);
    }

    RuleFilter and(RuleFilter other) {
        if (isAll()) {
            return other;
        }
        if (other.isAll()) {
            return this;
        }
        return new RuleFilter(predicate.and(other.predicate), description + " and " + other.description);
    }

    private boolean isAll() {
        return description.equals(ALL);
    }

    @Override
    public String toString() {
        return description;
    }
}
