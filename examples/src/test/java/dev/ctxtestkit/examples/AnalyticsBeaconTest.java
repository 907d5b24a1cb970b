package dev.ctxtestkit.examples;

import static dev.ctxtestkit.testkit.CtxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.junit.CtxTest;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.testkit.InvocationResult;
import dev.ctxtestkit.testkit.MockOrigin;
import dev.ctxtestkit.testkit.WorkerHarness;
import mockwebserver3.MockResponse;

class AnalyticsBeaconTest {

    @CtxTest(strictOrigin = CtxTest.Strictness.STRICT)
    void wu7_oneFailingBeaconDoesNotStopTheOthersOrChangeTheResponse(WorkerHarness harness, MockOrigin origin) {
        origin.acceptBeacons("/collect/pageview").acceptBeacons("/collect/timing")
                .route("/collect/experiment", new MockResponse.Builder().code(503).build());

        InvocationResult result = harness.fetch(new AnalyticsBeacon(), "http://shop.example/");

        assertThat(result).respondedWith(200).hasBody("hello").hasOutcome(Outcome.OK)
                .hasTaskCount(3).hasRejectedTaskWithMessage("beacon 'experiment' was refused with 503");
        assertThat(origin.receivedUnder("/collect/pageview")).singleElement()
                .satisfies(beacon -> assertThat(beacon.bodyText()).contains("\"event\":\"pageview\""));
        assertThat(origin.receivedUnder("/collect/timing")).hasSize(1);
    }
}
