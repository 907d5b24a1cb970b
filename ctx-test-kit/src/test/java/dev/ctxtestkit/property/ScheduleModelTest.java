package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.TaskResult;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model's predictions for small schedules, each read off the spec rule it names. */
class ScheduleModelTest {

    private static List<String> keys(ScheduleModel model) {
        return model.tasks().stream().map(t -> t.tag() + " " + t.key()).toList();
    }

    @Test
    void wu11_aNestedRegistrationDuringTheDrainExtendsIt() {
        ScheduleModel m = ScheduleModel.of(Scenario.named("wu11")
                .waitUntil(TaskSpec.resolving("outer", 10).withChildren(TaskSpec.resolving("inner", 20)))
                .respond(Step.Respond.text(200, "ok")).build());
        assertThat(m.invocationEndMs()).isZero();
        assertThat(keys(m)).containsExactly("outer +0..+10 resolved", "inner +10..+30 resolved");
        assertThat(m.finishReason()).isEqualTo(FinishReason.DRAINED);
        assertThat(m.finishedAtMs()).isEqualTo(30);
        assertThat(m.beacons()).containsEntry("outer", 10L).containsEntry("inner", 30L);
        assertThat(m.outcome()).isEqualTo(Outcome.OK);
        assertThat(m.response().orElseThrow().completedAtMs()).isZero();
    }

    @Test
    void wu6_wu7_aRejectionChangesNeitherTheResponseNorItsSiblings() {
        ScheduleModel m = ScheduleModel.of(Scenario.named("wu7")
                .waitUntil(TaskSpec.rejecting("bad", 5, "x")).waitUntil(TaskSpec.resolving("good", 20)).sleep(10)
                .respond(Step.Respond.text(201, "fine")).build());
        assertThat(m.response().orElseThrow().status()).isEqualTo(201);
        assertThat(m.response().orElseThrow().headersAtMs()).isEqualTo(10);
        assertThat(keys(m)).containsExactly("bad +0..+5 rejected", "good +0..+20 resolved");
        assertThat(m.rejectionTimesMs()).containsExactly(5L);
        assertThat(m.asyncExceptions()).isEqualTo(1);
        assertThat(m.outcome()).isEqualTo(Outcome.OK);
        assertThat(m.recordedStatus()).hasValue(201);
    }

    @Test
    void pt3_theFlagMustBeSetBeforeTheStageEnds_anAbortFromATaskDuringASleepComesFirst() {
        ScheduleModel m = ScheduleModel.of(Scenario.named("pt3").request("POST", "/", 10)
                .waitUntil(TaskSpec.resolving("aborter", 5).withAbort()).sleep(10).passThrough().throwError("late").build());
        assertThat(m.failsOpen()).isFalse();
        assertThat(m.response().orElseThrow().kind()).isEqualTo(ScheduleModel.ResponseKind.ERROR_500);
        assertThat(m.response().orElseThrow().headersAtMs()).isEqualTo(5);
        assertThat(m.finishReason()).isEqualTo(FinishReason.ABORTED);
        assertThat(keys(m)).containsExactly("aborter +0..+5 cancelled");
        assertThat(m.handlerExceptions()).isEqualTo(1);
        assertThat(m.failOpenReason()).contains("never called");
    }

    @Test
    void pt3_pt7_aPartialReadThenAThrowForwardsTheUnreadRemainder() {
        ScheduleModel m = ScheduleModel.of(Scenario.named("pt7").request("POST", "/", 100).passThrough()
                .readBody(Step.ReadBody.Mode.PARTIAL, 10).sleep(3).throwAsync("boom").build());
        assertThat(m.failsOpen()).isTrue();
        assertThat(m.consumedBytes()).isEqualTo(10);
        assertThat(m.remainder()).isEqualTo(Arrays.copyOfRange(Scenario.bodyContent(100), 10, 100));
        assertThat(m.response().orElseThrow().kind()).isEqualTo(ScheduleModel.ResponseKind.FAIL_OPEN_RELAY);
        assertThat(m.outcome()).isEqualTo(Outcome.EXCEPTION);
        assertThat(m.recordedStatus()).isEmpty();
    }

    @Test
    void pt4_aStreamThatFailsAfterTheHeadersIsCutShortAndNeverFailsOpen() {
        ScheduleModel m = ScheduleModel.of(Scenario.named("pt4").passThrough()
                .respond(Step.Respond.stream("ab", 3, 10, 2, null)).build());
        ScheduleModel.ExpectedResponse r = m.response().orElseThrow();
        assertThat(m.failsOpen()).isFalse();
        assertThat(m.errorAfterHeaders()).isTrue();
        assertThat(r.truncated()).isTrue();
        assertThat(new String(r.body())).isEqualTo("abab");
        assertThat(r.completedAtMs()).isEqualTo(20);
        assertThat(m.invocationEndMs()).isEqualTo(20);
        assertThat(m.outcome()).isEqualTo(Outcome.EXCEPTION);
        assertThat(m.recordedStatus()).isEmpty();
    }

