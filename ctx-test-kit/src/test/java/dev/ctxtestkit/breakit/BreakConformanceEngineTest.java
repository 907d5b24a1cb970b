package dev.ctxtestkit.breakit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectUniqueId;

import dev.ctxtestkit.conformance.ConformanceSuite;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.RuleCatalogue;
import dev.ctxtestkit.conformance.RuleEvaluator;
import dev.ctxtestkit.conformance.Verdict;
import dev.ctxtestkit.conformance.cli.ConformanceMain;
import dev.ctxtestkit.conformance.engine.ConformanceTestEngine;
import dev.ctxtestkit.conformance.report.ConformanceReport;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Adversarial tests of the conformance engine, CLI and report. Targets and suites are nested classes, which
 * Surefire's default excludes ({@code **}{@code /*$*}) keep out of the normal build's discovery.
 */
class BreakConformanceEngineTest {
    private static final UniqueId ENGINE = UniqueId.forEngine(ConformanceTestEngine.ENGINE_ID);

    /** The reference target, except that its third run() throws an Error (e.g. a missing class of the target's). */
    public static final class ErrorOnThirdRunTarget extends ReferenceTarget {
        private final AtomicInteger runs = new AtomicInteger();

        @Override
        public List<Observation> run(Scenario scenario) throws Exception {
            if (runs.incrementAndGet() == 3) {
                throw new NoClassDefFoundError("com/example/MissingDependency");
            }
            return super.run(scenario);
        }
    }

    /** The reference target, except that close() throws. */
    public static final class CloseThrowsTarget extends ReferenceTarget {
        @Override
        public void close() {
            throw new IllegalStateException("could not stop the runtime");
        }
    }

    /** A target whose run() never returns. */
    public static final class HangingTarget extends ReferenceTarget {
        @Override
        public Duration scenarioTimeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public List<Observation> run(Scenario scenario) throws Exception {
            new CountDownLatch(1).await();
            return List.of();
        }
    }

    @ConformanceSuite(rules = {" WU-7 ", "CTX-1"})
    static class SpacedRulesSuite {
    }

    @ConformanceSuite(rules = {"WU-7", "WU-9"})
    static class TwoRulesSuite {
    }

    // ------------------------------------------------------------------ discovery

    @Test
    void twoRuleSelectorsOfTheConfiguredSuiteRunBothRules() {
        UniqueId suite = ENGINE.append("suite", "configured");
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .configurationParameter(ConformanceTestEngine.TARGET_PARAMETER, "reference")
                .selectors(selectUniqueId(suite.append("rule", "WU-7")), selectUniqueId(suite.append("rule", "WU-9")))
                .execute();
        assertThat(results.testEvents().started().stream().map(e -> e.getTestDescriptor().getUniqueId().getLastSegment().getValue()))
                .containsExactlyInAnyOrder("WU-7", "WU-9");
    }

    @Test
    void twoRuleSelectorsOfAnAnnotatedSuiteRunBothRules() {
        UniqueId suite = ENGINE.append("suite", TwoRulesSuite.class.getName());
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .selectors(selectUniqueId(suite.append("rule", "WU-7")), selectUniqueId(suite.append("rule", "WU-9")))
                .execute();
        assertThat(results.testEvents().started().count()).isEqualTo(2);
    }

    @Test
    void annotationRuleIdsAreTrimmedLikeTheParameter() {
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .selectors(selectClass(SpacedRulesSuite.class))
                .execute();
        assertThat(results.testEvents().started().stream().map(e -> e.getTestDescriptor().getUniqueId().getLastSegment().getValue()))
                .containsExactlyInAnyOrder("WU-7", "CTX-1");
    }

    // ------------------------------------------------------------------ execution robustness

    @Test
    void anErrorFromTheTargetCostsOneRuleNotTheRestOfTheSuite() {
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .configurationParameter(ConformanceTestEngine.TARGET_PARAMETER, ErrorOnThirdRunTarget.class.getName())
                .configurationParameter(ConformanceTestEngine.RULES_PARAMETER, "CTX-1,CTX-4,CTX-7")
                .selectors(selectUniqueId(ENGINE))
                .execute();
        // CTX-1 has two checks (runs 1 and 2) and passes; CTX-4's first check (run 3) hits the Error and should FAIL;
        // CTX-7 must still run.
        assertThat(results.testEvents().finished().count()).as("every selected rule reports a result").isEqualTo(3);
        assertThat(results.containerEvents().failed().count()).as("no container (engine or suite) fails").isZero();
    }

    @Test
    void cliDoesNotReportSuccessWhenTheRunCrashedMidway() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ConformanceMain.run(new String[] {"--target", ErrorOnThirdRunTarget.class.getName(), "--rules", "CTX-1,CTX-4,CTX-7"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status; output:%n%s", printed).isNotZero();
    }

    @Test
    void aTargetWhoseCloseThrowsStillGetsItsReport(@TempDir Path dir) {
        EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .configurationParameter(ConformanceTestEngine.TARGET_PARAMETER, CloseThrowsTarget.class.getName())
                .configurationParameter(ConformanceTestEngine.RULES_PARAMETER, "CTX-4")
                .configurationParameter(ConformanceTestEngine.REPORT_DIR_PARAMETER, dir.toString())
                .selectors(selectUniqueId(ENGINE))
                .execute();
        assertThat(dir.resolve("conformance-reference-in-process.json")).exists();
    }

    @Test
    void aHangingTargetIsCutOffByTheEngine() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Verdict verdict = RuleEvaluator.evaluate(RuleCatalogue.byId("CTX-4").orElseThrow(), new HangingTarget());
            assertThat(verdict.status()).isEqualTo(Verdict.Status.FAIL);
        });
    }

    @Test
    void cliRulesThatNameNothingAreBadUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = ConformanceMain.run(new String[] {"--rules", ","}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(status).as("output:%n%s", out.toString(StandardCharsets.UTF_8)).isEqualTo(2);
    }

    // ------------------------------------------------------------------ report encoding

    @Test
    void aFailureMessageWithAnEmojiAtTheCutStillProducesAReport(@TempDir Path dir) {
        String body = "a".repeat(199) + "\uD83D\uDE00 tail"; // the emoji straddles the 200-char cut
        Observation.ClientView view = new Observation.ClientView(200, Map.of(), body.getBytes(StandardCharsets.UTF_8), false, 0, 0);
        String message = "CTX-4 …\n  violation: expected X\n  what happened:\n    response " + view;
        Verdict verdict = new Verdict(RuleCatalogue.byId("CTX-4").orElseThrow(), Verdict.Status.FAIL, message, Duration.ZERO);

        assertThatCode(() -> ConformanceReport.of(new ReferenceTarget(), List.of(verdict)).writeTo(dir)).doesNotThrowAnyException();
        assertThat(dir.resolve("conformance-reference-in-process.json")).exists();
    }
}
