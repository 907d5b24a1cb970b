package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.ScenarioJson;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
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

    @Test
    void theTimelineHidesOnlyLoopbackPorts() throws Exception {
        Scenario refused = Scenario.named("refused").origin(Scenario.OriginSpec.refused()).passThrough().throwError("x").build();
        String timeline = ScheduleFormatter.timeline(new ReferenceTarget().run(refused));
        assertThat(timeline).contains("127.0.0.1:PORT").doesNotContainPattern("127\\.0\\.0\\.1:\\d");
    }
}
