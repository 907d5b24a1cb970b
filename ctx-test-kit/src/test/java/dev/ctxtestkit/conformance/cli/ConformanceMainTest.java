package dev.ctxtestkit.conformance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.RuleCatalogue;
import dev.ctxtestkit.conformance.mutants.Mutants;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConformanceMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ConformanceMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** A target not written yet: it says it can arrange no scenario at all. */
    public static final class StubTarget implements dev.ctxtestkit.conformance.ConformanceTarget {
        @Override
        public String name() {
            return "stub";
        }

        @Override
        public Language language() {
            return Language.JAVA;
        }

        @Override
        public dev.ctxtestkit.conformance.Profile profile() {
            return dev.ctxtestkit.conformance.Profile.REFERENCE;
        }

        @Override
        public java.util.Set<Capability> capabilities() {
            return java.util.EnumSet.noneOf(Capability.class);
        }

        @Override
        public java.util.List<dev.ctxtestkit.conformance.Observation> run(dev.ctxtestkit.conformance.scenario.Scenario scenario) {
            throw new UnsupportedOperationException("not written yet");
        }
    }

    @Test
    void aTargetThatChecksNothingDoesNotPass_itExitsWith4AndSaysWhy() {
        assertThat(run("--target", StubTarget.class.getName(), "--rules", "WU")).isEqualTo(4);
        assertThat(out()).contains("0 PASS, 0 FAIL");
        assertThat(err()).contains("nothing was checked on stub", "UnsupportedOperationException");
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("usage: ctx-conformance", "--report-dir", "exit status");
    }

    @Test
    void unknownOptionGivesUsageNotAStackTrace() {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(err()).contains("unknown option '--frobnicate'", "usage: ctx-conformance").doesNotContain("Exception");
    }

    @Test
    void optionWithoutValueIsReported() {
        assertThat(run("--target")).isEqualTo(2);
        assertThat(err()).contains("--target needs a value");
    }

    @Test
    void unknownTargetNamesWhatIsAccepted() {
        assertThat(run("--target", "workerd-nightly")).isEqualTo(2);
        assertThat(err()).contains("unknown target 'workerd-nightly'", "'reference'").doesNotContain("at dev.");
    }

    @Test
    void listPrintsTheCatalogue() {
        assertThat(run("--list")).isZero();
        assertThat(out().lines()).hasSize(RuleCatalogue.all().size() + 1).first().asString().startsWith("RULE");
        assertThat(out()).contains("PT-12", "observable over HTTP");
    }

    @Test
    void oneRulePrintsItsLineAndTotals() {
        assertThat(run("--rules", "WU-7")).isZero();
        assertThat(out()).containsPattern("WU-7 +required PASS +\\d+ ms  A rejected task does not affect other tasks")
                .contains("1 rule: 1 PASS, 0 FAIL, 0 NOT-APPLICABLE, 0 NOT-IMPLEMENTED", "no required rule failed");
    }

    @Test
    void noMatchingRuleIsAnError() {
        assertThat(run("--rules=NOPE-1")).isEqualTo(2);
        assertThat(err()).contains("no rule matched 'NOPE-1'");
        assertThat(out()).isEmpty();
    }

    @Test
    void aFailingRequiredRuleExitsOneAndShowsTheEvidence() {
        assertThat(run("--target", Mutants.FailFastTasks.class.getName(), "--rules", "WU-7")).isEqualTo(1);
        assertThat(out()).contains("WU-7    required FAIL", "violation:", "if this fails, check:", "1 required rule(s) failed");
    }

    @Test
    void listHonoursTheSelectionAndSectionPrefixesNeedNoDash() {
        assertThat(run("--list", "--rules", "lim")).isZero();
        assertThat(out().lines().skip(1)).hasSize(9).allMatch(line -> line.startsWith("LIM-"));
    }

    @Test
    void anOptionGivenTwiceIsRefused() {
        assertThat(run("--rules", "WU-7", "--rules", "PT-1")).isEqualTo(2);
        assertThat(err()).contains("--rules given twice");
    }

    @Test
    void anInterfaceIsNotATarget() {
        assertThat(run("--target", "dev.ctxtestkit.conformance.ConformanceTarget")).isEqualTo(2);
        assertThat(err()).contains("is an interface");
    }

    @Test
    void anUnwritableReportDirIsRefusedBeforeAnythingRuns(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThat(run("--rules", "WU-7", "--report-dir", file.toString())).isEqualTo(2);
        assertThat(err()).contains("cannot write reports to " + file, "not a directory");
        assertThat(out()).isEmpty();
    }

    @Test
    void severalTargetsRunOneAfterTheOtherAndAreComparedSideBySide(@TempDir Path dir) {
        assertThat(run("--target", "reference,reference-http", "--rules", "WU-7,PT-3", "--report-dir", dir.toString())).isZero();
        assertThat(out()).contains("target reference (in-process)", "target reference (HTTP)", "side by side:")
                .containsPattern("WU-7 +PASS +PASS +agree")
                .contains("2 of 2 rules checked on more than one target agree");
        assertThat(dir.resolve("conformance-comparison.md")).content().contains("| WU-7 |", "| agree |");
        assertThat(dir.resolve("conformance-reference-http.json")).exists();
    }

    @Test
    void reportDirGetsBothReports(@TempDir Path dir) {
        assertThat(run("--rules", "CTX-", "--report-dir", dir.toString())).isZero();
        assertThat(dir.resolve("conformance-reference-in-process.json")).exists();
        assertThat(dir.resolve("conformance-reference-in-process.md")).exists();
        assertThat(out()).contains("reports written to " + dir.toAbsolutePath());
        assertThat(dir.resolve("conformance-reference-in-process.md")).content().contains("Rules selected: CTX-");
    }
}
