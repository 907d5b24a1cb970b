package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Greedy shrinking of a failing schedule: try simpler variants in a fixed order — drop steps (halves, quarters, …,
 * single steps), drop nested tasks, simplify outcomes (no abort, resolve instead of reject or never, no beacon),
 * simplify the ending and the reads, shorten delays towards their minimum, shrink the request body, fall back to the
 * defaults (limit, origin, plain body) — and keep the first that still fails; then go on from the same position in the
 * variants of the smaller schedule, wrapping around, until none of them fails or the attempts run out. Every variant is strictly simpler than its source, so it terminates; a variant that the model
 * finds ambiguous ({@link ScheduleModel#ambiguity()}) is skipped without running it, so shrunk schedules stay
 * deterministic. Delays shrink towards 1 ms (a task) or 0 (a sleep, the chunk delay). Lifting a nested task to the
 * top level (at the same instant) keeps the size but removes a nesting, which later removals need.
 */
public final class Shrinker {
    /** The default bound on how many variants are run. */
    public static final int DEFAULT_MAX_ATTEMPTS = 1_000;

    private final int maxAttempts;
    private final long minSeparationMs;
    /** Real time the shrinker may spend, or {@code null} for no bound but the attempts. */
    private final Duration budget;

    public Shrinker() {
        this(DEFAULT_MAX_ATTEMPTS);
    }

    public Shrinker(int maxAttempts) {
        this(maxAttempts, 1);
    }

    /** A shrinker whose variants keep timers at least {@code minSeparationMs} apart (for targets in real time). */
    public Shrinker(int maxAttempts, long minSeparationMs) {
        this(maxAttempts, minSeparationMs, null);
    }

    private Shrinker(int maxAttempts, long minSeparationMs, Duration budget) {
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts must not be negative: " + maxAttempts);
        }
        if (minSeparationMs < 1) {
            throw new IllegalArgumentException("minSeparationMs must be at least 1: " + minSeparationMs);
        }
        this.maxAttempts = maxAttempts;
        this.minSeparationMs = minSeparationMs;
        this.budget = budget;
    }

    /**
     * This shrinker, also bounded by {@code budget} of real time: no variant is started once it has passed (a run in
     * progress is finished), and the result says it was {@linkplain Result#exhausted exhausted}. For targets observed in
     * real time, where one attempt can take seconds.
     *
     * @throws IllegalArgumentException if {@code budget} is negative
     */
    public Shrinker withTimeBudget(Duration budget) {
        Objects.requireNonNull(budget, "budget");
        if (budget.isNegative()) {
            throw new IllegalArgumentException("budget must not be negative: " + budget);
        }
        return new Shrinker(maxAttempts, minSeparationMs, budget);
    }

    /** The bound on real time, if any ({@link #withTimeBudget}). */
    public java.util.Optional<Duration> timeBudget() {
        return java.util.Optional.ofNullable(budget);
    }

    /**
     * @param scenario   the failing schedule
     * @param attempts   how many variants were run (each costs one run of the target)
     * @param accepted   how many of them still failed and were kept
     * @param exhausted  whether the attempts (or the {@linkplain #withTimeBudget time budget}) ran out before no simpler
     *                   variant failed
     */
    public record Result(Scenario scenario, int attempts, int accepted, boolean exhausted) { }

    /** Shrinks {@code failing}, for which {@code stillFails} holds, to a local minimum. */
    public Result shrink(Scenario failing, Predicate<Scenario> stillFails) {
        Scenario current = failing;
        int attempts = 0;
        int accepted = 0;
        int start = 0; // after a success, go on from the same kind of variant rather than from the top
        long deadline = budget == null ? Long.MAX_VALUE : System.nanoTime() + budget.toNanos();
        while (true) {
            List<Scenario> candidates = candidates(current);
            boolean improved = false;
            for (int k = 0; k < candidates.size(); k++) {
                int index = (start + k) % candidates.size();
                Scenario candidate = candidates.get(index);
                if (!valid(candidate, minSeparationMs)) {
                    continue;
                }
                if (attempts >= maxAttempts || (budget != null && System.nanoTime() - deadline >= 0)) {
                    return new Result(current, attempts, accepted, true);
                }
                attempts++;
                if (stillFails.test(candidate)) {
                    current = candidate;
                    accepted++;
                    improved = true;
                    start = index;
                    break;
                }
            }
            if (!improved) {
                return new Result(current, attempts, accepted, false);
            }
        }
    }

    private static boolean valid(Scenario candidate, long minSeparationMs) {
        try {
            return ScheduleModel.of(candidate).ambiguity(minSeparationMs).isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The simpler variants of {@code s}, most ambitious first. */
    public List<Scenario> candidates(Scenario s) {
        Set<Scenario> out = new LinkedHashSet<>();
        List<Step> steps = s.steps();
        int n = steps.size();
        // 1. drop runs of steps: halves, quarters, …, single steps, each size from the end
        for (int chunk = Math.max(1, n / 2); chunk >= 1; chunk /= 2) {
            for (int from = n - chunk; from >= 0; from -= chunk) {
                out.add(Edits.removeSteps(s, from, from + chunk));
            }
        }
        // 2. drop nested tasks
        for (TaskSpec task : Edits.allTasks(s)) {
            if (!task.children().isEmpty()) {
                out.add(Edits.mapTasks(s, t -> t.tag().equals(task.tag()) ? Edits.withChildren(t, List.of()) : t));
                for (TaskSpec child : task.children()) {
                    out.add(Edits.mapTasks(s, t -> t.tag().equals(task.tag())
                            ? Edits.withChildren(t, t.children().stream().filter(c -> !c.tag().equals(child.tag())).toList()) : t));
                }
            }
        }
        // lift the children of a top-level task into its place, at the same absolute times, dropping the parent
        for (int i = 0; i < n; i++) {
            if (steps.get(i) instanceof Step.WaitUntil w && !w.task().children().isEmpty()) {
                List<Step> lifted = new ArrayList<>(steps.subList(0, i));
                for (TaskSpec child : w.task().children()) {
                    lifted.add(new Step.WaitUntil(child.withDelay(w.task().delayMs() + child.delayMs()), w.invocation()));
                }
                lifted.addAll(steps.subList(i + 1, n));
                out.add(Edits.withSteps(s, lifted));
            }
        }
        for (int i = 0; i < n; i++) {
            if (steps.get(i) instanceof Step.Respond r && r.taskWhileStreaming() != null) {
                out.add(Edits.replaceStep(s, i, respond(r, r.chunks(), r.chunkDelayMs(), r.errorAfter(), null)));
                // registered by the handler just before it responds instead: the same instant, one nesting less
                List<Step> lifted = new ArrayList<>(steps.subList(0, i));
                lifted.add(new Step.WaitUntil(r.taskWhileStreaming(), r.invocation()));
                lifted.add(respond(r, r.chunks(), r.chunkDelayMs(), r.errorAfter(), null));
                lifted.addAll(steps.subList(i + 1, n));
                out.add(Edits.withSteps(s, lifted));
            }
        }
        // 3. simpler outcomes
        for (TaskSpec task : Edits.allTasks(s)) {
            String tag = task.tag();
            if (task.abort()) {
                out.add(Edits.mapTasks(s, t -> t.tag().equals(tag) ? Edits.withoutAbort(t) : t));
            }
            if (task.outcome() != TaskSpec.Outcome.RESOLVE) {
                out.add(Edits.mapTasks(s, t -> t.tag().equals(tag) ? t.withOutcome(TaskSpec.Outcome.RESOLVE) : t));
            }
            if (task.beacon()) {
                out.add(Edits.mapTasks(s, t -> t.tag().equals(tag) ? t.withBeacon(false) : t));
            }
        }
        // 4. simpler steps
        for (int i = 0; i < n; i++) {
            Step step = steps.get(i);
            if (step instanceof Step.Throw t && t.async()) {
                out.add(Edits.replaceStep(s, i, new Step.Throw(t.message(), false, t.invocation())));
            } else if (step instanceof Step.Respond r && r.body().equals("stream")) {
                if (r.errorAfter() > 0 && r.chunks() > r.errorAfter() + 1) {
                    out.add(Edits.replaceStep(s, i, respond(r, r.errorAfter() + 1, r.chunkDelayMs(), r.errorAfter(), r.taskWhileStreaming())));
                }
                if (r.errorAfter() > 1) {
                    out.add(Edits.replaceStep(s, i, respond(r, r.chunks() - 1, r.chunkDelayMs(), r.errorAfter() - 1, r.taskWhileStreaming())));
                }
                if (r.errorAfter() == 0 && r.chunks() > 1) {
                    out.add(Edits.replaceStep(s, i, respond(r, r.chunks() - 1, r.chunkDelayMs(), 0, r.taskWhileStreaming())));
                }
                if (r.chunkDelayMs() > 0) {
                    for (long d : smaller(r.chunkDelayMs(), 0)) {
                        out.add(Edits.replaceStep(s, i, respond(r, r.chunks(), d, r.errorAfter(), r.taskWhileStreaming())));
                    }
                }
                if (r.taskWhileStreaming() == null && r.errorAfter() == 0) {
                    out.add(Edits.replaceStep(s, i, Step.Respond.text(r.status(), r.text() == null ? "chunk" : r.text())));
                }
            } else if (step instanceof Step.ReadBody r && r.mode() == Step.ReadBody.Mode.PARTIAL && r.bytes() > 1) {
                for (long b : smaller(r.bytes(), 1)) {
                    out.add(Edits.replaceStep(s, i, new Step.ReadBody(Step.ReadBody.Mode.PARTIAL, (int) b, r.invocation())));
                }
            } else if (step instanceof Step.Sleep sl && sl.ms() > 0) {
                for (long ms : smaller(sl.ms(), 0)) {
                    out.add(Edits.replaceStep(s, i, new Step.Sleep(ms, sl.invocation())));
                }
            }
        }
        // 5. shorter task delays
        for (TaskSpec task : Edits.allTasks(s)) {
            String tag = task.tag();
            for (long d : smaller(task.delayMs(), 1)) {
                out.add(Edits.mapTasks(s, t -> t.tag().equals(tag) ? t.withDelay(d) : t));
            }
        }
        // 6. the world: a smaller plain body, the default limit, the mock origin
        Scenario.RequestSpec r = s.request();
        if (r.chunked()) {
            out.add(withRequest(s, new Scenario.RequestSpec(r.method(), r.path(), r.headers(), r.bodyBytes(), false)));
        }
        for (long b : smaller(r.bodyBytes(), 0)) {
            out.add(withRequest(s, new Scenario.RequestSpec(r.method(), r.path(), r.headers(), (int) b, r.chunked() && b > 0)));
        }
        if (s.limit() != null) {
            out.add(s.toBuilder().limit(null).build());
        }
        if (s.limit() != null && !s.limit().equals("unlimited")) {
            for (long l : smaller(Long.parseLong(s.limit()), 1)) {
                out.add(s.toBuilder().limit(Long.toString(l)).build());
            }
        }
        if (s.origin().mode() != Scenario.OriginSpec.Mode.MOCK) {
            out.add(s.toBuilder().origin(Scenario.OriginSpec.mock()).build());
        }
        out.remove(s);
        return new ArrayList<>(out);
    }

    /** Values between {@code floor} and {@code value}, smallest first: the floor, half way, one less. */
    private static List<Long> smaller(long value, long floor) {
        Set<Long> values = new LinkedHashSet<>();
        if (value > floor) {
            values.add(floor);
            values.add(floor + (value - floor) / 2);
            values.add(value - 1);
        }
        values.remove(value);
        return new ArrayList<>(values);
    }

    private static Step.Respond respond(Step.Respond r, int chunks, long chunkDelay, int errorAfter, TaskSpec whileStreaming) {
        return new Step.Respond(r.status(), r.body(), r.text(), chunks, chunkDelay, errorAfter, whileStreaming, r.invocation());
    }

    private static Scenario withRequest(Scenario s, Scenario.RequestSpec request) {
        return s.toBuilder().request(request).build();
    }
}
