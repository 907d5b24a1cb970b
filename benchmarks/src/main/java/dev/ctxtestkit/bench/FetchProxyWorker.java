package dev.ctxtestkit.bench;

import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.TaskResult;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.runtime.server.WorkerServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * P5's worker: the reference {@link WorkerServer} whose handler registers one {@code ctx.waitUntil} task (an
 * {@code env.timers().sleep} of the given milliseconds) and answers with {@code env.fetch} of the origin (through
 * {@code globalOutbound}), as a pass-through proxy with a bit of background work. Prints {@code LISTENING <url>}; on
 * JVM shutdown it prints how many invocations finished, how many were {@code ok}, and how many tasks resolved.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.ctxtestkit.bench.FetchProxyWorker http://127.0.0.1:8081 [taskMillis] [port]</pre>
 */
public final class FetchProxyWorker {
    private FetchProxyWorker() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: FetchProxyWorker <origin-url> [taskMillis] [port]");
            System.exit(2);
        }
        Duration task = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 0);
        int port = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        WorkerInstance instance = WorkerInstance.builder(Worker.fetch((request, env, ctx) -> {
            ctx.waitUntil(env.timers().sleep(task));
            return env.fetch(Request.get("http://origin.test" + request.uri().getRawPath()));
        })).globalOutbound(args[0]).build();
        WorkerServer server = WorkerServer.builder(instance).port(port).shutdownGrace(Duration.ofSeconds(2)).start();
        AtomicLong finished = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicLong resolvedTasks = new AtomicLong();
        server.onInvocationFinished((InvocationRecord record) -> {
            finished.incrementAndGet();
            if (record.outcome() == Outcome.OK && record.status().orElse(0) == 200) {
                ok.incrementAndGet();
            }
            resolvedTasks.addAndGet(record.tasksWith(TaskResult.RESOLVED).size());
        });
        System.out.println("LISTENING " + server.url() + " (waitUntil task " + task.toMillis() + " ms)");
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            WorkerServer.ShutdownReport report = server.shutdown(Duration.ofSeconds(2));
            System.out.println("FINISHED " + finished.get() + " invocations, " + ok.get() + " ok with status 200, "
                    + resolvedTasks.get() + " tasks resolved; at shutdown " + report.finished() + " still running finished and "
                    + report.cancelled().size() + " were cancelled");
            System.out.flush();
            stopped.countDown();
        }));
        stopped.await();
    }
}
