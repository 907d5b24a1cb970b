package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.ScenarioJson;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The generator: a pure function of (seed, size), covering every kind of step and outcome, never ambiguous. */
class ScheduleGeneratorTest {
    private final ScheduleGenerator generator = new ScheduleGenerator();

    @Test
    void theSameSeedAndSizeGiveTheSameScenarioAndJson() {
        for (int i = 0; i < 50; i++) {
            long seed = ScheduleGenerator.scenarioSeed(7, i);
            int size = ScheduleGenerator.sizeFor(i, 20);
            Scenario a = generator.generate(seed, size);
            Scenario b = new ScheduleGenerator().generate(seed, size);
            assertThat(b).isEqualTo(a);
            assertThat(ScenarioJson.toJson(b)).isEqualTo(ScenarioJson.toJson(a));
            assertThat(ScenarioJson.fromJson(ScenarioJson.toJson(a))).isEqualTo(a);
        }
    }

    @Test
    void differentSeedsGiveDifferentScenarios() {
        Set<String> json = new TreeSet<>();
        for (int i = 0; i < 100; i++) {
            json.add(ScenarioJson.toJson(generator.generate(ScheduleGenerator.scenarioSeed(1, i), 10)));
        }
        assertThat(json).hasSize(100);
    }

    @Test
    void sizesGrowWithTheTryNumberUpToTheMaximum() {
        assertThat(ScheduleGenerator.sizeFor(0, 20)).isEqualTo(1);
        assertThat(ScheduleGenerator.sizeFor(1, 20)).isEqualTo(1);
        assertThat(ScheduleGenerator.sizeFor(2, 20)).isEqualTo(2);
        assertThat(ScheduleGenerator.sizeFor(38, 20)).isEqualTo(20);
        assertThat(ScheduleGenerator.sizeFor(99, 20)).isEqualTo(20);
        assertThat(ScheduleGenerator.sizeFor(99, 3)).isEqualTo(3);
        // the size bounds the top-level tasks
        for (int i = 0; i < 200; i++) {
            Scenario s = generator.generate(ScheduleGenerator.scenarioSeed(3, i), 4);
            assertThat(s.steps().stream().filter(st -> st instanceof Step.WaitUntil).count()).isLessThanOrEqualTo(4);
        }
    }

