package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.target.ReferenceTarget;
import dev.ctxtestkit.conformance.target.WorkerdTarget;
import dev.ctxtestkit.workerd.WorkerdBinary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The differential run CI does: the same random schedules on the in-process reference and on real workerd; the first
 * disagreement fails with its shrunk schedule and both observations. 100 schedules by default (about two minutes of
 * real time: workerd is observed in real time) from a fixed seed, so that a build is reproducible and a red one can be
 * replayed; {@code -Dctx.property.seed=…} explores other schedules, {@code -Dctx.property.tries=…} more of them. Skipped
 * when workerd is not installed locally; runs (and fails) when {@code CI} is set.
 */
class WorkerdDifferentialTest {
    /** The schedules every build compares. */
    static final long BUILD_SEED = 20261204L;

    static boolean workerdOrCi() {
        return WorkerdBinary.find().isPresent() || System.getenv("CI") != null;
    }

    @Test
    @EnabledIf(value = "workerdOrCi", disabledReason = WorkerdBinary.HOW_TO_INSTALL)
    void theReferenceAndWorkerdAgreeOnRandomSchedules() throws Exception {
        try (WorkerdTarget workerd = new WorkerdTarget()) {
            DifferentialRunner runner = DifferentialRunner.between(new ReferenceTarget(), workerd).seed(BUILD_SEED).tries(100).withSystemProperties();
            System.out.println("differential run, reference vs workerd: seed " + System.getProperty(PropertyRunner.SEED_PROPERTY, Long.toString(BUILD_SEED)));
            DifferentialResult result = runner.run();
            System.out.println(result.report());
            assertThat(result.agreed()).as("%s", result).isTrue();
        }
    }
}
