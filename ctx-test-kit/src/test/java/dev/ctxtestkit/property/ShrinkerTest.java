package dev.ctxtestkit.property;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The shrinker, against predicates over the schedule alone (no target). */
class ShrinkerTest {
    private static boolean hasRejection(Scenario s) {
        return Edits.allTasks(s).stream().anyMatch(t -> t.outcome() == TaskSpec.Outcome.REJECT);
    }

    @Test
    void dropsEverythingThePredicateDoesNotNeedAndShortensWhatItDoes() {
        Scenario big = new ScheduleGenerator().generate(12345, 20);
        Predicate<Scenario> fails = s -> hasRejection(s) && s.steps().stream().anyMatch(st -> st instanceof Step.PassThrough);
        if (!fails.test(big)) {
            big = big.toBuilder().passThrough().waitUntil(TaskSpec.rejecting("r", 700, "x")).build();
        }
        Shrinker.Result result = new Shrinker().shrink(big, fails);
        Scenario small = result.scenario();
        assertThat(fails.test(small)).isTrue();
        assertThat(ScheduleFormatter.size(small)).as(ScheduleFormatter.format(small)).isEqualTo(2);
        assertThat(Edits.allTasks(small)).singleElement().satisfies(t -> {
            assertThat(t.delayMs()).isEqualTo(1);
            assertThat(t.beacon()).isFalse();
            assertThat(t.children()).isEmpty();
        });
        assertThat(small.limit()).isNull();
        assertThat(small.request().bodyBytes()).isZero();
        assertThat(result.accepted()).isPositive();
        assertThat(result.exhausted()).isFalse();
    }

    @Test
    void liftsANestedTaskToTheTopAtTheSameTime() {
        Scenario nested = Scenario.named("n").waitUntil(TaskSpec.resolving("p", 10).withChildren(TaskSpec.rejecting("c", 5, "x"))).build();
        Shrinker.Result result = new Shrinker().shrink(nested, s -> hasRejection(s) && ScheduleModel.of(s).rejectionTimesMs().contains(15L));
        assertThat(ScheduleFormatter.format(result.scenario())).contains("t=0     waitUntil c: 15 ms -> reject 'x'");
        assertThat(ScheduleFormatter.size(result.scenario())).isEqualTo(1);
    }

    @Test
    void neverOffersAnAmbiguousScheduleAndStopsAtItsBound() {
        Scenario s = Scenario.named("b").waitUntil(TaskSpec.rejecting("a", 9, "x")).waitUntil(TaskSpec.resolving("b", 5)).sleep(7).build();
        AtomicInteger runs = new AtomicInteger();
        Shrinker.Result result = new Shrinker(3).shrink(s, candidate -> {
            runs.incrementAndGet();
            assertThat(ScheduleModel.of(candidate).ambiguity()).as(ScheduleFormatter.format(candidate)).isEmpty();
            return false;
        });
        assertThat(runs.get()).isEqualTo(3);
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(result.exhausted()).isTrue();
        assertThat(result.scenario()).isSameAs(s);
    }

    @Test
    void aSpentTimeBudgetStopsBeforeTheNextAttempt_andSaysSo() {
        Scenario s = Scenario.named("t").waitUntil(TaskSpec.rejecting("a", 9, "x")).sleep(7).build();
        AtomicInteger runs = new AtomicInteger();
        Shrinker.Result result = new Shrinker().withTimeBudget(Duration.ZERO).shrink(s, candidate -> runs.incrementAndGet() > 0);
        assertThat(runs.get()).isZero();
        assertThat(result.exhausted()).isTrue();
        assertThat(result.scenario()).isSameAs(s);
    }

    @Test
    void aTimeBudgetLeavesTheAttemptBoundInForce() {
        Shrinker budgeted = new Shrinker(3).withTimeBudget(Duration.ofHours(1));
        assertThat(budgeted.timeBudget()).hasValue(Duration.ofHours(1));
        Scenario s = Scenario.named("b").waitUntil(TaskSpec.rejecting("a", 9, "x")).waitUntil(TaskSpec.resolving("b", 5)).sleep(7).build();
        assertThat(budgeted.shrink(s, candidate -> false).attempts()).isEqualTo(3);
        assertThatThrownBy(() -> new Shrinker().withTimeBudget(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
    }

    @Test
    void everyCandidateIsSimplerThanItsSource() {
        Scenario s = new ScheduleGenerator().generate(777, 12);
        for (Scenario c : new Shrinker().candidates(s)) {
            assertThat(c).isNotEqualTo(s);
            assertThat(ScheduleFormatter.size(c)).isLessThanOrEqualTo(ScheduleFormatter.size(s));
        }
    }
}
