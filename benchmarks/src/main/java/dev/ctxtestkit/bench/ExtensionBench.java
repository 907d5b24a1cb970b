package dev.ctxtestkit.bench;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ctxtestkit.bench.fixtures.LimitProof;
import dev.ctxtestkit.bench.fixtures.LimitProofTimed;
import dev.ctxtestkit.bench.fixtures.PhaseTimer;
import dev.ctxtestkit.bench.fixtures.ThreeTasks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * P1 and P2: wall time of JUnit extension tests ({@code @CtxTest} / {@code CtxExtension}), run in this JVM through the
 * JUnit Platform Launcher, timed by a {@link TestExecutionListener} with {@link System#nanoTime()} at each test's
 * {@code executionStarted} and {@code executionFinished}. Any failed, aborted or skipped test, or a test count other
 * than expected, stops the program with the failure (exit status 1): nothing is reported for a broken run.
 *
 * <ul>
 *   <li><b>P1</b>: {@link LimitProof}, one test proving the 30 s limit (target: at most 20 ms). The very first run in
 *   the JVM (cold), then {@code warmup} runs, then {@code runs} measured runs: min, median, p90, max. Then the same
 *   for {@link LimitProofTimed} (the same test with phase marks), for where the time goes.</li>
 *   <li><b>P2</b>: {@link ThreeTasks}, 1,000 extension tests with three {@code waitUntil} tasks each, run
 *   {@code p2runs} times: total wall time and per-test median, p90, max; the last run is the warm one.</li>
 * </ul>
 *
 * <p>Arguments (any order, all optional): {@code p1}, {@code p2} (default: both), {@code cold-phases} (only: the
 * first run in the JVM is {@link LimitProofTimed}, printed phase by phase), {@code warmup=N} (50), {@code runs=N}
 * (200), {@code p2runs=N} (3).
 */
public final class ExtensionBench {
    private static final double NS_PER_MS = 1_000_000.0;

    private ExtensionBench() {
    }

    public static void main(String[] args) {
        boolean p1 = false;
        boolean p2 = false;
        boolean coldPhases = false;
        int warmup = 50;
        int runs = 200;
        int p2Runs = 3;
        for (String arg : args) {
            if (arg.equals("p1")) {
                p1 = true;
            } else if (arg.equals("p2")) {
                p2 = true;
            } else if (arg.equals("cold-phases")) {
                coldPhases = true;
            } else if (arg.startsWith("warmup=")) {
                warmup = Integer.parseInt(arg.substring(7));
            } else if (arg.startsWith("runs=")) {
                runs = Integer.parseInt(arg.substring(5));
            } else if (arg.startsWith("p2runs=")) {
                p2Runs = Integer.parseInt(arg.substring(7));
            } else {
                System.err.println("usage: ExtensionBench [p1] [p2] [cold-phases] [warmup=50] [runs=200] [p2runs=3]");
                System.exit(2);
            }
        }
        if (!p1 && !p2 && !coldPhases) {
            p1 = true;
            p2 = true;
        }
        try {
            long t0 = System.nanoTime();
            Launcher launcher = LauncherFactory.create();
            long launcherNanos = System.nanoTime() - t0;
            printMachine("start");
            if (coldPhases) {
                coldPhases(launcher, launcherNanos);
            } else {
                if (p1) {
                    p1(launcher, launcherNanos, warmup, runs);
                }
                if (p2) {
                    p2(launcher, p2Runs);
                }
            }
            printMachine("end");
        } catch (BenchFailure e) {
            System.err.println("ExtensionBench FAILED: " + e.getMessage());
            System.exit(1);
        }
    }

    // ------------------------------------------------------------------ P1

    private static void p1(Launcher launcher, long launcherNanos, int warmup, int runs) {
        System.out.println();
        System.out.println("P1: one @CtxTest proving the 30 s limit (" + LimitProof.class.getSimpleName() + "), target <= 20 ms");
        Execution cold = run(launcher, LimitProof.class, 1);
        TestRun coldTest = cold.tests().get(0);
        System.out.printf(Locale.ROOT, "  cold (first run in this JVM): test %s ms (executionStarted -> executionFinished); "
                        + "whole run %s ms = LauncherFactory.create %s + discover %s + execute %s%n",
                ms(coldTest.wall()), ms(launcherNanos + cold.discoverNanos() + cold.executeNanos()), ms(launcherNanos),
                ms(cold.discoverNanos()), ms(cold.executeNanos()));

        for (int i = 0; i < warmup; i++) {
            run(launcher, LimitProof.class, 1);
        }
        long[] test = new long[runs];
        long[] discover = new long[runs];
        long[] execute = new long[runs];
        for (int i = 0; i < runs; i++) {
            Execution e = run(launcher, LimitProof.class, 1);
            test[i] = e.tests().get(0).wall();
            discover[i] = e.discoverNanos();
            execute[i] = e.executeNanos();
        }
        System.out.printf(Locale.ROOT, "  warm (%d runs after %d warmup runs, same JVM):%n", runs, warmup);
        System.out.println("    test, executionStarted -> executionFinished: " + stats(test));
        System.out.println("    whole Launcher run, discover:                " + stats(discover));
        System.out.println("    whole Launcher run, execute:                 " + stats(execute));
        System.out.println("    target <= 20 ms: " + (median(test) <= 20 * NS_PER_MS ? "MET" : "NOT MET") + " (median), "
                + (percentile(test, 0.9) <= 20 * NS_PER_MS ? "met" : "not met") + " at p90, "
                + (max(test) <= 20 * NS_PER_MS ? "met" : "not met") + " at max");

        System.out.println();
        System.out.println("P1 phases: the same test with phase marks (" + LimitProofTimed.class.getSimpleName() + "), "
                + warmup + " warmup + " + runs + " measured runs; median of each phase");
        for (int i = 0; i < warmup; i++) {
            run(launcher, LimitProofTimed.class, 1);
        }
        List<Map<String, Long>> phases = new ArrayList<>();
        long[] timedTest = new long[runs];
        for (int i = 0; i < runs; i++) {
            Execution e = run(launcher, LimitProofTimed.class, 1);
            timedTest[i] = e.tests().get(0).wall();
            phases.add(limitPhases(e.tests().get(0)));
        }
        System.out.println("    test, executionStarted -> executionFinished: " + stats(timedTest));
        printPhaseMedians(phases);
    }

    private static void coldPhases(Launcher launcher, long launcherNanos) {
        System.out.println();
        System.out.println("P1 cold, phase by phase: the first run in this JVM is " + LimitProofTimed.class.getSimpleName());
        Execution cold = run(launcher, LimitProofTimed.class, 1);
        TestRun test = cold.tests().get(0);
        System.out.printf(Locale.ROOT, "  test %s ms (executionStarted -> executionFinished); whole run %s ms = LauncherFactory.create %s"
                        + " + discover %s + execute %s%n", ms(test.wall()), ms(launcherNanos + cold.discoverNanos() + cold.executeNanos()),
                ms(launcherNanos), ms(cold.discoverNanos()), ms(cold.executeNanos()));
        limitPhases(test).forEach((name, nanos) -> System.out.printf(Locale.ROOT, "    %-62s %9s ms%n", name, ms(nanos)));
    }

    /** The phases of one {@link LimitProofTimed} run, in order; they add up to the test's wall time. */
    private static Map<String, Long> limitPhases(TestRun test) {
        PhaseTimer.Timeline t = timeline(test);
        Map<String, Long> phases = new LinkedHashMap<>();
        phases.put("JUnit: executionStarted -> beforeEach", t.beforeEach - test.started());
        phases.put("JUnit: beforeEach -> beforeTestExecution", t.beforeTestExecution - t.beforeEach);
        long previous = t.beforeTestExecution;
        String previousName = "parameter resolution: kit creates clock, MockOrigin, harness";
        for (int i = 0; i < t.markCount(); i++) {
            phases.put(previousName, t.markAt(i) - previous);
            previous = t.markAt(i);
            previousName = "body: " + t.markName(i) + " -> " + (i + 1 < t.markCount() ? t.markName(i + 1) : "end");
        }
        phases.put("body end -> afterTestExecution", t.afterTestExecution - previous);
        phases.put("kit afterEach: drainAll, close harness and MockOrigin", t.afterEach - t.afterTestExecution);
        phases.put("JUnit: afterEach -> executionFinished", test.finished() - t.afterEach);
        return phases;
    }

    private static void printPhaseMedians(List<Map<String, Long>> runs) {
        long sumMedians = 0;
        long sumMeans = 0;
        for (String name : runs.get(0).keySet()) {
            long[] values = runs.stream().mapToLong(m -> m.get(name)).toArray();
            long median = median(values);
            long mean = (long) Arrays.stream(values).average().orElse(0);
            sumMedians += median;
            sumMeans += mean;
            System.out.printf(Locale.ROOT, "    %-62s median %8s   p90 %8s   max %8s   mean %8s ms%n", name, ms(median), ms(percentile(values, 0.9)),
                    ms(max(values)), ms(mean));
        }
        System.out.printf(Locale.ROOT, "    %-62s median %8s %38s %8s ms%n", "(sums; the means add up to the mean wall time)", ms(sumMedians), "mean", ms(sumMeans));
    }

    // ------------------------------------------------------------------ P2

    private static void p2(Launcher launcher, int p2Runs) {
        System.out.println();
        System.out.println("P2: " + ThreeTasks.TESTS + " extension tests with three waitUntil tasks each (" + ThreeTasks.class.getSimpleName()
                + ", @RepeatedTest), " + p2Runs + " runs in this JVM");
        for (int r = 1; r <= p2Runs; r++) {
            Execution e = run(launcher, ThreeTasks.class, ThreeTasks.TESTS);
            List<TestRun> tests = e.tests();
            long[] wall = tests.stream().mapToLong(TestRun::wall).toArray();
            long sumWall = Arrays.stream(wall).sum();
            TestRun classRun = e.containers().stream().filter(c -> c.name().equals(ThreeTasks.class.getSimpleName())).findFirst()
                    .orElseThrow(() -> new BenchFailure("no container event for " + ThreeTasks.class.getSimpleName()));
            TestRun templateRun = e.containers().stream().filter(c -> c.uniqueId().contains("test-template:")).findFirst()
                    .orElseThrow(() -> new BenchFailure("no container event for the @RepeatedTest method"));
            System.out.printf(Locale.ROOT, "  run %d%s: total %s ms = discover %s + execute %s; class container %s ms, @RepeatedTest container %s ms; "
                            + "per test %s ms on average%n",
                    r, r == p2Runs ? " (warm)" : r == 1 ? " (first)" : "", ms(e.discoverNanos() + e.executeNanos()), ms(e.discoverNanos()),
                    ms(e.executeNanos()), ms(classRun.wall()), ms(templateRun.wall()),
                    ms((e.discoverNanos() + e.executeNanos()) / tests.size()));
            System.out.println("    per test, executionStarted -> executionFinished: " + stats(wall));
            if (r == p2Runs) {
                printP2Split(tests, sumWall, templateRun);
            }
        }
    }

    /** Splits the warm run's per-test time into JUnit, kit setup, body and kit teardown. */
    private static void printP2Split(List<TestRun> tests, long sumWall, TestRun templateRun) {
        Map<String, ToLongFunction<TestRun>> parts = new LinkedHashMap<>();
        parts.put("JUnit before: executionStarted -> beforeTestExecution", t -> timeline(t).beforeTestExecution - t.started());
        parts.put("kit setup: parameter resolution (clock, MockOrigin, harness)", t -> firstMark(t, ThreeTasks.BODY_START) - timeline(t).beforeTestExecution);
        parts.put("body: fetch + assertions", t -> firstMark(t, ThreeTasks.BODY_END) - firstMark(t, ThreeTasks.BODY_START));
        parts.put("JUnit: body end -> afterTestExecution", t -> timeline(t).afterTestExecution - firstMark(t, ThreeTasks.BODY_END));
        parts.put("kit afterEach: drainAll, close harness and MockOrigin", t -> timeline(t).afterEach - timeline(t).afterTestExecution);
        parts.put("JUnit after: afterEach -> executionFinished", t -> t.finished() - timeline(t).afterEach);
        System.out.println("    where a warm test's time goes (median, p90, and share of the summed test wall time):");
        for (Map.Entry<String, ToLongFunction<TestRun>> part : parts.entrySet()) {
            long[] values = tests.stream().mapToLong(part.getValue()).toArray();
            System.out.printf(Locale.ROOT, "      %-62s median %7s ms   p90 %7s ms   %5.1f %%%n", part.getKey(), ms(median(values)),
                    ms(percentile(values, 0.9)), 100.0 * Arrays.stream(values).sum() / sumWall);
        }
        System.out.printf(Locale.ROOT, "      %-62s %s ms in all (%s ms per test)%n", "JUnit between tests (container time minus the tests' wall)",
                ms(templateRun.wall() - sumWall), ms((templateRun.wall() - sumWall) / tests.size()));
    }

    // ------------------------------------------------------------------ running

    private static Execution run(Launcher launcher, Class<?> type, int expectedTests) {
        PhaseTimer.clear();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(type)).build();
        Recorder recorder = new Recorder();
        long t0 = System.nanoTime();
        TestPlan plan = launcher.discover(request);
        long t1 = System.nanoTime();
        launcher.execute(plan, recorder);
        long t2 = System.nanoTime();
        recorder.check(type, expectedTests);
        return new Execution(t1 - t0, t2 - t1, recorder.tests, recorder.containers);
    }

    private record Execution(long discoverNanos, long executeNanos, List<TestRun> tests, List<TestRun> containers) {
    }

    private record TestRun(String uniqueId, String name, long started, long finished, TestExecutionResult result) {
        long wall() {
            return finished - started;
        }
    }

    /** Timestamps every test's and container's start and end; keeps failures and skips. */
    private static final class Recorder implements TestExecutionListener {
        private final Map<String, Long> started = new ConcurrentHashMap<>();
        private final List<TestRun> tests = new ArrayList<>();
        private final List<TestRun> containers = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();

        @Override
        public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueId(), System.nanoTime());
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            long now = System.nanoTime();
            TestRun run = new TestRun(id.getUniqueId(), id.getDisplayName(), started.getOrDefault(id.getUniqueId(), now), now, result);
            synchronized (this) {
                (id.isTest() ? tests : containers).add(run);
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    StringWriter trace = new StringWriter();
                    result.getThrowable().ifPresent(t -> t.printStackTrace(new PrintWriter(trace)));
                    problems.add(id.getUniqueId() + " " + result.getStatus() + "\n" + trace);
                }
            }
        }

        @Override
        public synchronized void executionSkipped(TestIdentifier id, String reason) {
            problems.add(id.getUniqueId() + " SKIPPED: " + reason);
        }

        synchronized void check(Class<?> type, int expectedTests) {
            if (!problems.isEmpty()) {
                throw new BenchFailure(type.getName() + ": " + problems.size() + " test(s) or container(s) did not succeed; first:\n" + problems.get(0));
            }
            if (tests.size() != expectedTests) {
                throw new BenchFailure(type.getName() + ": expected " + expectedTests + " successful test(s), ran " + tests.size());
            }
        }
    }

    private static final class BenchFailure extends RuntimeException {
        BenchFailure(String message) {
            super(message);
        }
    }

    private static PhaseTimer.Timeline timeline(TestRun test) {
        PhaseTimer.Timeline t = PhaseTimer.timeline(test.uniqueId());
        if (t == null || t.afterEach == 0) {
            throw new BenchFailure("no complete phase timeline for " + test.uniqueId() + " (is PhaseTimer registered before CtxExtension?)");
        }
        return t;
    }

    private static long firstMark(TestRun test, String name) {
        PhaseTimer.Timeline t = timeline(test);
        for (int i = 0; i < t.markCount(); i++) {
            if (t.markName(i).equals(name)) {
                return t.markAt(i);
            }
        }
        throw new BenchFailure("no mark '" + name + "' in " + test.uniqueId());
    }

    // ------------------------------------------------------------------ statistics and output

    private static String stats(long[] nanos) {
        return String.format(Locale.ROOT, "min %s  median %s  p90 %s  max %s  mean %s ms (n=%d)", ms(min(nanos)), ms(median(nanos)),
                ms(percentile(nanos, 0.9)), ms(max(nanos)), ms((long) Arrays.stream(nanos).average().orElse(0)), nanos.length);
    }

    /** Nearest-rank percentile. */
    private static long percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static long median(long[] values) {
        return percentile(values, 0.5);
    }

    private static long min(long[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static long max(long[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / NS_PER_MS);
    }

    private static void printMachine(String when) {
        var os = ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "[%s] %s %s (%s), %d processors, load average %.2f, max heap %d MiB%n", when,
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"), System.getProperty("os.name") + " "
                        + System.getProperty("os.version"), Runtime.getRuntime().availableProcessors(), os.getSystemLoadAverage(),
                Runtime.getRuntime().maxMemory() >> 20);
    }
}
