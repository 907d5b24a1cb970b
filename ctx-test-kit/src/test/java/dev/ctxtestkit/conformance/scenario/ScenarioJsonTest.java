package dev.ctxtestkit.conformance.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.conformance.RuleCatalogue;
import dev.ctxtestkit.conformance.RuleCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioJsonTest {

    @Test
    void everyScenarioOfTheCatalogueRoundTrips() {
        List<Scenario> scenarios = RuleCatalogue.all().stream().flatMap(r -> r.checks().stream()).map(RuleCheck::scenario).toList();
        assertThat(scenarios).hasSizeGreaterThan(50);
        for (Scenario s : scenarios) {
            assertThat(ScenarioJson.fromJson(ScenarioJson.toJson(s))).as(s.name()).isEqualTo(s);
        }
    }

    @Test
    void everyStepKindRoundTrips() {
        TaskSpec nested = TaskSpec.resolving("outer", 10).withChildren(TaskSpec.rejecting("inner", 5, "boom").withFinallyBeacon().withReadBody()).withAbort();
        Scenario s = Scenario.named("all-steps").event(Scenario.Event.SCHEDULED).form(Scenario.Form.CLASS)
                .request(new Scenario.RequestSpec("PUT", "/x?y=1", Map.of("x-a", "1"), 10, true))
                .props(Map.of("k", "v")).limit("unlimited").origin(Scenario.OriginSpec.refused()).invocations(2)
                .passThrough().waitUntil(nested).step(new Step.WaitUntilMany("m", 3, 1, 1)).step(new Step.WaitUntilNull(2))
                .sleep(5).readBody(Step.ReadBody.Mode.PARTIAL, 7).throwAsync("t").abort(null).beacon("b")
                .step(new Step.SetTimeout(9, "timer", 0)).log("warn", "w").step(new Step.SaveCtx(1)).step(new Step.UseSavedCtx(2))
                .step(new Step.ReleaseHeld(2)).respond(Step.Respond.stream("c", 2, 3, 1, TaskSpec.never("n", 1)))
                .build();
        assertThat(ScenarioJson.fromJson(ScenarioJson.toJson(s))).isEqualTo(s);
    }

    @Test
    void badInputNamesTheField() {
        assertThatThrownBy(() -> ScenarioJson.fromJson("{\"name\":\"x\"}")).hasMessageContaining("missing field 'request'");
        String valid = ScenarioJson.toJson(Scenario.named("ok").build());
        assertThatThrownBy(() -> ScenarioJson.fromJson(valid.replace("\"event\":\"fetch\"", "\"event\":\"email\"")))
                .hasMessageContaining("'email' is not one of [fetch, scheduled]");
        assertThatThrownBy(() -> ScenarioJson.fromJson(valid.replace("\"steps\":[]", "\"steps\":[{\"op\":\"dance\"}]")))
                .hasMessageContaining("unknown step op 'dance'");
        assertThatThrownBy(() -> ScenarioJson.fromJson(valid.replace("\"invocations\":1", "\"invocations\":\"one\"")))
                .hasMessageContaining("field 'invocations' must be a number");
    }

    @Test
    void requestPathMustBeAbsolute() {
        assertThatThrownBy(() -> Scenario.RequestSpec.get("relative")).hasMessageContaining("must start with '/'");
    }
}
