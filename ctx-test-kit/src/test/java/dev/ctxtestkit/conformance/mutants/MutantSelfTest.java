package dev.ctxtestkit.conformance.mutants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectUniqueId;

import dev.ctxtestkit.conformance.Rule;
import dev.ctxtestkit.conformance.RuleCatalogue;
import dev.ctxtestkit.conformance.RuleEvaluator;
import dev.ctxtestkit.conformance.RuleViolation;
import dev.ctxtestkit.conformance.Verdict;
import dev.ctxtestkit.conformance.engine.ConformanceTestEngine;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The conformance suite's self-test: every rule fails, with its specific message, on a runtime built to break it;
 * and every rule the reference passes has such a mutant.
 */
class MutantSelfTest {

    static Stream<Mutants.Expectation> expectations() {
        return Mutants.ALL.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expectations")
    void ruleFailsOnItsMutantWithItsMessage(Mutants.Expectation expectation) {
        EngineExecutionResults results = EngineTestKit.engine(ConformanceTestEngine.ENGINE_ID)
                .configurationParameter(ConformanceTestEngine.TARGET_PARAMETER, expectation.mutant().getName())
                .configurationParameter(ConformanceTestEngine.RULES_PARAMETER, expectation.rule())
                .selectors(selectUniqueId(UniqueId.forEngine(ConformanceTestEngine.ENGINE_ID)))
                .execute();

        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1).succeeded(0));
        Event failed = results.testEvents().failed().stream().findFirst().orElseThrow();
        assertThat(failed.getTestDescriptor().getDisplayName()).startsWith(expectation.rule() + " ");
        Throwable failure = failed.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable).orElseThrow();
        assertThat(failure).isInstanceOf(RuleViolation.class)
                .hasMessageStartingWith(expectation.rule() + " ")
                .hasMessageContaining(expectation.message())
                .hasMessageContaining("if this fails, check:");
    }

    @Test
    @DisplayName("every rule the reference passes has at least one mutant")
    void everyPassingRuleHasAMutant() {
        ReferenceTarget reference = new ReferenceTarget();
        Set<String> passing = RuleCatalogue.all().stream()
                .filter(rule -> !rule.checks().isEmpty() && RuleEvaluator.notApplicableReason(rule, reference) == null)
                .map(Rule::id).collect(Collectors.toCollection(TreeSet::new));
        Set<String> mutated = Mutants.ALL.stream().map(Mutants.Expectation::rule).collect(Collectors.toCollection(TreeSet::new));
        assertThat(mutated).containsAll(passing);
        assertThat(passing).containsAll(mutated);
    }

    @Test
    @DisplayName("the reference passes every rule that has a mutant")
    void referencePassesTheMutatedRules() {
        ReferenceTarget reference = new ReferenceTarget();
        for (Mutants.Expectation expectation : Mutants.ALL) {
            Rule rule = RuleCatalogue.byId(expectation.rule()).orElseThrow();
            Verdict verdict = RuleEvaluator.evaluate(rule, reference);
            assertThat(verdict.status()).as("%s on the reference: %s", rule.id(), verdict.message()).isEqualTo(Verdict.Status.PASS);
        }
    }
}
