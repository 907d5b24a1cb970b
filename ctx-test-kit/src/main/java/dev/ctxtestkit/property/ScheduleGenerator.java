package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Random schedules: a seeded generator of {@link Scenario}s exercising {@code ctx.waitUntil},
 * {@code passThroughOnException} and {@code abort} — how many tasks, their delays and outcomes (resolve, reject,
 * never settle), nested registrations (children registered when a task runs, possibly after the response) and late
 * ones (a task registered while the body streams), body reads (none, partial, full), throws (none, synchronous,
 * after an {@code await}), {@code waitUntil(null)}, steps after the handler's end that must never run, pass-through calls before or after awaits, streamed responses that error, aborts from the
 * handler or from a task, origins that fail, limits, and scheduled events.
 *
 * <p><b>The scenario is a pure function of {@code (seed, size)}</b> (and the {@link Options}): the same pair always
 * gives an equal scenario, with the same JSON, on every machine and JVM, because all randomness comes from one
 * {@link SplittableRandom} seeded with {@code seed} and drawn in a fixed order. {@code size} bounds the number of
 * top-level tasks and of sleeps; a run grows it with the try number ({@link #sizeFor}).
 *
 * <p>Every generated schedule is unambiguous in the sense of {@link ScheduleModel}: task delays are at least 1 ms and
 * clashing timers are nudged apart by a millisecond at a time, so that it runs deterministically on the in-process
 * reference and the model predicts it exactly.
 */
public final class ScheduleGenerator {
    /** What the generator may use. */
    public record Options(boolean scheduledEvents, boolean neverSettling, boolean limits, boolean aborts, boolean streams,
                          boolean originFailures, boolean chunkedRequests, long maxDelayMs, int maxChildDepth, long minSeparationMs) {

        public Options {
            if (minSeparationMs < 1) {
                throw new IllegalArgumentException("minSeparationMs must be at least 1: " + minSeparationMs);
            }
            if (maxDelayMs < 1) {
                throw new IllegalArgumentException("maxDelayMs must be at least 1: " + maxDelayMs);
            }
            if (maxChildDepth < 0) {
                throw new IllegalArgumentException("maxChildDepth must not be negative: " + maxChildDepth);
            }
        }

        /**
         * Everything, for targets that honour the scenario's limit and run in virtual time (the in-process reference);
         * timers need only be due at distinct instants.
         */
        public static Options inProcess() {
            return new Options(true, true, true, true, true, true, true, 2_000, 2, 1);
        }

        /**
         * For targets observed over HTTP in real time: fetch only, the target's own limit, no task that never settles
         * (it would cost the limit in real time), delays of at most 300 ms (before separation), and timers at least 50 ms
         * apart, so that real-time jitter (a body read, a beacon's round trip) cannot reorder them.
         */
        public static Options overHttp() {
            return new Options(false, false, false, true, true, true, true, 300, 1, 50);
        }

        /** What both {@code a} and {@code b} allow. */
        public Options and(Options other) {
            return new Options(scheduledEvents && other.scheduledEvents, neverSettling && other.neverSettling, limits && other.limits,
                    aborts && other.aborts, streams && other.streams, originFailures && other.originFailures,
                    chunkedRequests && other.chunkedRequests, Math.min(maxDelayMs, other.maxDelayMs), Math.min(maxChildDepth, other.maxChildDepth),
                    Math.max(minSeparationMs, other.minSeparationMs));
        }
    }

    /** A header every generated fetch request carries (the scenario's seed), which fail-open must forward (PT-5). */
    public static final String SCHEDULE_HEADER = "x-schedule";

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final int MAX_NUDGES = 100_000;

    private final Options options;

    public ScheduleGenerator() {
        this(Options.inProcess());
    }

    public ScheduleGenerator(Options options) {
        this.options = options;
    }

    public Options options() {
        return options;
    }

    /**
     * The seed of try {@code tryIndex} (0-based) of a run seeded with {@code runSeed}: SplitMix64 of
     * {@code runSeed + (tryIndex + 1) * golden gamma}, so that tries are independent and a run is replayed from its seed.
     */
    public static long scenarioSeed(long runSeed, int tryIndex) {
        long z = runSeed + (tryIndex + 1L) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The size of try {@code tryIndex} (0-based): {@code min(maxSize, 1 + tryIndex / 2)}, so sizes grow with the try
     * number and do not depend on how many tries a run makes (a longer run replays a shorter one's tries).
     */
    public static int sizeFor(int tryIndex, int maxSize) {
        return Math.max(1, Math.min(maxSize, 1 + tryIndex / 2));
    }

    /** The scenario for {@code (seed, size)}; see the class comment. */
    public Scenario generate(long seed, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1: " + size);
        }
        Scenario scenario = new Draw(new SplittableRandom(seed), size, seed).scenario();
        return separate(scenario, options.minSeparationMs());
    }

    /**
     * Makes {@code scenario} unambiguous (see {@link ScheduleModel}): while two timers are due at one instant, moves
     * one of them (a task's delay, a sleep, the stream's chunk delay, or a numeric limit) a millisecond later.
     */
    public static Scenario separate(Scenario scenario) {
        return separate(scenario, 1);
    }

    /** {@link #separate(Scenario)}, with timers at least {@code minSeparationMs} apart. */
    public static Scenario separate(Scenario scenario, long minSeparationMs) {
        Scenario current = scenario;
        for (int i = 0; i < MAX_NUDGES; i++) {
            Optional<ScheduleModel.Ambiguity> clash = ScheduleModel.of(current).ambiguity(minSeparationMs);
            if (clash.isEmpty()) {
                return current;
            }
            current = nudge(current, clash.get(), Math.max(1, minSeparationMs - clash.get().gapMs()));
        }
        throw new IllegalStateException("could not separate the timers of scenario " + scenario.name());
    }

    private static Scenario nudge(Scenario scenario, ScheduleModel.Ambiguity clash, long by) {
        ScheduleModel.Owner owner = nudgeable(clash.second()) ? clash.second() : clash.first();
        return switch (owner.kind()) {
            case TASK -> Edits.mapTasks(scenario, t -> t.tag().equals(owner.taskTag()) ? t.withDelay(t.delayMs() + by) : t);
            case SLEEP -> Edits.replaceStep(scenario, owner.stepIndex(), new Step.Sleep(((Step.Sleep) scenario.steps().get(owner.stepIndex())).ms() + by, 0));
            case CHUNK -> {
                Step.Respond r = (Step.Respond) scenario.steps().get(owner.stepIndex());
                yield Edits.replaceStep(scenario, owner.stepIndex(), new Step.Respond(r.status(), r.body(), r.text(), r.chunks(),
                        r.chunkDelayMs() + by, r.errorAfter(), r.taskWhileStreaming(), r.invocation()));
            }
            case LIMIT -> scenario.toBuilder().limit(Long.toString(Long.parseLong(scenario.limit()) + by)).build();
            case START -> throw new IllegalStateException("the handler's start cannot move");
        };
    }

    private static boolean nudgeable(ScheduleModel.Owner owner) {
        return switch (owner.kind()) {
            case START -> false;
            case LIMIT -> false; // the default limit has no number to move; move the other timer instead
            default -> true;
        };
    }

    /** One draw: every random decision, in a fixed order. */
    private final class Draw {
        private final SplittableRandom random;
        private final int size;
        private final long seed;
        private int tags;
        private boolean anyNever;

        Draw(SplittableRandom random, int size, long seed) {
            this.random = random;
            this.size = size;
            this.seed = seed;
        }

        Scenario scenario() {
            boolean scheduled = options.scheduledEvents() && random.nextInt(10) == 0;
            Scenario.Builder builder = Scenario.named("schedule-" + Long.toHexString(seed) + "-" + size)
                    .event(scheduled ? Scenario.Event.SCHEDULED : Scenario.Event.FETCH);
            if (!scheduled) {
                boolean get = random.nextInt(5) == 0;
                int bodyBytes = get ? 0 : bodyBytes();
                boolean chunked = !get && bodyBytes > 0 && options.chunkedRequests() && random.nextInt(4) == 0;
                builder.request(new Scenario.RequestSpec(get ? "GET" : "POST", "/schedule?seed=" + Long.toHexString(seed),
                        Map.of(SCHEDULE_HEADER, Long.toHexString(seed)), bodyBytes, chunked));
            }
            if (options.originFailures()) {
                int o = random.nextInt(20);
                builder.origin(o < 2 ? Scenario.OriginSpec.refused() : o == 2 ? Scenario.OriginSpec.none() : Scenario.OriginSpec.mock());
            }

            int taskCount = random.nextInt(size + 1);
            int abortingTask = options.aborts() && taskCount > 0 && random.nextInt(8) == 0 ? random.nextInt(taskCount) : -1;
            int sleeps = random.nextInt(Math.min(3, size) + 1);
            int passThroughs = random.nextInt(10) < 6 ? 1 + (random.nextInt(4) == 0 ? 1 : 0) : 0;
            boolean read = !scheduled && random.nextInt(2) == 0;
            boolean nullTask = random.nextInt(20) == 0;
            boolean deadBeacon = random.nextInt(20) < 3;

            List<Step> body = new ArrayList<>();
            for (int i = 0; i < taskCount; i++) {
                TaskSpec task = task(0);
                body.add(new Step.WaitUntil(i == abortingTask ? task.withAbort() : task, 0));
            }
            for (int i = 0; i < sleeps; i++) {
                body.add(new Step.Sleep(sleepMs(), 0));
            }
            for (int i = 0; i < passThroughs; i++) {
                body.add(new Step.PassThrough(0));
            }
            if (nullTask) {
                body.add(new Step.WaitUntilNull(0));
            }
            if (read) {
                body.add(random.nextBoolean() ? new Step.ReadBody(Step.ReadBody.Mode.FULL, 0, 0)
                        : new Step.ReadBody(Step.ReadBody.Mode.PARTIAL, random.nextBoolean() ? 1 + random.nextInt(64) : 1 + random.nextInt(20_000), 0));
            }
            for (int i = body.size() - 1; i > 0; i--) { // Fisher-Yates, from this generator's random
                int j = random.nextInt(i + 1);
                Step swap = body.get(i);
                body.set(i, body.get(j));
                body.set(j, swap);
            }
            Step end = scheduled ? scheduledEnd() : fetchEnd();
            if (end != null) {
                body.add(end);
                if (deadBeacon) {
                    body.add(new Step.Beacon("after-end", 0)); // never runs: the handler ended (ABT-1 for an abort)
                }
            }
            body.forEach(builder::step);

            if (options.limits()) {
                int l = random.nextInt(20);
                if (l < 7) {
                    builder.limit(Long.toString(50 + random.nextInt(2_951)));
                } else if (l < 9 && !anyNever) {
                    builder.limit("unlimited");
                }
            }
            return builder.build();
        }

        private int bodyBytes() {
            int b = random.nextInt(20);
            if (b < 3) {
                return 0;
            } else if (b < 10) {
                return 1 + random.nextInt(64);
            } else if (b < 17) {
                return 65 + random.nextInt(4_032);
            }
            return ScheduleModel.REQUEST_CHUNK + 1 + random.nextInt(24_000);
        }

        private long sleepMs() {
            int s = random.nextInt(5);
            if (s == 0) {
                return 0;
            }
            return s < 3 ? 1 + random.nextInt(50) : 1 + random.nextInt(500);
        }

        private long delayMs() {
            int d = random.nextInt(10);
            long max = d < 4 ? Math.min(20, options.maxDelayMs()) : d < 8 ? Math.min(300, options.maxDelayMs()) : options.maxDelayMs();
            return 1 + random.nextLong(max);
        }

        private TaskSpec task(int depth) {
            String tag = "t" + (++tags);
            long delay = delayMs();
            int o = random.nextInt(100);
            TaskSpec.Outcome outcome = options.neverSettling() && o < 8 ? TaskSpec.Outcome.NEVER
                    : o < 43 ? TaskSpec.Outcome.REJECT : TaskSpec.Outcome.RESOLVE;
            anyNever |= outcome == TaskSpec.Outcome.NEVER;
            boolean beacon = random.nextInt(4) != 0;
            List<TaskSpec> children = new ArrayList<>();
            if (depth < options.maxChildDepth() && random.nextInt(5) == 0) {
                int count = 1 + random.nextInt(2);
                for (int i = 0; i < count; i++) {
                    children.add(task(depth + 1));
                }
            }
            String message = outcome == TaskSpec.Outcome.REJECT ? "rejected " + tag : null;
            return new TaskSpec(tag, delay, outcome, message, beacon, false, false, false, children);
        }

        private Step fetchEnd() {
            int e = random.nextInt(100);
            if (e < 27) {
                int[] statuses = {200, 201, 404};
                return Step.Respond.text(statuses[random.nextInt(statuses.length)], "handler says " + random.nextInt(1000));
            } else if (e < 31) {
                return Step.Respond.none(204);
            } else if (e < 34) {
                return Step.Respond.report();
            } else if (e < 54 && options.streams()) {
                int chunks = 1 + random.nextInt(4);
                long chunkDelay = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(200);
                int errorAfter = chunks >= 2 && random.nextBoolean() ? 1 + random.nextInt(chunks - 1) : 0;
                TaskSpec whileStreaming = random.nextInt(10) < 3 ? task(Math.min(1, options.maxChildDepth())) : null;
                return Step.Respond.stream("chunk" + random.nextInt(10) + ";", chunks, chunkDelay, errorAfter, whileStreaming);
            } else if (e < 69) {
                return new Step.Throw("handler threw " + random.nextInt(1000), false, 0);
            } else if (e < 83) {
                return new Step.Throw("handler rejected " + random.nextInt(1000), true, 0);
            } else if (e < 95 && options.aborts()) {
                return new Step.Abort(random.nextInt(4) == 0 ? null : "aborted " + random.nextInt(1000), 0);
            }
            return null; // the steps just end: the probe answers with its report
        }

        private Step scheduledEnd() {
            int e = random.nextInt(100);
            if (e < 40) {
                return Step.Respond.text(200, "done");
            } else if (e < 60) {
                return new Step.Throw("scheduled threw " + random.nextInt(1000), false, 0);
            } else if (e < 80) {
                return new Step.Throw("scheduled rejected " + random.nextInt(1000), true, 0);
            } else if (e < 90 && options.aborts()) {
                return new Step.Abort("aborted " + random.nextInt(1000), 0);
            }
            return null;
        }
    }
}
