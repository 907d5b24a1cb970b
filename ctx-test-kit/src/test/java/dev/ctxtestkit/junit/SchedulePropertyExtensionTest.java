package dev.ctxtestkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import dev.ctxtestkit.property.Properties;
import dev.ctxtestkit.property.Property;
import dev.ctxtestkit.property.ScheduleFormatter;
import dev.ctxtestkit.property.ScheduleGenerator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** {@link ScheduleProperty} on real Jupiter, through EngineTestKit, against small fixture classes. */
class SchedulePropertyExtensionTest {

    private static EngineExecutionResults run(Class<?> fixture, String... configuration) {
        EngineTestKit.Builder builder = EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture));
        for (int i = 0; i < configuration.length; i += 2) {
            builder.configurationParameter(configuration[i], configuration[i + 1]);
        }
        return builder.execute();
    }

    private static Throwable onlyFailure(EngineExecutionResults results) {
        List<Event> failed = results.testEvents().failed().list();
        assertThat(failed).hasSize(1);
        return failed.get(0).getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable).orElseThrow();
    }

    // ------------------------------------------------------------------ fixtures

    static class PassingFixture {
        @ScheduleProperty(tries = 7, seed = 42)
        void everyScheduleIsUnambiguous(Scenario schedule) {
            assertThat(dev.ctxtestkit.property.ScheduleModel.of(schedule).ambiguity()).isEmpty();
        }
    }

    static class SmallSchedulesFixture {
        /** Fails as soon as a schedule does three or more things: the shrunk schedule does exactly three. */
        @ScheduleProperty(tries = 60, seed = 42)
        void schedulesStaySmall(Scenario schedule) {
            assertThat(ScheduleFormatter.size(schedule)).as("size of the schedule").isLessThan(3);
        }
    }

    static class RandomSeedFixture {
        @ScheduleProperty(tries = 60)
        void schedulesStaySmall(Scenario schedule) {
            assertThat(ScheduleFormatter.size(schedule)).as("size of the schedule").isLessThan(3);
        }
    }

    static class ReferenceFixture {
        @ScheduleProperty(tries = 15, seed = 7)
        void theCatalogueHoldsOnTheReference(Scenario schedule) throws Exception {
            List<dev.ctxtestkit.conformance.Observation> observed = new ReferenceTarget().run(schedule);
            for (Property p : Properties.all()) {
                p.assertHolds(schedule, observed);
            }
        }
    }

    static class NoScenarioFixture {
        @ScheduleProperty(tries = 3)
        void forgotTheParameter() {
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void oneInvocationPerTryEachWithItsSchedule() {
        EngineExecutionResults results = run(PassingFixture.class);
        results.testEvents().assertStatistics(stats -> stats.started(7).succeeded(7).failed(0));
        List<String> names = results.testEvents().started().list().stream().map(e -> e.getTestDescriptor().getDisplayName()).toList();
        assertThat(names.get(0)).startsWith("try 1/7 (size 1): ");
        assertThat(names.get(6)).startsWith("try 7/7 (size 4): ");
        String first = ScheduleFormatter.oneLine(new ScheduleGenerator().generate(ScheduleGenerator.scenarioSeed(42, 0), 1));
        assertThat(names.get(0)).contains(first.length() > 100 ? first.substring(0, 100) : first);
        List<ReportEntry> entries = results.allEvents().reportingEntryPublished().list().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow()).toList();
        assertThat(entries).anySatisfy(e -> assertThat(e.getKeyValuePairs()).containsEntry("ctx.property.seed", "42"));
    }

    @Test
    void theFirstFailureStopsTheRunAndIsShrunkWithTheSeedInTheMessage() {
        EngineExecutionResults results = run(SmallSchedulesFixture.class);
        Throwable failure = onlyFailure(results);
        Matcher at = Pattern.compile("failed at try (\\d+) of 60").matcher(failure.getMessage());
        assertThat(at.find()).as(failure.getMessage()).isTrue();
        // the tries before it passed, and those after it never started
        results.testEvents().assertStatistics(stats -> stats.started(Long.parseLong(at.group(1))).failed(1)
                .succeeded(Long.parseLong(at.group(1)) - 1));
        assertThat(failure).isInstanceOf(AssertionError.class)
                .hasMessageContaining("schedule property failed at try ")
                .hasMessageContaining("(seed 42, size ")
                .hasMessageContaining("shrunk schedule:\n")
                .hasMessageContaining("to 3 step(s)")
                .hasMessageContaining("replay with -Dctx.property.seed=42 or @ScheduleProperty(seed = 42L)")
                .hasMessageContaining("failure on it: ")
                .hasMessageContaining("size of the schedule");
        assertThat(failure.getCause()).isInstanceOf(AssertionError.class).hasMessageContaining("Expecting actual:\n  3\nto be less than:\n  3");
    }

    @Test
    void pastingThePrintedSeedReplaysTheFailureExactly() {
        Throwable first = onlyFailure(run(RandomSeedFixture.class));
        Matcher seed = Pattern.compile("-Dctx\\.property\\.seed=(-?\\d+)").matcher(first.getMessage());
        assertThat(seed.find()).as(first.getMessage()).isTrue();
        Throwable replayed = onlyFailure(run(RandomSeedFixture.class, "ctx.property.seed", seed.group(1)));
        assertThat(replayed.getMessage()).isEqualTo(first.getMessage());
    }

    @Test
    void ctxPropertyTriesScalesTheRun() {
        run(PassingFixture.class, "ctx.property.tries", "3").testEvents().assertStatistics(stats -> stats.started(3).succeeded(3));
        run(PassingFixture.class, "ctx.property.tries", "25").testEvents().assertStatistics(stats -> stats.started(25).succeeded(25));
    }

    @Test
    void theCatalogueHoldsOnTheReferenceThroughTheTemplate() {
        run(ReferenceFixture.class).testEvents().assertStatistics(stats -> stats.started(15).succeeded(15).failed(0));
    }

    @Test
    void aMethodWithoutAScenarioParameterIsAConfigurationError() {
        EngineExecutionResults results = run(NoScenarioFixture.class);
        Throwable failure = results.containerEvents().failed().list().stream().findFirst()
                .flatMap(e -> e.getPayload(TestExecutionResult.class)).flatMap(TestExecutionResult::getThrowable).orElseThrow();
        assertThat(failure).isInstanceOf(ExtensionConfigurationException.class).hasMessageContaining("needs a parameter of type "
                + Scenario.class.getName());
    }
}
