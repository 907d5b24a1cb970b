package dev.ctxtestkit.conformance.cli;

import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The verdicts of several targets side by side, rule by rule. Two targets agree on a rule when neither has a
 * verdict the other contradicts: a PASS next to a FAIL is a disagreement; NOT-APPLICABLE and NOT-IMPLEMENTED
 * contradict nothing.
 */
final class Comparison {
    private final List<String> targets;
    private final List<Rule> rules;
    private final List<Map<String, Verdict>> verdicts = new ArrayList<>();

    Comparison(List<String> targets, List<Rule> rules, List<List<Verdict>> perTarget) {
        this.targets = targets;
        this.rules = rules;
        for (List<Verdict> list : perTarget) {
            verdicts.add(list.stream().collect(Collectors.toMap(v -> v.rule().id(), Function.identity())));
        }
    }

    /** {@code agree}, {@code DIFFER}, or {@code -} when fewer than two targets checked the rule. */
    String agreement(Rule rule) {
        List<Verdict.Status> decided = verdicts.stream().map(m -> m.get(rule.id())).filter(v -> v != null)
                .map(Verdict::status).filter(s -> s == Verdict.Status.PASS || s == Verdict.Status.FAIL).toList();
        if (decided.size() < 2) {
            return "-";
        }
        return decided.stream().distinct().count() == 1 ? "agree" : "DIFFER";
    }

    String toText() {
        StringBuilder out = new StringBuilder("side by side:\n");
        out.append(String.format(Locale.ROOT, "%-7s", "RULE"));
        targets.forEach(t -> out.append(String.format(Locale.ROOT, " %-24s", abbreviate(t))));
        out.append(" AGREEMENT\n");
        for (Rule rule : rules) {
            out.append(String.format(Locale.ROOT, "%-7s", rule.id()));
            for (Map<String, Verdict> m : verdicts) {
                Verdict v = m.get(rule.id());
                out.append(String.format(Locale.ROOT, " %-24s", v == null ? "?" : v.status().label()));
            }
            out.append(' ').append(agreement(rule)).append('\n');
        }
        out.append(summary()).append('\n');
        return out.toString();
    }

    String toMarkdown() {
        StringBuilder out = new StringBuilder("# Conformance side by side\n\n").append(summary()).append("\n\n");
        for (int i = 0; i < targets.size(); i++) {
            Map<Verdict.Status, Long> totals = verdicts.get(i).values().stream().collect(Collectors.groupingBy(Verdict::status, Collectors.counting()));
            out.append("- **").append(targets.get(i)).append("**: ");
            out.append(java.util.Arrays.stream(Verdict.Status.values()).map(st -> totals.getOrDefault(st, 0L) + " " + st.label())
                    .collect(Collectors.joining(", "))).append('\n');
        }
        out.append("\nEach target's full report is beside this file (conformance-<target>.md / .json).\n\n| Rule | Title |");
        targets.forEach(t -> out.append(' ').append(t).append(" |"));
        out.append(" Agreement |\n|---|---|");
        targets.forEach(t -> out.append("---|"));
        out.append("---|\n");
        for (Rule rule : rules) {
            out.append("| ").append(rule.id()).append(" | ").append(rule.title().replace("|", "\\|")).append(" |");
            for (Map<String, Verdict> m : verdicts) {
                Verdict v = m.get(rule.id());
                out.append(' ').append(v == null ? "?" : v.status().label()).append(" |");
            }
            out.append(' ').append(agreement(rule)).append(" |\n");
        }
        return out.toString();
    }

    private String summary() {
        long compared = rules.stream().filter(r -> !agreement(r).equals("-")).count();
        long agree = rules.stream().filter(r -> agreement(r).equals("agree")).count();
        return agree + " of " + compared + " rules checked on more than one target agree"
                + (agree == compared ? "" : "; " + (compared - agree) + " DIFFER");
    }

    private static String abbreviate(String text) {
        return text.length() > 24 ? text.substring(0, 23) + "…" : text;
    }
}
