package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.mutants.MutantTarget;
import dev.ctxtestkit.conformance.mutants.Mutants;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proof that the properties find bugs: each mutant of the runtime breaks one decision, and the default run (100
 * tries) finds it, shrinks it to a schedule of at most 3 steps (tasks counted as steps) that still breaks a property
 * naming the mutant's rule, and pasting the printed seed replays exactly that.
 */
class MutantDetectionTest {
    /** A fixed seed, so that CI is deterministic; the report in BENCHMARKS.md gives the figures for other seeds. */
    static final long SEED = 1;

    static Stream<Arguments> mutants() {
        return Stream.of(
                Arguments.of(Mutants.FailFastTasks.class, "WU-7"),
                Arguments.of(Mutants.DrainDoesNotReloop.class, "WU-11"),
                Arguments.of(Mutants.FailOpenAfterHeaders.class, "PT-4"),
                Arguments.of(Mutants.RemainderDropped.class, "PT-7"),
                Arguments.of(Mutants.ReplaysWholeBody.class, "PT-7"),
                Arguments.of(Mutants.ResponseWaitsForTasks.class, "WU-5"),
                Arguments.of(Mutants.RejectionFailsHandler.class, "WU-6"),
                Arguments.of(Mutants.HandlerErrorCancelsTasks.class, "WU-11"),
                Arguments.of(Mutants.LimitLeavesTasksRunning.class, "LIM-5"),
                Arguments.of(Mutants.IgnoresConfiguredLimit.class, "LIM-4"),
                Arguments.of(Mutants.FailOpenWithoutFlag.class, "PT-3"),
                Arguments.of(Mutants.AbortIgnoresFlag.class, "ABT-3"),
                Arguments.of(Mutants.RelayedAs200.class, "PT-6"),
                Arguments.of(Mutants.TaskFailureSetsOutcome.class, "ERR-6"),
                Arguments.of(Mutants.ScheduledIgnoresTaskFailure.class, "EVT-1"),
                Arguments.of(Mutants.AbortOutcomeCanceled.class, "ABT-5"),
                Arguments.of(Mutants.InvocationEndAtHeaders.class, "LIM-1"),
                Arguments.of(Mutants.WarningPerTask.class, "LIM-6"),
                Arguments.of(Mutants.ErrorWithoutConnectionClose.class, "ERR-9"),
                Arguments.of(Mutants.AlwaysChunked.class, "BODY-5"));
    }

    @ParameterizedTest(name = "{0} breaks {1}")
    @MethodSource("mutants")
    void theDefaultRunFindsTheMutantAndShrinksItToAtMostThreeSteps(Class<? extends MutantTarget> mutant, String rule) throws Exception {
        ConformanceTarget target = mutant.getDeclaredConstructor().newInstance();
        PropertyResult result = PropertyRunner.on(target).seed(SEED).run();
        System.out.println(mutant.getSimpleName() + ": " + (result.passed() ? "not found" : "try " + result.tryNumber() + ", shrunk "
                + ScheduleFormatter.size(result.original()) + " -> " + ScheduleFormatter.size(result.shrunk()) + " in "
                + result.shrinking().attempts() + " attempts, " + result.property()));

        assertThat(result.passed()).as("%s not found in %s tries", mutant.getSimpleName(), result.tries()).isFalse();
        assertThat(result.tryNumber()).isLessThanOrEqualTo(PropertyRunner.DEFAULT_TRIES);
        assertThat(ScheduleFormatter.size(result.shrunk())).as(result.report()).isLessThanOrEqualTo(3);
        List<String> violatedRules = new ArrayList<>(result.property().rules());
        result.alsoViolated().forEach(p -> violatedRules.addAll(p.rules()));
        assertThat(violatedRules).as(result.report()).contains(rule);

        // the shrunk schedule tells the mutant from the reference
        List<dev.ctxtestkit.conformance.Observation> onReference = new ReferenceTarget().run(result.shrunk());
        for (Property p : Properties.all()) {
            assertThat(p.check(result.shrunk(), onReference)).as("%s on the reference", p).isEmpty();
        }

        // pasting the printed seed replays the same failure and the same shrunk schedule
        Matcher printed = Pattern.compile("-D" + Pattern.quote(PropertyRunner.SEED_PROPERTY) + "=(-?\\d+)").matcher(result.report());
        assertThat(printed.find()).as(result.report()).isTrue();
        PropertyResult replay = PropertyRunner.on(mutant.getDeclaredConstructor().newInstance())
                .seed(PropertyRunner.parseSeed(printed.group(1), "the printed seed")).run();
        assertThat(replay.tryNumber()).isEqualTo(result.tryNumber());
        assertThat(replay.property()).isSameAs(result.property());
        assertThat(replay.shrunk()).isEqualTo(result.shrunk());
        assertThat(replay.violation()).isEqualTo(result.violation());
    }
}
