package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every property of the catalogue holds on the reference: CI's share is {@value PropertyRunner#DEFAULT_TRIES}
 * schedules from a fixed seed; {@code -Dctx.property.tries=10000} runs more, {@code -Dctx.property.seed=0} a random
 * seed (printed), any other seed replays that run.
 */
class PropertiesOnReferenceTest {
    static final long CI_SEED = 20_261_203L;

    @Test
    void everyPropertyHoldsOnTheReferenceForCisShareOfSchedules() {
        PropertyResult result = PropertyRunner.on(new ReferenceTarget()).seed(CI_SEED).withSystemProperties().run();
        System.out.println(result.passed() ? result.report() : "");
        assertThat(result.passed()).as("%s", result).isTrue();
        assertThat(result.triesRun()).isEqualTo(result.tries());
    }

    @Test
    void everyPropertyNamesSpecRulesAndTheCatalogueIsInItsCheckingOrder() {
        assertThat(Properties.all()).hasSize(12).allSatisfy(p -> assertThat(p.rules()).isNotEmpty()
                .allSatisfy(id -> assertThat(id).matches("(CTX|WU|LIM|PT|ABT|ERR|BODY|EVT)-\\d+")));
        assertThat(Properties.all().get(0)).isSameAs(Properties.RESPONSE_NEVER_WAITS);
        assertThat(Properties.observableOverHttp()).contains(Properties.REJECTION_SPARES_SIBLINGS, Properties.ORIGIN_GETS_UNREAD_REMAINDER)
                .doesNotContain(Properties.DRAIN_ENDS_EXACTLY, Properties.EVERY_TASK_ENDS_ONCE);
        assertThat(Properties.REJECTION_SPARES_SIBLINGS).hasToString("[WU-7] a rejection never affects its siblings");
    }

    @Test
    void aPropertyReportsWhatIsWrongInTheWordsOfItsRule() throws Exception {
        Scenario s = Scenario.named("pt7").request("POST", "/p", 40).passThrough()
                .readBody(dev.ctxtestkit.conformance.scenario.Step.ReadBody.Mode.PARTIAL, 15).throwError("boom").build();
        List<Observation> observed = new ReferenceTarget().run(s);
        assertThat(Properties.ORIGIN_GETS_UNREAD_REMAINDER.check(s, observed)).isEmpty();
        // the same observations judged against a schedule that read nothing: the remainder is 15 bytes short
        Scenario untouched = Scenario.named("pt7").request("POST", "/p", 40).passThrough().throwError("boom").build();
        assertThat(Properties.ORIGIN_GETS_UNREAD_REMAINDER.check(untouched, observed)).hasValueSatisfying(v -> assertThat(v)
                .contains("expected the origin to receive the 40 unread byte(s) of the 40-byte body (the handler read 0), got 25 byte(s)"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Properties.ORIGIN_GETS_UNREAD_REMAINDER.assertHolds(untouched, observed))
                .isInstanceOf(AssertionError.class).hasMessageStartingWith("[PT-7, PT-5] the origin receives exactly the unread remainder does not hold")
                .hasMessageContaining("t=0     passThrough");
    }
}
