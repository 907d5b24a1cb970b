package dev.ctxtestkit.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceConformanceSmokeTest {
    @Test
    void everyImplementedRulePassesOnTheReference() {
        ReferenceTarget target = new ReferenceTarget();
        List<String> failures = new ArrayList<>();
        for (Rule rule : RuleCatalogue.all()) {
            Verdict v = RuleEvaluator.evaluate(rule, target);
            System.out.printf("%-7s %-16s %5d ms %s%n", rule.id(), v.status().label(), v.duration().toMillis(),
                    v.status() == Verdict.Status.PASS ? "" : v.message().lines().findFirst().orElse(""));
            if (v.status() == Verdict.Status.FAIL) {
                failures.add(v.message());
            }
        }
        assertThat(failures).isEmpty();
    }
}
