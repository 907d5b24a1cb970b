package dev.ctxtestkit.bench;

import dev.ctxtestkit.conformance.Observation;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.target.ReferenceTarget;
import dev.ctxtestkit.property.Properties;
import dev.ctxtestkit.property.Property;
import dev.ctxtestkit.property.ScheduleFormatter;
import dev.ctxtestkit.property.ScheduleGenerator;
import dev.ctxtestkit.property.ScheduleModel;
import dev.ctxtestkit.property.Shrinker;
import dev.ctxtestkit.runtime.internal.InvocationImpl;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * P3, property testing of schedules:
 * <ol>
 *   <li><b>schedules per second</b>: the loop a {@code PropertyRunner} runs for each try — generate a schedule (sizes
 *       growing to 20 as in a default run), run it on the in-process reference target under the virtual clock,
 *       check the whole catalogue — for a fixed wall-clock time after a warm-up; also the fixed cost of one run (an
 *       empty schedule, ten tasks with and without beacons), and the generator and the model alone;</li>
 *   <li><b>time to shrink a failing 50-task schedule</b>: schedules of size 50 are drawn until one with at least 50
 *       tasks fails on a fail-fast mutant (the first rejection cancels every other task, WU-7); its shrinking against
 *       the failing property is timed, several times.</li>
 * </ol>
 * Meant for one core: {@code taskset -c 0 java -XX:ActiveProcessorCount=1 -cp benchmarks/target/benchmarks.jar
 * dev.ctxtestkit.bench.PropertyBench [seconds] [shrink repetitions]}.
 */
public final class PropertyBench {
    private PropertyBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf(Locale.ROOT, "PropertyBench: %s %s, %d available processor(s), GC %s%n", System.getProperty("java.vm.name"),
                Runtime.version(), Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList());

