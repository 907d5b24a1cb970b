package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import org.junit.jupiter.api.Test;

class ScheduleFormatterTest {
    private final Scenario scenario = Scenario.named("fmt").request("POST", "/orders", 300).limit("500").passThrough()
            .waitUntil(TaskSpec.rejecting("t1", 200, "x").withChildren(TaskSpec.resolving("t2", 50).withBeacon(false)))
            .sleep(100).readBody(Step.ReadBody.Mode.PARTIAL, 16).throwAsync("boom").build();

    @Test
    void aScheduleReadsAsOneLinePerStepWithTheHandlersTime() {
        assertThat(ScheduleFormatter.format(scenario)).isEqualTo("""
                fetch POST /orders with a 300-byte body, origin mock, limit 500 ms
                  t=0     passThrough
                  t=0     waitUntil t1: 200 ms -> reject 'x', beacon
                      t=200   t1 registers t2: 50 ms -> resolve
                  t=0     sleep 100 ms
                  t=100   readBody partial 16 bytes
                  t=100   throw 'boom' after an await
                """);
        assertThat(ScheduleFormatter.oneLine(scenario)).isEqualTo("t=0 passThrough; t=0 waitUntil t1: 200 ms -> reject 'x', beacon; "
                + "t=200 t1 registers t2: 50 ms -> resolve; t=0 sleep 100 ms; t=100 readBody partial 16 bytes; t=100 throw 'boom' after an await");
    }

    @Test
    void sizeCountsStepsAndNestedTasks() {
        assertThat(ScheduleFormatter.size(scenario)).isEqualTo(6);
        Scenario streaming = Scenario.named("s").respond(Step.Respond.stream("c", 2, 1, 0, TaskSpec.resolving("w", 3))).build();
        assertThat(ScheduleFormatter.size(streaming)).isEqualTo(2);
        assertThat(ScheduleFormatter.format(Scenario.named("e").event(Scenario.Event.SCHEDULED).build()))
                .isEqualTo("scheduled, limit 30 s (default)\n  (no steps: the handler answers at once)\n");
    }
}
