package dev.ctxtestkit.conformance.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectUniqueId;

import dev.ctxtestkit.conformance.ConformanceSuite;
import dev.ctxtestkit.conformance.RuleCatalogue;
import dev.ctxtestkit.conformance.RuleEvaluator;
import dev.ctxtestkit.conformance.internal.Json;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

class ConformanceTestEngineTest {

    @ConformanceSuite(rules = {"WU-", "CTX-1"})
    static class SomeRulesSuite {
    }

    @ConformanceSuite(target = NoConstructorTarget.class)
    static class BrokenTargetSuite {
    }

    /** Cannot be instantiated by the engine. */
    public static final class NoConstructorTarget extends ReferenceTarget {
        public NoConstructorTarget(String unused) {
        }
    }

    private static final long APPLICABLE = RuleCatalogue.all().stream()
            .filter(rule -> RuleEvaluator.notApplicableReason(rule, new ReferenceTarget()) == null && !rule.checks().isEmpty()).count();

    @Test
    void engineSelectedByUniqueIdRunsTheConfiguredTargetOnEveryRule() {
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .configurationParameter(ConformanceTestEngine.TARGET_PARAMETER, "reference")
                .selectors(selectUniqueId(UniqueId.forEngine(ConformanceTestEngine.ENGINE_ID)))
                .execute();
        results.testEvents().assertStatistics(stats -> stats
                .started(APPLICABLE).succeeded(APPLICABLE).failed(0)
                .skipped(RuleCatalogue.all().size() - APPLICABLE));
        assertThat(results.testEvents().skipped().stream().map(e -> e.getPayload(String.class).orElse("")))
                .allMatch(reason -> reason.startsWith("NOT-APPLICABLE: ") || reason.startsWith("NOT-IMPLEMENTED: "));
    }

    @Test
    void annotatedClassRunsOnlyItsRulesWithDisplayNamesThatCiteTheIds() {
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .selectors(selectClass(SomeRulesSuite.class))
                .execute();
        List<String> names = results.allEvents().started().stream()
                .map(e -> e.getTestDescriptor().getDisplayName()).filter(n -> n.matches("[A-Z]+-\\d+ .*")).toList();
        assertThat(names).contains("WU-7 A rejected task does not affect other tasks", "CTX-1 A fresh ctx for every invocation")
                .noneMatch(n -> n.startsWith("PT-"));
        results.testEvents().assertStatistics(stats -> stats.failed(0));
    }

    @Test
    void classesWithoutTheAnnotationAreIgnored() {
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .selectors(selectClass(ConformanceTestEngineTest.class))
                .execute();
        results.allEvents().assertStatistics(stats -> stats.started(1).finished(1));
    }

    @Test
    void packageSelectorFindsSuites() {
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .configurationParameter(ConformanceTestEngine.RULES_PARAMETER, "CTX-4")
                .selectors(selectPackage("dev.ctxtestkit.conformance.engine"))
                .execute();
        // SomeRulesSuite has no CTX-4 (its rules AND the parameter); BrokenTargetSuite fails at the container.
        results.containerEvents().assertStatistics(stats -> stats.failed(1));
    }

    @Test
    void aTargetThatCannotBeCreatedFailsItsSuiteWithTheReason() {
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .selectors(selectClass(BrokenTargetSuite.class))
                .execute();
        Throwable failure = results.containerEvents().failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertThat(failure).hasMessageContaining("needs a public no-argument constructor");
    }

    @Test
    void reportDirectoryGetsJsonAndMarkdown(@TempDir Path dir) throws Exception {
        EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .configurationParameter(ConformanceTestEngine.RULES_PARAMETER, "WU-,LIM-3")
                .configurationParameter(ConformanceTestEngine.REPORT_DIR_PARAMETER, dir.toString())
                .selectors(selectUniqueId(UniqueId.forEngine(ConformanceTestEngine.ENGINE_ID)))
                .execute();
        Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve("conformance-reference-in-process.json")));
        assertThat(json).containsEntry("profile", "reference").containsEntry("requiredFailures", 0L);
        assertThat((List<?>) json.get("rules")).hasSize(14);
        String markdown = Files.readString(dir.resolve("conformance-reference-in-process.md"));
        assertThat(markdown).contains("| WU-7 | A rejected task does not affect other tasks | required | PASS |")
                .contains("| LIM-3 |").contains("NOT-APPLICABLE");
    }
}