    @Test
    void over500SeedsEveryStepKindAndOutcomeAppears() {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 500; i++) {
            Scenario s = generator.generate(ScheduleGenerator.scenarioSeed(11, i), ScheduleGenerator.sizeFor(i, 20));
            seen.add("event " + s.event());
            seen.add("origin " + s.origin().mode());
            seen.add("limit " + (s.limit() == null ? "default" : s.limit().equals("unlimited") ? "unlimited" : "ms"));
            if (s.event() == Scenario.Event.FETCH) {
                seen.add("method " + s.request().method());
                seen.add(s.request().bodyBytes() == 0 ? "empty body" : s.request().bodyBytes() > ScheduleModel.REQUEST_CHUNK ? "large body" : "small body");
                if (s.request().chunked()) {
                    seen.add("chunked body");
                }
            }
            boolean ended = false;
            for (Step step : s.steps()) {
                seen.add(kind(step) + (ended ? " after the end" : ""));
                ended |= step instanceof Step.Respond || step instanceof Step.Throw || step instanceof Step.Abort;
            }
            long sleepsBefore = 0;
            for (Step step : s.steps()) {
                if (step instanceof Step.Sleep) {
                    sleepsBefore++;
                } else if (step instanceof Step.PassThrough) {
                    seen.add(sleepsBefore == 0 ? "passThrough before awaits" : "passThrough after an await");
                }
            }
            for (TaskSpec t : Edits.allTasks(s)) {
                seen.add("outcome " + t.outcome());
                if (!t.children().isEmpty()) {
                    seen.add("nested registration");
                }
                if (t.abort()) {
                    seen.add("task aborts");
                }
            }
            ScheduleModel model = ScheduleModel.of(s);
            model.tasks().stream().filter(t -> model.invocationEndMs() >= 0 && t.registeredAtMs() > model.invocationEndMs())
                    .findAny().ifPresent(t -> seen.add("registration after invocation end"));
            seen.add("finish " + model.finishReason());
            if (model.failsOpen()) {
                seen.add("fail-open");
            }
        }
        List<String> expected = List.of("event FETCH", "event SCHEDULED", "origin MOCK", "origin REFUSED", "origin NONE",
                "limit default", "limit ms", "limit unlimited", "method GET", "method POST", "empty body", "small body", "large body",
                "chunked body", "passThrough", "waitUntil", "waitUntilNull", "sleep", "readBody partial", "readBody full",
                "throw sync", "throw async", "abort", "respond text", "respond none", "respond report", "respond stream",
                "respond stream erroring", "respond stream with a task", "beacon after the end", "passThrough before awaits",
                "passThrough after an await", "outcome RESOLVE", "outcome REJECT", "outcome NEVER", "nested registration",
                "task aborts", "registration after invocation end", "finish DRAINED", "finish LIMIT", "finish ABORTED", "fail-open");
        assertThat(seen).containsAll(expected);
    }

    @Test
    void everyGeneratedScheduleIsCoveredByTheModelAndUnambiguous() {
        for (int i = 0; i < 300; i++) {
            Scenario s = generator.generate(ScheduleGenerator.scenarioSeed(13, i), ScheduleGenerator.sizeFor(i, 30));
            assertThat(ScheduleModel.supports(s)).as(s.name()).isTrue();
            assertThat(ScheduleModel.of(s).ambiguity()).as(ScheduleFormatter.format(s)).isEmpty();
            assertThat(ScheduleModel.of(s).finishes()).as("an unlimited limit never meets a task that never settles").isTrue();
        }
    }

    @Test
    void separateMovesClashingTimersApart() {
        Scenario clash = Scenario.named("clash").waitUntil(TaskSpec.resolving("a", 10)).waitUntil(TaskSpec.resolving("b", 10))
                .sleep(10).respond(Step.Respond.text(200, "ok")).build();
        assertThat(ScheduleModel.of(clash).ambiguity()).isPresent();
        Scenario separated = ScheduleGenerator.separate(clash);
        assertThat(ScheduleModel.of(separated).ambiguity()).isEmpty();
        List<Long> delays = new ArrayList<>();
        Edits.allTasks(separated).forEach(t -> delays.add(t.delayMs()));
        assertThat(delays).doesNotHaveDuplicates().allSatisfy(d -> assertThat(d).isBetween(10L, 13L));
    }

    @Test
    void overHttpOptionsMakeShortFetchOnlySchedulesWithWellSeparatedTimersAndNoLimit() {
        ScheduleGenerator http = new ScheduleGenerator(ScheduleGenerator.Options.overHttp());
        for (int i = 0; i < 200; i++) {
            Scenario s = http.generate(ScheduleGenerator.scenarioSeed(5, i), 10);
            assertThat(s.event()).isEqualTo(Scenario.Event.FETCH);
            assertThat(s.limit()).isNull();
            for (TaskSpec t : Edits.allTasks(s)) {
                assertThat(t.outcome()).isNotEqualTo(TaskSpec.Outcome.NEVER);
            }
            // timers 50 ms apart, so that real-time jitter cannot reorder them; the whole schedule stays short
            ScheduleModel model = ScheduleModel.of(s);
            assertThat(model.ambiguity(50)).as(ScheduleFormatter.format(s)).isEmpty();
            assertThat(model.finishedAtMs()).isLessThan(5_000);
        }
    }

    private static String kind(Step step) {
        if (step instanceof Step.ReadBody r) {
            return "readBody " + r.mode().name().toLowerCase();
        } else if (step instanceof Step.Throw t) {
            return t.async() ? "throw async" : "throw sync";
        } else if (step instanceof Step.Respond r) {
            if (r.body().equals("stream")) {
                return r.errorAfter() > 0 ? "respond stream erroring" : r.taskWhileStreaming() != null ? "respond stream with a task" : "respond stream";
            }
            return "respond " + r.body();
        }
        String name = step.getClass().getSimpleName();
        return Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