    @Test
    void lim4_aConfiguredLimitCancelsWhatIsStillPending() {
        ScheduleModel m = ScheduleModel.of(Scenario.named("lim4").limit("50")
                .waitUntil(TaskSpec.never("stuck", 5)).waitUntil(TaskSpec.resolving("late", 80)).sleep(7)
                .respond(Step.Respond.none(204)).build());
        assertThat(m.invocationEndMs()).isEqualTo(7);
        assertThat(m.finishReason()).isEqualTo(FinishReason.LIMIT);
        assertThat(m.finishedAtMs()).isEqualTo(57);
        assertThat(keys(m)).containsExactly("stuck +0..+57 cancelled", "late +0..+57 cancelled");
        assertThat(m.beacons()).containsOnlyKeys("stuck");
    }

    @Test
    void abt2_anAbortDuringTheDrainCancelsEverythingAndMakesTheOutcomeException() {
        ScheduleModel m = ScheduleModel.of(Scenario.named("abt2")
                .waitUntil(TaskSpec.resolving("a", 10).withAbort()).waitUntil(TaskSpec.resolving("b", 30))
                .respond(Step.Respond.text(200, "ok")).build());
        assertThat(m.finishReason()).isEqualTo(FinishReason.ABORTED);
        assertThat(m.finishedAtMs()).isEqualTo(10);
        assertThat(keys(m)).containsExactly("a +0..+10 cancelled", "b +0..+10 cancelled");
        assertThat(m.outcome()).isEqualTo(Outcome.EXCEPTION);
        assertThat(m.recordedStatus()).isEmpty();
        assertThat(m.asyncExceptions()).isEqualTo(1);
        assertThat(m.response().orElseThrow().status()).isEqualTo(200);
    }

    @Test
    void evt1_aScheduledEventTakesItsFirstTaskFailureOrTheLimitAsItsOutcome() {
        ScheduleModel rejected = ScheduleModel.of(Scenario.named("evt1").event(Scenario.Event.SCHEDULED)
                .waitUntil(TaskSpec.rejecting("x", 5, "x")).build());
        assertThat(rejected.outcome()).isEqualTo(Outcome.EXCEPTION);
        assertThat(keys(rejected)).containsExactly("x +0..+5 rejected", "handler +0..+0 resolved");
        ScheduleModel cut = ScheduleModel.of(Scenario.named("evt1-limit").event(Scenario.Event.SCHEDULED).limit("20")
                .waitUntil(TaskSpec.never("n", 5)).build());
        assertThat(cut.outcome()).isEqualTo(Outcome.CANCELED);
        assertThat(cut.response()).isEmpty();
        ScheduleModel sleeping = ScheduleModel.of(Scenario.named("evt1-async").event(Scenario.Event.SCHEDULED)
                .sleep(5).throwError("late").build());
        assertThat(keys(sleeping)).containsExactly("handler +0..+5 rejected");
        assertThat(sleeping.outcome()).isEqualTo(Outcome.EXCEPTION);
        assertThat(sleeping.invocationEndMs()).isZero();
    }

    @Test
    void stepsAfterTheEndNeverRun() {
        ScheduleModel m = ScheduleModel.of(Scenario.named("abt1").abort("stop").beacon("after").waitUntil(TaskSpec.resolving("t", 5)).build());
        assertThat(m.beacons()).isEmpty();
        assertThat(m.tasks()).isEmpty();
        assertThat(m.finishReason()).isEqualTo(FinishReason.ABORTED);
    }

    @Test
    void clashingTimersAreAmbiguousAndUncoveredShapesAreRefused() {
        assertThat(ScheduleModel.of(Scenario.named("tie").waitUntil(TaskSpec.resolving("a", 5)).sleep(5).build()).ambiguity())
                .hasValueSatisfying(a -> assertThat(a.toString()).contains("task a", "sleep step #1", "+5 ms"));
        assertThat(ScheduleModel.of(Scenario.named("zero").waitUntil(TaskSpec.resolving("a", 0)).build()).ambiguity()).isPresent();
        assertThatThrownBy(() -> ScheduleModel.of(Scenario.named("two").invocations(2).build()))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ScheduleModel.of(Scenario.named("held").waitUntil(TaskSpec.resolving("h", 1).withOutcome(TaskSpec.Outcome.HELD)).build()))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(ScheduleModel.supports(Scenario.named("ok").build())).isTrue();
        assertThat(TaskResult.values()).hasSize(3);
    }
}