        explore(5, 1, false); // warm-up
        explore(seconds, 2, true);
        emptySchedule(Math.max(2, seconds / 4));
        beaconCost(Math.max(2, seconds / 4));
        generatorAlone(Math.max(2, seconds / 4));
        shrink(repetitions);
    }

    /** The runner's per-try loop: generate, run on the reference, check every property. */
    private static void explore(int seconds, long runSeed, boolean print) throws Exception {
        ScheduleGenerator generator = new ScheduleGenerator();
        ReferenceTarget reference = new ReferenceTarget();
        List<Property> properties = Properties.all();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        long generating = 0;
        long running = 0;
        long checking = 0;
        int schedules = 0;
        int steps = 0;
        int violations = 0;
        List<Double> runs = new ArrayList<>();
        for (int i = 0; System.nanoTime() < deadline; i++) {
            long t0 = System.nanoTime();
            Scenario scenario = generator.generate(ScheduleGenerator.scenarioSeed(runSeed, i), ScheduleGenerator.sizeFor(i % 100, 20));
            long t1 = System.nanoTime();
            List<Observation> observed = reference.run(scenario);
            long t2 = System.nanoTime();
            for (Property p : properties) {
                if (p.check(scenario, observed).isPresent()) {
                    violations++;
                }
            }
            long t3 = System.nanoTime();
            generating += t1 - t0;
            running += t2 - t1;
            runs.add((t2 - t1) / 1e6);
            checking += t3 - t2;
            schedules++;
            steps += ScheduleFormatter.size(scenario);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (print) {
            System.out.printf(Locale.ROOT, "explore: %d schedules (sizes 1..20 as in a 100-try run, mean %.1f steps) in %.1f s = %.1f schedules/s, "
                            + "%.2f ms each: generate %.3f ms, run on the reference %.2f ms, check %d properties %.3f ms; %d violation(s)%n",
                    schedules, steps / (double) schedules, elapsed, schedules / elapsed, elapsed * 1000 / schedules,
                    generating / 1e6 / schedules, running / 1e6 / schedules, properties.size(), checking / 1e6 / schedules, violations);
            Collections.sort(runs);
            System.out.printf(Locale.ROOT, "explore: one run on the reference: median %.2f ms, 90th percentile %.2f ms, 99th %.2f ms, max %.1f ms%n",
                    runs.get(runs.size() / 2), runs.get(runs.size() * 9 / 10), runs.get(runs.size() * 99 / 100), runs.get(runs.size() - 1));
        }
    }

    /** The fixed cost of one run on the reference target: a schedule whose handler does nothing. */
    private static void emptySchedule(int seconds) throws Exception {
        ReferenceTarget reference = new ReferenceTarget();
        Scenario empty = Scenario.named("empty").respond(dev.ctxtestkit.conformance.scenario.Step.Respond.text(200, "ok")).build();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        int n = 0;
        while (System.nanoTime() < deadline) {
            reference.run(empty);
            n++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "an empty schedule on the reference target (fresh MockWebServer, worker instance, OkHttp client): %.2f ms each (%d runs)%n",
                elapsed * 1000 / n, n);
    }

    /** What a beacon (a real loopback HTTP round trip to the mock origin) adds: ten tasks with and without beacons. */
    private static void beaconCost(int seconds) throws Exception {
        ReferenceTarget reference = new ReferenceTarget();
        for (boolean beacon : new boolean[] {false, true}) {
            Scenario.Builder builder = Scenario.named("beacons-" + beacon);
            for (int i = 1; i <= 10; i++) {
                builder.waitUntil(dev.ctxtestkit.conformance.scenario.TaskSpec.resolving("t" + i, i).withBeacon(beacon));
            }
            Scenario scenario = builder.respond(dev.ctxtestkit.conformance.scenario.Step.Respond.text(200, "ok")).build();
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            long start = System.nanoTime();
            int n = 0;
            while (System.nanoTime() < deadline) {
                reference.run(scenario);
                n++;
            }
            System.out.printf(Locale.ROOT, "10 tasks %s beacons: %.2f ms per schedule (%d runs)%n", beacon ? "with" : "without",
                    (System.nanoTime() - start) / 1e6 / n, n);
        }
    }

    /** The generator (with its model-driven separation) alone. */
    private static void generatorAlone(int seconds) {
        ScheduleGenerator generator = new ScheduleGenerator();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        int n = 0;
        long sink = 0;
        while (System.nanoTime() < deadline) {
            Scenario s = generator.generate(ScheduleGenerator.scenarioSeed(3, n), ScheduleGenerator.sizeFor(n % 100, 20));
            sink += ScheduleModel.of(s).tasks().size();
            n++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "generate + model only: %.0f schedules/s (%d in %.1f s; %d tasks)%n", n / elapsed, n, elapsed, sink);
    }

    /** Shrinking a failing schedule of 50 or more tasks on the fail-fast mutant. */
    private static void shrink(int repetitions) throws Exception {
        ReferenceTarget mutant = failFast();
        ScheduleGenerator generator = new ScheduleGenerator();
        Property wu7 = Properties.REJECTION_SPARES_SIBLINGS;
        Scenario failing = null;
        long seed = 0;
        int drawn = 0;
        for (long s = 1; failing == null; s++) {
            Scenario candidate = generator.generate(s, 50);
            drawn++;
            int tasks = ScheduleModel.of(candidate).tasks().size();
            if (tasks >= 50 && wu7.check(candidate, mutant.run(candidate)).isPresent()) {
                failing = candidate;
                seed = s;
            }
        }
        int tasks = ScheduleModel.of(failing).tasks().size();
        System.out.printf(Locale.ROOT, "shrink: generate(%d, 50) has %d steps and %d tasks (%d schedule(s) drawn to find it), fails %s on the fail-fast mutant%n",
                seed, failing.steps().size(), tasks, drawn, wu7);
        Scenario original = failing;
        List<Double> times = new ArrayList<>();
        Shrinker.Result last = null;
        for (int i = 0; i < repetitions + 1; i++) {
            long t0 = System.nanoTime();
            last = new Shrinker().shrink(original, c -> wu7.check(c, runQuietly(mutant, c)).isPresent());
            double ms = (System.nanoTime() - t0) / 1e6;
            if (i > 0) {
                times.add(ms); // the first is a warm-up
            }
        }
        Collections.sort(times);
        System.out.printf(Locale.ROOT, "shrink: %d -> %d step(s) in %d attempt(s) (%d accepted); time over %d runs: median %.0f ms, min %.0f ms, max %.0f ms%n",
                ScheduleFormatter.size(original), ScheduleFormatter.size(last.scenario()), last.attempts(), last.accepted(), times.size(),
                times.get(times.size() / 2), times.get(0), times.get(times.size() - 1));
        System.out.print(ScheduleFormatter.format(last.scenario()).indent(2));
    }

    private static List<Observation> runQuietly(ReferenceTarget target, Scenario scenario) {
        try {
            return target.run(scenario);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** WU-7's mutant (as in the test kit's Mutants.FailFastTasks): the first rejection cancels every other task. */
    static ReferenceTarget failFast() {
        return new ReferenceTarget("mutant: fail-fast task aggregation", (config, id, spec) -> new InvocationImpl(config, id, spec) {
            @Override
            protected void onTaskRejected(TaskState task) {
                super.onTaskRejected(task);
                cancelPendingTasks();
                pendingTasks = 1; // taskSettled decrements for the rejected task itself
            }

        });
    }
}
