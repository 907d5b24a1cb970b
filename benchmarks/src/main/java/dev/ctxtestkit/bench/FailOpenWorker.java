package dev.ctxtestkit.bench;

import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.runtime.server.WorkerServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The worker side of {@link FailOpenBigBody}, run in its own JVM: a {@link WorkerServer} whose handler calls
 * {@code ctx.passThroughOnException()} and throws, so every request fails open to the origin given as the argument.
 * Prints {@code LISTENING <url>} on stdout; when its stdin ends (or reads {@code stop}), it prints
 * {@code SAMPLED_PEAK_HEAP_BYTES <n>} (the most heap in use, garbage included, sampled every 5 ms from the
 * MemoryMXBean), {@code PEAK_HEAP_BYTES <n>} (the sum of the heap pools' peak usage since start: an upper bound, as
 * the pools peak at different times),
 * {@code MAX_HEAP_BYTES <n>} and the JVM's GC counts, then stops.
 *
 * <pre>java -Xmx64m -cp benchmarks/target/benchmarks.jar dev.ctxtestkit.bench.FailOpenWorker http://127.0.0.1:8081</pre>
 */
public final class FailOpenWorker {
    private FailOpenWorker() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: FailOpenWorker <origin-url>");
            System.exit(2);
        }
        WorkerInstance instance = WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
            ctx.passThroughOnException();
            throw new IllegalStateException("fail open, please");
        })).origin(args[0]).captureRegistrationSites(false).outboundTimeout(Duration.ofSeconds(60)).build();
        WorkerServer server = WorkerServer.builder(instance).port(0).shutdownGrace(Duration.ofSeconds(5)).start();
        long[] sampledPeak = new long[1];
        Thread sampler = new Thread(() -> {
            java.lang.management.MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            while (!Thread.currentThread().isInterrupted()) {
                long used = memory.getHeapMemoryUsage().getUsed();
                synchronized (sampledPeak) {
                    sampledPeak[0] = Math.max(sampledPeak[0], used);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        System.out.println("LISTENING " + server.url());
        System.out.flush();

        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = stdin.readLine(); line != null && !line.trim().equals("stop"); line = stdin.readLine()) {
            // wait for the parent
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        sampler.interrupt();
        synchronized (sampledPeak) {
            System.out.println("SAMPLED_PEAK_HEAP_BYTES " + sampledPeak[0]);
        }
        System.out.println("PEAK_HEAP_BYTES " + peak);
        System.out.println("MAX_HEAP_BYTES " + Runtime.getRuntime().maxMemory());
        ManagementFactory.getGarbageCollectorMXBeans().forEach(gc ->
                System.out.println("GC " + gc.getName().replace(' ', '_') + " " + gc.getCollectionCount() + " " + gc.getCollectionTime()));
        System.out.flush();
        server.close();
    }
}
