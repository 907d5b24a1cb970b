package dev.ctxtestkit.conformance.cli;

import dev.ctxtestkit.conformance.probe.ProbeRouter;
import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.TaskResult;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerEntrypoint;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.runtime.server.WorkerServer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ctx-conformance serve}: runs a worker on the reference runtime behind its HTTP server until Ctrl-C, printing
 * the URL at startup, one line per finished invocation, and what a graceful shutdown had to cancel.
 */
final class ServeCommand {
    static final String USAGE = String.join("\n",
            "usage: ctx-conformance serve [options]",
            "",
            "Serves a worker on the Java reference runtime over HTTP until Ctrl-C.",
            "",
            "options:",
            "  --worker NAME   demo (default): answers at once and finishes a 500 ms waitUntil task; /fail fails open",
            "                  to --origin (without one, /fail gets PT-8's bare 500)",
            "                  probe: the conformance probe worker (scenarios in the x-ctx-scenario header)",
            "                  or the class name of a FetchHandler or WorkerEntrypoint with a no-argument constructor",
            "  --port N        the port (default 8787; 0 picks a free one)",
            "  --host ADDRESS  the address to bind (default 127.0.0.1)",
            "  --origin URL    where passThroughOnException fails open to, and where env.fetch goes (default: none)",
            "  --limit L       the limit after invocation end: unlimited, milliseconds, or ISO-8601 like PT30S (default 30 s)",
            "  --help          show this help");

    private ServeCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Running running;
        try {
            running = start(args, out);
        } catch (IllegalArgumentException e) {
            err.println("ctx-conformance serve: " + e.getMessage());
            err.println();
            err.println(USAGE);
            return 2;
        } catch (IllegalStateException e) {
            err.println("ctx-conformance serve: " + e.getMessage());
            return 2;
        }
        if (running == null) {
            out.println(USAGE);
            return 0;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.stop(out);
            stopped.countDown();
        }, "ctx-serve-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Starts serving; null for --help. */
    static Running start(String[] args, PrintStream out) {
        String workerName = "demo";
        int port = 8787;
        String host = "127.0.0.1";
        String origin = null;
        Limit limit = Limit.DEFAULT;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--worker" -> workerName = value(args, ++i, arg);
                case "--port" -> {
                    String text = value(args, ++i, arg);
                    try {
                        port = Integer.parseInt(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port needs a number, got '" + text + "'");
                    }
                }
                case "--host" -> host = value(args, ++i, arg);
                case "--origin" -> origin = value(args, ++i, arg);
                case "--limit" -> limit = Limit.parse(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        Worker worker = worker(workerName);
        WorkerInstance.Builder instance = WorkerInstance.builder(worker).limit(limit);
        if (origin != null) {
            instance.origin(origin).globalOutbound(origin);
        }
        WorkerServer server = WorkerServer.builder(instance.build()).host(host).port(port).start();
        server.onInvocationFinished(record -> out.println(describe(record)));
        out.println("serving the " + workerName + " worker on " + server.url() + " (fail-open origin: "
                + (origin == null ? "none, so fail-open answers a bare 500" : origin)
                + ", limit " + limit + "); Ctrl-C to stop");
        return new Running(server, limit);
    }

    static String describe(InvocationRecord record) {
        long settled = record.tasks().stream().filter(t -> t.result() == TaskResult.RESOLVED).count();
        return String.format(Locale.ROOT, "%s -> %s, outcome %s, %d task(s): %d resolved, %d rejected, %d cancelled, finished after %d ms",
                record.label(), record.status().isPresent() ? Integer.toString(record.status().getAsInt())
                        : record.failOpen().map(f -> "fail-open " + f.originStatus().stream().mapToObj(Integer::toString).findFirst().orElse("500")).orElse("no status"),
                record.outcome().wireName(), record.tasks().size(), settled, record.tasksWith(TaskResult.REJECTED).size(),
                record.tasksWith(TaskResult.CANCELLED).size(), Duration.between(record.startedAt(), record.finishedAt()).toMillis());
    }

    private static Worker worker(String name) {
        switch (name) {
            case "demo":
                return Worker.fetch(new DemoWorker());
            case "probe":
                return Worker.fetch(new ProbeRouter());
            default:
                break;
        }
        Class<?> type;
        try {
            type = Class.forName(name, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown worker '" + name + "': expected demo, probe, or the class name of a FetchHandler or WorkerEntrypoint on the classpath");
        }
        if (WorkerEntrypoint.class.isAssignableFrom(type)) {
            return Worker.entrypoint(() -> (WorkerEntrypoint) newInstance(type));
        }
        if (FetchHandler.class.isAssignableFrom(type)) {
            return Worker.fetch((FetchHandler) newInstance(type));
        }
        throw new IllegalArgumentException(name + " is neither a FetchHandler nor a WorkerEntrypoint");
    }

    private static Object newInstance(Class<?> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create " + type.getName() + " (it needs a public no-argument constructor): " + e, e);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** A started server. */
    static final class Running {
        private final WorkerServer server;
        private final Limit limit;

        Running(WorkerServer server, Limit limit) {
            this.server = server;
            this.limit = limit;
        }

        WorkerServer server() {
            return server;
        }

        /** Stops gracefully: running invocations get the limit (at most 30 s) to finish, the rest is cancelled. */
        void stop(PrintStream out) {
            Duration grace = limit.duration().filter(d -> d.compareTo(Duration.ofSeconds(30)) < 0).orElse(Duration.ofSeconds(30));
            out.println("stopping: letting running invocations finish (at most " + grace.toSeconds() + " s)…");
            WorkerServer.ShutdownReport report = server.shutdown(grace);
            out.println("stopped: " + report);
        }
    }
}
