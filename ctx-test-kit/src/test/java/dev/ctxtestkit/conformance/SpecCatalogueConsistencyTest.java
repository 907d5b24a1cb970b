package dev.ctxtestkit.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Keeps the catalogue in step with the spec's rule index (section 5): same ids, titles, check tags, targets, and
 * every profile the spec names. The spec lives beside the repository ({@code ../shared/spec/ctx-semantics.md});
 * the system property {@code ctx.spec.path} overrides where to find it.
 */
class SpecCatalogueConsistencyTest {
    private static final Pattern ROW = Pattern.compile("^\\| ([A-Z]+-\\d+) \\| (.+?) \\| `([^`]+)` \\| (all|JS|Java) \\|(.*?)\\|$");

    record SpecRow(String id, String title, String check, String targets, String profiles) { }

    static List<SpecRow> specRows() throws IOException {
        Path spec = Path.of(System.getProperty("ctx.spec.path", "../../shared/spec/ctx-semantics.md"));
        Assumptions.assumeTrue(Files.isRegularFile(spec), "the spec is not at " + spec.toAbsolutePath() + " (set -Dctx.spec.path)");
        List<SpecRow> rows = new ArrayList<>();
        for (String line : Files.readAllLines(spec)) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                rows.add(new SpecRow(m.group(1), m.group(2).replace("`", ""), m.group(3), m.group(4), m.group(5)));
            }
        }
        return rows;
    }

    @Test
    void catalogueHasExactlyTheSpecsRuleIdsInItsOrder() throws IOException {
        List<String> specIds = specRows().stream().map(SpecRow::id).toList();
        assertThat(specIds).hasSizeGreaterThan(60);
        assertThat(RuleCatalogue.all().stream().map(Rule::id).toList()).containsExactlyElementsOf(specIds);
    }

    @Test
    void titlesCheckTagsTargetsAndProfilesMatch() throws IOException {
        for (SpecRow row : specRows()) {
            Rule rule = RuleCatalogue.byId(row.id()).orElseThrow();
            assertThat(rule.title()).as(row.id() + " title").isEqualTo(row.title());
            assertThat(rule.check().text()).as(row.id() + " check tag").isEqualTo(row.check());
            assertThat(rule.targets().name()).as(row.id() + " targets").isEqualTo(row.targets().toUpperCase(Locale.ROOT));
            Set<Profile> named = new HashSet<>();
            Matcher m = Pattern.compile("`(production|standalone|reference)`").matcher(row.profiles());
            while (m.find()) {
                named.add(Profile.valueOf(m.group(1).toUpperCase(Locale.ROOT)));
            }
            assertThat(rule.profiles()).as(row.id() + " profiles").containsAll(named);
        }
    }
}
