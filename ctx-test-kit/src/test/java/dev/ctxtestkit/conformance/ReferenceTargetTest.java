package dev.ctxtestkit.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.TaskResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceTargetTest {
    private final ReferenceTarget target = new ReferenceTarget();

    @Test
    void wu7_threeTasksMiddleRejects_beaconsAndRecordsShowIsolation() throws Exception {
        Scenario scenario = Scenario.named("wu-7")
                .waitUntil(TaskSpec.resolving("first", 100))
                .waitUntil(TaskSpec.rejecting("middle", 50, "wu7-rejected"))
                .waitUntil(TaskSpec.resolving("last", 150))
                .respond(Step.Respond.report())
                .build();
        List<Observation> observations = target.run(scenario);
        Observation o = observations.get(0);
        assertThat(o.response().status()).isEqualTo(200);
        assertThat(o.beacon("first")).isPresent();
        assertThat(o.beacon("last")).get().extracting(Observation.OriginRequest::atMs).isEqualTo(150L);
        assertThat(o.record()).get().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.OK);
            assertThat(r.tasks()).extracting(t -> t.result()).containsExactly(TaskResult.RESOLVED, TaskResult.REJECTED, TaskResult.RESOLVED);
        });
    }

    @Test
    void pt7_partialReadForwardsOnlyTheRemainder() throws Exception {
        Scenario scenario = Scenario.named("pt-7")
                .request("POST", "/pt-7?x=1", 266_668)
                .passThrough()
                .readBody(Step.ReadBody.Mode.PARTIAL, 4096)
                .beacon("read")
                .throwError("pt7")
                .build();
        Observation o = target.run(scenario).get(0);
        assertThat(o.response().status()).isEqualTo(299);
        assertThat(o.fallbackRequests()).hasSize(1);
        Observation.OriginRequest fallback = o.fallbackRequests().get(0);
        assertThat(fallback.body().length).isEqualTo(266_668 - 4096);
        assertThat(fallback.header("content-length")).isEqualTo(Integer.toString(266_668 - 4096));
        assertThat(fallback.header("host")).isEqualTo("worker.test");
        assertThat(fallback.target()).isEqualTo("/pt-7?x=1");
    }

    @Test
    void pt7_aPartialReadLargerThanOneChunkConsumesExactlyTheBytesAsked() throws Exception {
        int asked = 20_000; // more than one 16 KiB chunk: the probe reads on until it has them all
        Scenario scenario = Scenario.named("pt-7-chunks")
                .request("POST", "/pt-7", 50_000)
                .passThrough()
                .readBody(Step.ReadBody.Mode.PARTIAL, asked)
                .throwError("pt7")
                .build();
        Observation o = target.run(scenario).get(0);
        assertThat(o.fallbackRequests()).singleElement()
                .satisfies(fallback -> assertThat(fallback.body()).hasSize(50_000 - asked)
                        .isEqualTo(java.util.Arrays.copyOfRange(scenario.request().body(), asked, 50_000)));
    }

    @Test
    void lim5_neverTaskIsCancelledAtThirtySeconds() throws Exception {
        Scenario scenario = Scenario.named("lim-5")
                .waitUntil(TaskSpec.resolving("late", 40_000).withFinallyBeacon())
                .waitUntil(TaskSpec.never("never", 10))
                .build();
        Observation o = target.run(scenario).get(0);
        assertThat(o.beacon("late")).isEmpty();
        assertThat(o.beacon("late-finally")).isEmpty();
        assertThat(o.record()).get().satisfies(r -> assertThat(r.tasksWith(TaskResult.CANCELLED)).hasSize(2));
    }
}
