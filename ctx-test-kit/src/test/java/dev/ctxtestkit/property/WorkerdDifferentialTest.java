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
 * real time: workerd is observed in real time); {@code -Dctx.property.tries=…} runs more, {@code -Dctx.property.seed=…}
 * replays one run. Skipped when workerd is not installed locally; runs (and fails) when {@code CI} is set.
 */
class WorkerdDifferentialTest {

    static boolean workerdOrCi() {
        return WorkerdBinary.find().isPresent() || System.getenv("CI") != null;
    }

    @Test
    @EnabledIf(value = "workerdOrCi", disabledReason = WorkerdBinary.HOW_TO_INSTALL)
    void theReferenceAndWorkerdAgreeOnRandomSchedules() throws Exception {
        try (WorkerdTarget workerd = new WorkerdTarget()) {
            DifferentialResult result = DifferentialRunner.between(new ReferenceTarget(), workerd).tries(100).withSystemProperties().run();
            System.out.println(result.report());
            assertThat(result.agreed()).as("%s", result).isTrue();
        }
    }
}
