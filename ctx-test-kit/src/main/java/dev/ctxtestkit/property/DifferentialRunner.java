package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Runs the same random schedules on two targets and compares what both can see: the response's status, its body
 * (unless it is the probe's report, whose content differs by design), whether it was cut short, how many requests
 * reached the origin by fail-open and the body they carried, and the set of beacon tags. The first disagreement is
 * shrunk (the predicate being "the two still disagree") and reported with both observations. A target that throws
 * while the other does not is run once more before that counts as a disagreement; such retries are listed in the
 * result.
 *
 * <pre>{@code
 * DifferentialResult result = DifferentialRunner.between(new ReferenceTarget(), TargetFactory.create("workerd")).tries(100).run();
 * }</pre>
 *
 * <p>The schedules fit both targets: a target without an invocation record is taken to run in real time over HTTP
 * ({@link ScheduleGenerator.Options#overHttp()}), and one that does not honour the scenario's limit gets none.
 * The system property {@value #TARGET_PROPERTY} names the second target for the suite's differential test (a name
 * {@link dev.ctxtestkit.conformance.engine.TargetFactory} understands, such as {@code reference-http} or a class).
 */
public final class DifferentialRunner {
    /** System property: the target the reference is compared with in the differential test (unset: the test is skipped). */
    public static final String TARGET_PROPERTY = "ctx.property.differentialTarget";
    /**
     * How long the default shrinker may take when a target is observed in real time: there one attempt costs the
     * schedule's horizon (up to seconds), so a thousand attempts could take an hour. Replace it with {@link #shrinker}.
     */
    public static final Duration REAL_TIME_SHRINK_BUDGET = Duration.ofMinutes(3);

    private final ConformanceTarget first;
    private final ConformanceTarget second;
    private long seed;
    private int tries = PropertyRunner.DEFAULT_TRIES;
    private int maxSize = PropertyRunner.DEFAULT_MAX_SIZE;
    private ScheduleGenerator generator;
    private Shrinker shrinker;
    private final List<String> retried = new ArrayList<>();

    private DifferentialRunner(ConformanceTarget first, ConformanceTarget second) {
        this.first = Objects.requireNonNull(first, "first");
        this.second = Objects.requireNonNull(second, "second");
        this.generator = new ScheduleGenerator(optionsFor(first).and(optionsFor(second)));
        this.shrinker = defaultShrinker(generator);
    }

    private Shrinker defaultShrinker(ScheduleGenerator forGenerator) {
        Shrinker plain = new Shrinker(Shrinker.DEFAULT_MAX_ATTEMPTS, forGenerator.options().minSeparationMs());
        boolean realTime = !first.capabilities().contains(ConformanceTarget.Capability.INVOCATION_RECORD)
                || !second.capabilities().contains(ConformanceTarget.Capability.INVOCATION_RECORD);
        return realTime ? plain.withTimeBudget(REAL_TIME_SHRINK_BUDGET) : plain;
    }

    /** Compares {@code second} with {@code first} (usually the reference). */
    public static DifferentialRunner between(ConformanceTarget first, ConformanceTarget second) {
        return new DifferentialRunner(first, second);
    }

    /** The schedules a target can run: everything in process; over HTTP, real-time friendly ones. */
    public static ScheduleGenerator.Options optionsFor(ConformanceTarget target) {
        ScheduleGenerator.Options options = target.capabilities().contains(ConformanceTarget.Capability.INVOCATION_RECORD)
                ? ScheduleGenerator.Options.inProcess() : ScheduleGenerator.Options.overHttp();
        if (!target.capabilities().contains(ConformanceTarget.Capability.CONFIGURABLE_LIMIT)) {
            options = options.and(new ScheduleGenerator.Options(true, false, false, true, true, true, true, Long.MAX_VALUE, Integer.MAX_VALUE, 1));
        }
        return options;
    }

    public DifferentialRunner seed(long value) {
        this.seed = value;
        return this;
    }

    public DifferentialRunner tries(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("tries must be at least 1: " + value);
        }
        this.tries = value;
        return this;
    }

    public DifferentialRunner maxSize(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("maxSize must be at least 1: " + value);
        }
        this.maxSize = value;
        return this;
    }

    /** The generator; the default shrinker then keeps its timers' separation. */
    public DifferentialRunner generator(ScheduleGenerator value) {
        this.generator = Objects.requireNonNull(value, "generator");
        this.shrinker = defaultShrinker(value);
        return this;
    }

    public DifferentialRunner shrinker(Shrinker value) {
        this.shrinker = Objects.requireNonNull(value, "shrinker");
        return this;
    }

    /** Applies {@value PropertyRunner#SEED_PROPERTY} and {@value PropertyRunner#TRIES_PROPERTY}, when set. */
    public DifferentialRunner withSystemProperties() {
        String s = System.getProperty(PropertyRunner.SEED_PROPERTY);
        if (s != null && !s.isBlank()) {
            seed(PropertyRunner.parseSeed(s, PropertyRunner.SEED_PROPERTY));
        }
        String t = System.getProperty(PropertyRunner.TRIES_PROPERTY);
        if (t != null && !t.isBlank()) {
            tries(PropertyRunner.parseTries(t, PropertyRunner.TRIES_PROPERTY));
        }
        return this;
    }

    /** Runs the tries; returns at the first disagreement, shrunk, or after the last try. */
    public DifferentialResult run() {
        retried.clear();
        long runSeed = seed != 0 ? seed : PropertyRunner.randomSeed();
        for (int i = 0; i < tries; i++) {
            long scenarioSeed = ScheduleGenerator.scenarioSeed(runSeed, i);
            int size = ScheduleGenerator.sizeFor(i, maxSize);
            Scenario scenario = generator.generate(scenarioSeed, size);
            Comparison c = compareOn(scenario);
            if (c.disagreement() != null) {
                Shrinker.Result shrunk = shrinker.shrink(scenario, candidate -> compareOn(candidate).disagreement() != null);
                Comparison last = compareOn(shrunk.scenario());
                return new DifferentialResult(first.name(), second.name(), runSeed, tries, i + 1, scenarioSeed, size, scenario,
                        c.disagreement(), shrunk.scenario(), last.disagreement() != null ? last.disagreement()
                        : "(agreed when re-run; first seen: " + c.disagreement() + ")", last.first(), last.second(), shrunk, retried);
            }
        }
        return new DifferentialResult(first.name(), second.name(), runSeed, tries, 0, 0, 0, null, null, null, null, List.of(), List.of(), null,
                retried);
    }

    private Comparison compareOn(Scenario scenario) {
        Run a = runOn(first, scenario);
        Run b = runOn(second, scenario);
        if (a.unsupported() || b.unsupported()) {
            // One target cannot arrange this schedule at all (e.g. workerd has no "no origin"): nothing to compare.
            retried.add("not comparable, " + scenario.name() + ": " + (a.unsupported() ? a.error() : b.error()));
            return new Comparison(null, a.observations(), b.observations());
        }
        // A target that throws (a transport error over HTTP, say) gets one more chance; the retry is reported.
        if (a.error() != null && b.error() == null) {
            retried.add(first.name() + " on " + scenario.name() + ": " + a.error());
            a = runOn(first, scenario);
        } else if (b.error() != null && a.error() == null) {
            retried.add(second.name() + " on " + scenario.name() + ": " + b.error());
            b = runOn(second, scenario);
        }
        if (a.error() != null || b.error() != null) {
            if (a.error() != null && b.error() != null) {
                return new Comparison(null, a.observations(), b.observations()); // neither can run it: nothing to compare
            }
            return new Comparison((a.error() != null ? first.name() : second.name()) + " failed to run the schedule: "
                    + (a.error() != null ? a.error() : b.error()), a.observations(), b.observations());
        }
        return new Comparison(compare(scenario, a.observations(), b.observations(), first.name(), second.name()).orElse(null),
                a.observations(), b.observations());
    }

    private static Run runOn(ConformanceTarget target, Scenario scenario) {
        try {
            return new Run(target.run(scenario), null, false);
        } catch (UnsupportedOperationException e) {
            return new Run(List.of(), e.getMessage(), true);
        } catch (Exception | AssertionError e) {
            return new Run(List.of(), e.toString(), false);
        }
    }

    private record Run(List<Observation> observations, String error, boolean unsupported) { }

    private record Comparison(String disagreement, List<Observation> first, List<Observation> second) { }

    /** What both targets can see of one invocation. */
    public record View(int status, String body, boolean truncated, int fallbacks, String fallbackBody, List<String> beacons) {
        @Override
        public String toString() {
            return "status " + status + (body == null ? "" : ", body '" + body + "'") + (truncated ? " (cut short)" : "") + ", " + fallbacks
                    + " fail-open request(s)" + (fallbackBody == null ? "" : " carrying " + fallbackBody) + ", beacons " + beacons;
        }
    }

    /** The comparable view of {@code observation}; the body is left out when {@code scenario} answers with the probe's report. */
    public static View view(Scenario scenario, Observation observation) {
        Observation.ClientView r = observation.response();
        List<Observation.OriginRequest> fallbacks = observation.fallbackRequests();
        String fallbackBody = fallbacks.size() == 1 ? describe(fallbacks.get(0).body()) : null;
        return new View(r.status(), answersWithReport(scenario) ? null : new String(r.body(), StandardCharsets.UTF_8), r.truncated(),
                fallbacks.size(), fallbackBody, new ArrayList<>(new TreeSet<>(observation.beacons().stream().map(Observation.OriginRequest::beaconTag).toList())));
    }

    /** The first difference between what two targets observed of {@code scenario}, if any. */
    public static Optional<String> compare(Scenario scenario, List<Observation> a, List<Observation> b, String nameA, String nameB) {
        if (a.size() != b.size()) {
            return Optional.of(nameA + " observed " + a.size() + " invocation(s), " + nameB + " " + b.size());
        }
        for (int i = 0; i < a.size(); i++) {
            View va = view(scenario, a.get(i));
            View vb = view(scenario, b.get(i));
            if (!va.equals(vb)) {
                return Optional.of("invocation " + (i + 1) + ": " + nameA + " saw " + va + "; " + nameB + " saw " + vb);
            }
        }
        return Optional.empty();
    }

    private static boolean answersWithReport(Scenario scenario) {
        if (ScheduleModel.supports(scenario)) {
            return ScheduleModel.of(scenario).response().map(r -> r.kind() == ScheduleModel.ResponseKind.REPORT).orElse(false);
        }
        return scenario.steps().stream().noneMatch(s -> s instanceof Step.Respond r && !r.body().equals("report"));
    }

    private static String describe(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 24), StandardCharsets.US_ASCII);
        return body.length + " byte(s)" + (body.length == 0 ? "" : " '" + text + (body.length > 24 ? "…" : "") + "' #" + Arrays.hashCode(body));
    }
}
