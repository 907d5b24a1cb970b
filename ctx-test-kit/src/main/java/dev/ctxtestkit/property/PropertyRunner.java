package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.ConformanceTarget;
import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs properties over random schedules on a {@link ConformanceTarget}: try {@code i} (from 0) runs
 * {@link ScheduleGenerator#generate}{@code (scenarioSeed(seed, i), sizeFor(i, maxSize))}, checks every property on
 * what the target observed, and at the first violation shrinks the schedule against that property and stops.
 * Framework-neutral; the JUnit face is {@code @ScheduleProperty}.
 *
 * <pre>{@code
 * PropertyResult result = PropertyRunner.on(new ReferenceTarget()).tries(100).seed(42).run();
 * if (!result.passed()) throw new AssertionError(result.report());
 * }</pre>
 *
 * <p>Seed {@code 0} means a fresh random seed, which the result carries (print it: it replays the run). The system
 * properties {@value #SEED_PROPERTY} and {@value #TRIES_PROPERTY} override the seed and the number of tries when
 * {@link #withSystemProperties()} is called.
 */
public final class PropertyRunner {
    /** System property / configuration parameter: replay a run with this seed. */
    public static final String SEED_PROPERTY = "ctx.property.seed";
    /** System property / configuration parameter: the number of tries, to scale a run up (or down). */
    public static final String TRIES_PROPERTY = "ctx.property.tries";
    /** How many schedules a run tries by default: CI's share. */
    public static final int DEFAULT_TRIES = 100;
    /** The largest size a run grows to by default. */
    public static final int DEFAULT_MAX_SIZE = 20;

    private final ConformanceTarget target;
    private List<Property> properties = Properties.all();
    private long seed;
    private int tries = DEFAULT_TRIES;
    private int maxSize = DEFAULT_MAX_SIZE;
    private ScheduleGenerator generator = new ScheduleGenerator();
    private Shrinker shrinker = new Shrinker();

    private PropertyRunner(ConformanceTarget target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /** A runner on {@code target}, with the whole catalogue, 100 tries, a random seed and sizes up to 20. */
    public static PropertyRunner on(ConformanceTarget target) {
        return new PropertyRunner(target);
    }

    public PropertyRunner properties(List<Property> value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("no properties to check");
        }
        this.properties = List.copyOf(value);
        return this;
    }

    public PropertyRunner property(Property... value) {
        return properties(List.of(value));
    }

    /** The run's seed; 0 (the default) draws a random one. */
    public PropertyRunner seed(long value) {
        this.seed = value;
        return this;
    }

    public PropertyRunner tries(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("tries must be at least 1: " + value);
        }
        this.tries = value;
        return this;
    }

    public PropertyRunner maxSize(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("maxSize must be at least 1: " + value);
        }
        this.maxSize = value;
        return this;
    }

    /** The generator; the shrinker then keeps its timers' separation. */
    public PropertyRunner generator(ScheduleGenerator value) {
        this.generator = Objects.requireNonNull(value, "generator");
        this.shrinker = new Shrinker(Shrinker.DEFAULT_MAX_ATTEMPTS, value.options().minSeparationMs());
        return this;
    }

    public PropertyRunner shrinker(Shrinker value) {
        this.shrinker = Objects.requireNonNull(value, "shrinker");
        return this;
    }

    /** Applies {@value #SEED_PROPERTY} and {@value #TRIES_PROPERTY} from the system properties, when set. */
    public PropertyRunner withSystemProperties() {
        String s = System.getProperty(SEED_PROPERTY);
        if (s != null && !s.isBlank()) {
            seed(parseSeed(s, SEED_PROPERTY));
        }
        String t = System.getProperty(TRIES_PROPERTY);
        if (t != null && !t.isBlank()) {
            tries(parseTries(t, TRIES_PROPERTY));
        }
        return this;
    }

    /** Parses a seed as printed: decimal, or hexadecimal with {@code 0x}; a trailing {@code L} is ignored. */
    public static long parseSeed(String text, String where) {
        String s = text.trim();
        if (s.endsWith("L") || s.endsWith("l")) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            return s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + " must be a seed such as 42 or 0x2a, got '" + text + "'", e);
        }
    }

    static int parseTries(String text, String where) {
        try {
            int value = Integer.parseInt(text.trim());
            if (value < 1) {
                throw new NumberFormatException("less than 1");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + " must be a positive number of tries, got '" + text + "'", e);
        }
    }

    /** A random non-zero seed. */
    public static long randomSeed() {
        long s;
        do {
            s = new SecureRandom().nextLong() & Long.MAX_VALUE; // positive: easy to paste
        } while (s == 0);
        return s;
    }

    /** Runs the tries; returns at the first failure, shrunk, or after the last try. */
    public PropertyResult run() {
        long runSeed = seed != 0 ? seed : randomSeed();
        List<Property> applicable = applicable();
        for (int i = 0; i < tries; i++) {
            long scenarioSeed = ScheduleGenerator.scenarioSeed(runSeed, i);
            int size = ScheduleGenerator.sizeFor(i, maxSize);
            Scenario scenario = generator.generate(scenarioSeed, size);
            Evaluation first = evaluate(scenario, applicable, true);
            if (first.failed()) {
                Property failing = first.property();
                List<Property> only = failing == Property.TARGET_RUNS ? List.of() : List.of(failing);
                Shrinker.Result shrunk = shrinker.shrink(scenario, candidate -> {
                    Evaluation e = evaluate(candidate, only, true);
                    return e.failed() && e.property() == failing;
                });
                Evaluation last = evaluate(shrunk.scenario(), applicable, false);
                Evaluation mine = last.violations().stream().filter(v -> v.property() == failing).findFirst()
                        .orElse(evaluate(shrunk.scenario(), only, true)); // a flaky target: report what the shrinker saw
                List<Property> others = last.violations().stream().map(Evaluation::property).filter(p -> p != failing).toList();
                return PropertyResult.failed(target.name(), runSeed, tries, i + 1, scenarioSeed, size, failing, scenario, first.message(),
                        shrunk.scenario(), mine.failed() ? mine.message() : "(did not fail again when re-run: " + first.message() + ")",
                        last.observations(), others, shrunk);
            }
        }
        return PropertyResult.passed(target.name(), runSeed, tries);
    }

    /** Checks the properties on one schedule, as the runner does (for the template and custom loops). */
    public Optional<String> check(Scenario scenario) {
        Evaluation e = evaluate(scenario, applicable(), true);
        return e.failed() ? Optional.of(e.property() + ": " + e.message()) : Optional.empty();
    }

    private List<Property> applicable() {
        boolean record = target.capabilities().contains(ConformanceTarget.Capability.INVOCATION_RECORD);
        List<Property> list = properties.stream().filter(p -> record || !p.inProcessOnly()).toList();
        if (list.isEmpty()) {
            throw new IllegalArgumentException("none of the properties applies to " + target.name() + " (they need an invocation record)");
        }
        return list;
    }

    /**
     * One run of the target and the properties' verdicts. {@code stopAtFirst}: only the first violation is kept.
     * A target that throws fails {@link Property#TARGET_RUNS}.
     */
    private Evaluation evaluate(Scenario scenario, List<Property> checked, boolean stopAtFirst) {
        List<Observation> observations;
        try {
            observations = target.run(scenario);
        } catch (Exception | AssertionError e) {
            return new Evaluation(Property.TARGET_RUNS, "the target failed to run the schedule: " + e, List.of(),
                    List.of(new Evaluation(Property.TARGET_RUNS, String.valueOf(e), List.of(), List.of())));
        }
        List<Evaluation> violations = new ArrayList<>();
        for (Property p : checked) {
            Optional<String> v = p.check(scenario, observations);
            if (v.isPresent()) {
                violations.add(new Evaluation(p, v.get(), observations, List.of()));
                if (stopAtFirst) {
                    break;
                }
            }
        }
        Evaluation first = violations.isEmpty() ? null : violations.get(0);
        return new Evaluation(first == null ? null : first.property(), first == null ? null : first.message(), observations, violations);
    }

    private record Evaluation(Property property, String message, List<Observation> observations, List<Evaluation> violations) {
        boolean failed() {
            return property != null;
        }
    }
}
