package dev.ctxtestkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import dev.ctxtestkit.junit.ScheduleProperty;
import dev.ctxtestkit.property.Properties;
import dev.ctxtestkit.property.PropertyResult;
import dev.ctxtestkit.property.PropertyRunner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Property tests over random schedules of waitUntil, passThroughOnException and abort (README, "Property testing of schedules"). */
class SchedulePropertyTest {
    private final ReferenceTarget reference = new ReferenceTarget();

    /** Two properties of the catalogue, WU-6 and WU-7, over 100 random schedules. */
    @ScheduleProperty(tries = 100)
    void aRejectionNeverChangesTheResponseOrItsSiblings(Scenario schedule) throws Exception {
        List<Observation> observed = reference.run(schedule);
        Properties.REJECTION_KEEPS_RESPONSE.assertHolds(schedule, observed);
        Properties.REJECTION_SPARES_SIBLINGS.assertHolds(schedule, observed);
    }

    /** A property of your own: once the flag is set first, no schedule shows the client the worker's error page. */
    @ScheduleProperty(tries = 50)
    void withTheFlagSetFirstTheClientNeverSeesTheErrorPage(Scenario schedule) throws Exception {
        List<Step> steps = new ArrayList<>(schedule.steps());
        steps.add(0, new Step.PassThrough(0));
        Scenario flagged = new Scenario(schedule.name(), schedule.event(), schedule.form(), schedule.request(), schedule.props(),
                schedule.limit(), schedule.origin(), schedule.invocations(), steps);

        for (Observation o : reference.run(flagged)) {
            assertThat(o.response().bodyText()).isNotEqualTo("Internal Server Error");
        }
    }

    /** Without JUnit's help: the whole catalogue, the runner, and what it reports. */
    @Test
    void theWholeCatalogueHoldsOnTheReference() {
        PropertyResult result = PropertyRunner.on(reference).tries(100).seed(20_261_203L).run();
        assertThat(result.passed()).as("%s", result).isTrue();
    }
}
