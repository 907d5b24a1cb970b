package dev.ctxtestkit.bench;

import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.testkit.VirtualClock;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.Locale;

/**
 * Retained heap of the {@link WaitUntilDrainBenchmark} scenario, measured as "heap used after a few full
 * {@code System.gc()}s" (MemoryMXBean) minus the same figure before the scenario:
 * <ul>
 *   <li><b>pending</b>: the handler has run and responded and all tasks are registered, their timers not yet fired
 *       (after {@code clock.runDue()}, before {@code runUntilIdle()}); the clock, instance and invocation are
 *       reachable;</li>
 *   <li><b>after drain</b>: {@code runUntilIdle()} has run, the instance is closed, and only the
 *       {@link InvocationRecord} is still referenced, as a test holds it afterwards.</li>
 * </ul>
 * Runs the scenario with registration-site capture off and on.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.ctxtestkit.bench.RetainedHeap [tasks] [false|true ...]</pre>
 */
public final class RetainedHeap {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final double MIB = 1024.0 * 1024.0;

    private RetainedHeap() {
    }

    public static void main(String[] args) throws InterruptedException {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        boolean[] variants = args.length > 1 ? new boolean[args.length - 1] : new boolean[] {false, true};
        for (int i = 1; i < args.length; i++) {
            variants[i - 1] = Boolean.parseBoolean(args[i]);
        }
        Worker worker = DrainScenario.worker(tasks);

        // Load and initialise every class the scenario touches, so that the baseline already includes them.
        for (boolean capture : variants) {
            DrainScenario.check(DrainScenario.drainOnce(worker, capture), tasks, capture);
        }

        System.out.printf(Locale.ROOT, "RetainedHeap: %,d waitUntil tasks (sleep 1..10 ms) in one fetch invocation, virtual clock; %s%n",
                tasks, System.getProperty("java.vm.name") + " " + Runtime.version() + ", GC "
                        + ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList());
        System.out.println("heap used after System.gc() x5 (MemoryMXBean), minus the same before the scenario:");
        for (boolean capture : variants) {
            measure(worker, tasks, capture);
        }
    }

    private static void measure(Worker worker, int tasks, boolean captureSites) throws InterruptedException {
        long baseline = usedAfterGc();

        VirtualClock clock = new VirtualClock();
        WorkerInstance instance = WorkerInstance.builder(worker).eventLoop(clock).captureRegistrationSites(captureSites).build();
        Invocation invocation = instance.fetch(IncomingRequest.get(DrainScenario.URL));
        clock.runDue(); // the handler runs, registers every task and responds; no timer is due yet
        if (invocation.isFinished() || clock.pendingTimers().size() < tasks) {
            throw new IllegalStateException("expected " + tasks + " pending timers after runDue(), got " + clock.pendingTimers().size());
        }
        long pending = usedAfterGc() - baseline;

        clock.runUntilIdle();
        InvocationRecord record = DrainScenario.finishedRecord(invocation);
        instance.close();
        clock = null;
        instance = null;
        invocation = null;
        long afterDrain = usedAfterGc() - baseline;
        DrainScenario.check(record, tasks, captureSites);
        Reference.reachabilityFence(record);

        System.out.printf(Locale.ROOT, "  captureSites=%-5s pending: %7.1f MiB (%,5d B/task)   after drain, record held: %7.1f MiB (%,5d B/task)%n",
                captureSites, pending / MIB, pending / tasks, afterDrain / MIB, afterDrain / tasks);
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return MEMORY.getHeapMemoryUsage().getUsed();
    }
}
