package dev.ctxtestkit.bench;

import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Worker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One invocation that registers 100,000 {@code waitUntil} tasks (sleeps of 1..10 ms) and responds at once, drained
 * under the virtual clock. One operation = new {@code VirtualClock} + new {@code WorkerInstance} + the fetch + the
 * handler's 100,000 registrations + {@code runUntilIdle()} + building the {@code InvocationRecord} + closing the
 * instance. {@code captureSites} switches {@code WorkerInstance.Builder.captureRegistrationSites}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 3)
public class WaitUntilDrainBenchmark {

    @Param({"false", "true"})
    public boolean captureSites;

    @Param("100000")
    public int tasks;

    private Worker worker;
    private InvocationRecord last;

    @Setup(Level.Trial)
    public void setUp() {
        worker = DrainScenario.worker(tasks);
    }

    @Benchmark
    public InvocationRecord drain() {
        InvocationRecord record = DrainScenario.drainOnce(worker, captureSites);
        if (record.tasks().size() != tasks) {
            throw new IllegalStateException("expected " + tasks + " tasks, got " + record.tasks().size());
        }
        last = record;
        return record;
    }

    /** Checks the last record of each iteration in full, so that the benchmark cannot silently measure nothing. */
    @TearDown(Level.Iteration)
    public void checkLastRecord() {
        DrainScenario.check(last, tasks, captureSites);
        last = null;
    }
}
