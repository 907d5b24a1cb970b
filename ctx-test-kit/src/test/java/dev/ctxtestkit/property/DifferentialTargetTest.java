package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.engine.TargetFactory;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The hook for differential runs against another runtime: set
 * {@code -Dctx.property.differentialTarget=<a name TargetFactory understands>} (for example {@code reference-http},
 * or a target's class name) and this test runs CI's share of schedules ({@code ctx.property.tries} scales it) on the
 * in-process reference and on that target, and fails with the shrunk schedule and both observations at the first
 * disagreement.
 */
class DifferentialTargetTest {

    @Test
    @EnabledIfSystemProperty(named = DifferentialRunner.TARGET_PROPERTY, matches = ".+",
            disabledReason = "no second target: set -D" + DifferentialRunner.TARGET_PROPERTY + "=<target name> (e.g. reference-http or workerd)")
    void theReferenceAndTheOtherTargetAgreeOnRandomSchedules() throws Exception {
        try (ConformanceTarget other = TargetFactory.create(System.getProperty(DifferentialRunner.TARGET_PROPERTY))) {
            DifferentialResult result = DifferentialRunner.between(new ReferenceTarget(), other).withSystemProperties().run();
            System.out.println(result.report());
            assertThat(result.agreed()).as("%s", result).isTrue();
        }
    }
}
