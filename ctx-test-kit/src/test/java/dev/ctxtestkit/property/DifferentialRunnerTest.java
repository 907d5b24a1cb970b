package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.mutants.Mutants;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import dev.ctxtestkit.conformance.target.ReferenceHttpTarget;
import org.junit.jupiter.api.Test;

/** The same schedules on two targets, compared on what both can see. */
class DifferentialRunnerTest {

    @Test
    void theReferenceAgreesWithItself() {
        DifferentialResult result = DifferentialRunner.between(new ReferenceTarget(), new ReferenceTarget()).seed(3).run();
        assertThat(result.agreed()).as("%s", result).isTrue();
        assertThat(result.report()).startsWith("reference (in-process) and reference (in-process) agreed on 100 schedule(s), seed 3");
    }

    @Test
    void aMutantDisagreesAndTheDisagreementIsShrunkAndShownWithBothObservations() {
        DifferentialResult result = DifferentialRunner.between(new ReferenceTarget(), new Mutants.RemainderDropped()).seed(3).run();
        assertThat(result.agreed()).isFalse();
        assertThat(ScheduleFormatter.size(result.shrunk())).as(result.report()).isLessThanOrEqualTo(3);
        assertThat(result.disagreement()).contains("1 fail-open request(s) carrying", "reference (in-process) saw", "mutant: body remainder dropped saw")
                .contains("carrying 0 byte(s)");
        assertThat(result.report()).contains("shrunk schedule:", "passThrough", "reference (in-process) observed:",
                "mutant: body remainder dropped observed:", "fail-open POST /schedule", "replay with -Dctx.property.seed=3");
        assertThat(result.firstObserved()).hasSize(1);
        assertThat(result.secondObserved()).hasSize(1);

        DifferentialResult beacons = DifferentialRunner.between(new ReferenceTarget(), new Mutants.FailFastTasks()).seed(3).run();
        assertThat(beacons.agreed()).isFalse();
        assertThat(beacons.disagreement()).contains("beacons [");
    }

    @Test
    void aTargetErrorThatGoesAwayOnARerunIsRetriedAndListed() {
        ReferenceTarget reference = new ReferenceTarget();
        ConformanceTarget hiccup = new ConformanceTarget() {
            private int runs;

            @Override
            public String name() {
                return "hiccup";
            }

            @Override
            public Language language() {
                return reference.language();
            }

            @Override
            public dev.ctxtestkit.conformance.Profile profile() {
                return reference.profile();
            }

            @Override
            public java.util.Set<Capability> capabilities() {
                return reference.capabilities();
            }

            @Override
            public java.util.List<dev.ctxtestkit.conformance.Observation> run(dev.ctxtestkit.conformance.scenario.Scenario scenario) throws Exception {
                if (++runs == 2) {
                    throw new java.net.SocketException("Broken pipe");
                }
                return reference.run(scenario);
            }
        };
        DifferentialResult result = DifferentialRunner.between(reference, hiccup).seed(3).tries(5).run();
        assertThat(result.agreed()).as("%s", result).isTrue();
        assertThat(result.retried()).singleElement().asString().startsWith("hiccup on schedule-").endsWith("java.net.SocketException: Broken pipe");
        assertThat(result.report()).contains("retried after a target error: hiccup on schedule-");
    }

    @Test
    void schedulesFitBothTargets() {
        ConformanceTarget overHttp = new ReferenceHttpTarget(); // not started: only its capabilities are read
        ScheduleGenerator.Options options = DifferentialRunner.optionsFor(new ReferenceTarget()).and(DifferentialRunner.optionsFor(overHttp));
        assertThat(options.scheduledEvents()).isFalse();
        assertThat(options.limits()).isFalse();
        assertThat(options.neverSettling()).isFalse();
        assertThat(options.maxDelayMs()).isEqualTo(300);
        assertThat(DifferentialRunner.optionsFor(new ReferenceTarget())).isEqualTo(ScheduleGenerator.Options.inProcess());
    }
}
