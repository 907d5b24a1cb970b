package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.ScenarioJson;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** The same seed gives the same scenario and, on the reference under the virtual clock, the same timeline byte for byte. */
class DeterminismTest {

    @Test
    void theSameSeedGivesByteIdenticalTimelinesOnTheReference() throws Exception {
        ReferenceTarget reference = new ReferenceTarget();
        for (int i = 0; i < 50; i++) {
            long seed = ScheduleGenerator.scenarioSeed(99, i);
            int size = ScheduleGenerator.sizeFor(i, 20);
            Scenario first = new ScheduleGenerator().generate(seed, size);
            Scenario second = new ScheduleGenerator().generate(seed, size);
            assertThat(ScenarioJson.toJson(second)).isEqualTo(ScenarioJson.toJson(first));
            String a = ScheduleFormatter.timeline(reference.run(first));
            String b = ScheduleFormatter.timeline(reference.run(second));
            assertThat(b).as("timeline of %s, size %s:%n%s", Long.toHexString(seed), size, ScheduleFormatter.format(first)).isEqualTo(a);
            assertThat(a).contains("timeline:");
        }
    }

    /**
     * Why the generator keeps timers apart: two tasks whose beacons (real loopback I/O) are due at the same virtual
     * instant complete in the order their HTTP round trips happen to finish, and VirtualClock delivers external
     * completions in that arrival order. The origin's arrival order, which child task gets which index, and the order
     * of the tasks' records all vary from run to run; 60 runs of this schedule gave 4 different timelines.
     */
    @Test
    @Disabled("BUG: VirtualClock delivers completions of concurrent external I/O in real arrival order, so two beacons due at the "
            + "same virtual instant make a run nondeterministic (CTX-8 promises deterministic runs under a virtual clock); "
            + "delivering them in the order the operations began would fix it")
    void twoBeaconsDueAtTheSameInstantGiveTheSameTimelineEveryTime() throws Exception {
        Scenario tie = Scenario.named("tie")
                .waitUntil(TaskSpec.resolving("a", 5).withChildren(TaskSpec.resolving("a-child", 3).withBeacon(false)))
                .waitUntil(TaskSpec.rejecting("b", 5, "b").withChildren(TaskSpec.rejecting("b-child", 7, "bc").withBeacon(false)))
                .respond(Step.Respond.text(200, "ok")).build();
        assertThat(ScheduleModel.of(tie).ambiguity()).isPresent();
        ReferenceTarget reference = new ReferenceTarget();
        Set<String> timelines = new TreeSet<>();
        for (int i = 0; i < 60; i++) {
            timelines.add(ScheduleFormatter.timeline(reference.run(tie)));
        }
        assertThat(timelines).hasSize(1);
    }

    @Test
    void theTimelineHidesOnlyLoopbackPorts() throws Exception {
        Scenario refused = Scenario.named("refused").origin(Scenario.OriginSpec.refused()).passThrough().throwError("x").build();
        String timeline = ScheduleFormatter.timeline(new ReferenceTarget().run(refused));
        assertThat(timeline).contains("127.0.0.1:PORT").doesNotContainPattern("127\\.0\\.0\\.1:\\d");
    }
}
