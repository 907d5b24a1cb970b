package dev.ctxtestkit.conformance.report;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.Verdict;
import dev.ctxtestkit.conformance.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The verdicts of one target, with totals, as JSON ({@code conformance-<target>.json}) and Markdown
 * ({@code conformance-<target>.md}), and as the one-line-per-rule text the CLI prints.
 */
public final class ConformanceReport {
    private final String target;
    private final String language;
    private final Profile profile;
    private final List<Verdict> verdicts;
    private final Instant generatedAt;
    private final String selection;

    /** The version of the report's JSON form; raised on incompatible changes. */
    public static final int SCHEMA_VERSION = 1;

    private ConformanceReport(String target, String language, Profile profile, List<Verdict> verdicts, Instant generatedAt, String selection) {
        this.target = target;
        this.language = language;
        this.profile = profile;
        this.verdicts = List.copyOf(verdicts);
        this.generatedAt = generatedAt;
        this.selection = selection;
    }

    /** A report of every rule's verdict. */
    public static ConformanceReport of(ConformanceTarget target, List<Verdict> verdicts) {
        return of(target, verdicts, "all rules");
    }

    /** A report of the rules {@code selection} describes (e.g. {@code WU-7}); partial runs say so. */
    public static ConformanceReport of(ConformanceTarget target, List<Verdict> verdicts, String selection) {
        return new ConformanceReport(target.name(), target.language().name().toLowerCase(Locale.ROOT), target.profile(), verdicts, Instant.now(), selection);
    }

    /** The ctx-test-kit version that made the report, from the jar manifest ("development" when run from classes). */
    public static String toolVersion() {
        String version = ConformanceReport.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }

    public List<Verdict> verdicts() {
        return verdicts;
    }

    /** How many verdicts of each status, every status present. */
    public Map<Verdict.Status, Integer> totals() {
        Map<Verdict.Status, Integer> totals = new EnumMap<>(Verdict.Status.class);
        for (Verdict.Status status : Verdict.Status.values()) {
            totals.put(status, 0);
        }
        verdicts.forEach(v -> totals.merge(v.status(), 1, Integer::sum));
        return totals;
    }

    /** Whether a required rule failed. */
    public boolean failed() {
        return verdicts.stream().anyMatch(Verdict::failsTheRun);
    }

    /** {@code 62 rules: 45 PASS, 0 FAIL, 15 NOT-APPLICABLE, 2 NOT-IMPLEMENTED}. */
    public String totalsLine() {
        return verdicts.size() + (verdicts.size() == 1 ? " rule: " : " rules: ") + totals().entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().label()).collect(Collectors.joining(", "));
    }

    /** One line per rule: id, tier, verdict, duration, title and, for skips, the reason. */
    public static String line(Verdict v) {
        String tier = v.rule().tier().name().toLowerCase(Locale.ROOT);
        String reason = switch (v.status()) {
            case NOT_APPLICABLE, NOT_IMPLEMENTED -> "  (" + v.message() + ")";
            default -> "";
        };
        return String.format(Locale.ROOT, "%-7s %-8s %-15s %6d ms  %s%s", v.rule().id(), tier, v.status().label(),
                v.duration().toMillis(), v.rule().title(), reason);
    }

    /** Writes {@code conformance-<target>.json} and {@code .md} into {@code dir}; returns the two paths. */
    public List<Path> writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        String base = "conformance-" + slug(target);
        Path json = dir.resolve(base + ".json");
        Path markdown = dir.resolve(base + ".md");
        // getBytes replaces anything unencodable instead of throwing: a report is never lost to one odd character.
        Files.write(json, toJson().getBytes(StandardCharsets.UTF_8));
        Files.write(markdown, toMarkdown().getBytes(StandardCharsets.UTF_8));
        return List.of(json, markdown);
    }

    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("tool", "ctx-test-kit " + toolVersion());
        root.put("target", target);
        root.put("language", language);
        root.put("profile", profile.id());
        root.put("generatedAt", generatedAt.toString());
        root.put("rulesSelected", selection);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals().forEach((k, v) -> totals.put(k.label(), v));
        root.put("totals", totals);
        root.put("requiredFailures", verdicts.stream().filter(Verdict::failsTheRun).count());
        List<Object> rules = new ArrayList<>();
        for (Verdict v : verdicts) {
            Rule r = v.rule();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("title", r.title());
            m.put("tier", r.tier().name().toLowerCase(Locale.ROOT));
            m.put("checkTag", r.check().text());
            m.put("targets", targetsLabel(r.targets()));
            m.put("profiles", r.profiles().isEmpty() ? List.of("all") : r.profiles().stream().map(Profile::id).sorted().toList());
            m.put("verdict", v.status().label());
            m.put("durationMs", v.duration().toMillis());
            m.put("message", v.message());
            m.put("hint", r.hint());
            rules.add(m);
        }
        root.put("rules", rules);
        return Json.writePretty(root);
    }

    public String toMarkdown() {
        StringBuilder out = new StringBuilder();
        out.append("# Conformance report: ").append(target).append("\n\n");
        out.append("Profile `").append(profile.id()).append("`, language ").append(language).append(", generated ").append(generatedAt)
                .append(" by ctx-test-kit ").append(toolVersion()).append(".\nRules selected: ").append(selection)
                .append(". Rule ids are those of the spec `ctx-semantics.md`.\n\n");
        out.append("**").append(totalsLine()).append("**");
        long required = verdicts.stream().filter(Verdict::failsTheRun).count();
        out.append(required == 0 ? " — no required rule failed.\n\n" : " — **" + required + " required rule(s) failed.**\n\n");
        out.append("| Rule | Title | Tier | Verdict | Time | Note |\n|---|---|---|---|---|---|\n");
        for (Verdict v : verdicts) {
            String note = v.status() == Verdict.Status.FAIL ? "see below" : v.message();
            out.append("| ").append(v.rule().id()).append(" | ").append(escape(v.rule().title())).append(" | ")
                    .append(v.rule().tier().name().toLowerCase(Locale.ROOT)).append(" | ").append(v.status().label()).append(" | ")
                    .append(v.duration().toMillis()).append(" ms | ").append(escape(note)).append(" |\n");
        }
        List<Verdict> failures = verdicts.stream().filter(v -> v.status() == Verdict.Status.FAIL).toList();
        if (!failures.isEmpty()) {
            out.append("\n## Failures\n");
            for (Verdict v : failures) {
                out.append("\n### ").append(v.rule().displayName()).append("\n\n```\n").append(v.message()).append("\n```\n");
            }
        }
        return out.toString();
    }

    /** {@code all}, {@code JS} or {@code Java}, as the spec writes them. */
    public static String targetsLabel(Rule.Targets targets) {
        return switch (targets) {
            case ALL -> "all";
            case JS -> "JS";
            case JAVA -> "Java";
        };
    }

    private static String escape(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    static String slug(String name) {
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return slug.isEmpty() ? "target" : slug;
    }
}
