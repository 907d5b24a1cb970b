package dev.ctxtestkit.workerd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One workerd process serving one or more workers on loopback ports, from a config written at run time (spec
 * section 16): every worker written out in full (no {@code inherit}), an {@code external} service per outbound
 * address, {@code --verbose}, and a bounded wait until every socket accepts connections. Its output goes to a log
 * file, shown when it fails to start. Close it to stop the process and delete its files.
 */
public final class WorkerdProcess implements AutoCloseable {
    /** The compatibility date the spec's observations used. */
    public static final String DEFAULT_COMPATIBILITY_DATE = "2026-11-01";

    private final Process process;
    private final Path dir;
    private final Path log;
    private final Map<String, Integer> ports;

    private WorkerdProcess(Process process, Path dir, Path log, Map<String, Integer> ports) {
        this.process = process;
        this.dir = dir;
        this.log = log;
        this.ports = ports;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code http://127.0.0.1:<port>} of the socket serving {@code worker}. */
    public String url(String worker) {
        Integer port = ports.get(worker);
        if (port == null) {
            throw new IllegalArgumentException("no worker named '" + worker + "'; workers: " + ports.keySet());
        }
        return "http://127.0.0.1:" + port;
    }

    /** What workerd has printed so far (stdout and stderr). */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    /** A free loopback port (closed again, so a later bind may race: good enough for tests). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    /** A worker: its main module's source, the service its outbound requests go to, and service bindings. */
    private record WorkerSpec(String name, String moduleName, String moduleSource, String globalOutbound, Map<String, String> serviceBindings,
                              String compatibilityDate) {
    }

    /** Configures and starts a {@link WorkerdProcess}. */
    public static final class Builder {
        private final List<WorkerSpec> workers = new ArrayList<>();
        private final Map<String, String> externals = new LinkedHashMap<>();
        private Path binary;
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** The binary (default: {@link WorkerdBinary#require()}). */
        public Builder binary(Path value) {
            this.binary = Objects.requireNonNull(value, "binary");
            return this;
        }

        /** An {@code external} service: plain HTTP to {@code hostAndPort} (e.g. {@code 127.0.0.1:8081}). */
        public Builder external(String service, String hostAndPort) {
            externals.put(Objects.requireNonNull(service, "service"), Objects.requireNonNull(hostAndPort, "hostAndPort"));
            return this;
        }

        /**
         * An ES-module worker served on its own loopback port.
         *
         * @param globalOutbound the service every {@code fetch()} of the worker goes to, fail-open included (PT-5)
         * @param serviceBindings env binding name to service name
         */
        public Builder worker(String name, String moduleName, String moduleSource, String globalOutbound, Map<String, String> serviceBindings,
                              String compatibilityDate) {
            workers.add(new WorkerSpec(name, moduleName, moduleSource, globalOutbound, Map.copyOf(serviceBindings), compatibilityDate));
            return this;
        }

        public Builder startTimeout(Duration value) {
            this.startTimeout = Objects.requireNonNull(value, "startTimeout");
            return this;
        }

        /**
         * Writes the config, starts {@code workerd serve --verbose}, and waits (bounded) until every socket accepts.
         *
         * @throws IllegalStateException with workerd's output when it does not come up
         */
        public WorkerdProcess start() {
            Path workerd = binary != null ? binary : WorkerdBinary.require();
            if (workers.isEmpty()) {
                throw new IllegalStateException("no worker to serve");
            }
            try {
                Path dir = Files.createTempDirectory("ctx-workerd-");
                Map<String, Integer> ports = new LinkedHashMap<>();
                for (WorkerSpec worker : workers) {
                    Files.writeString(dir.resolve(worker.name() + "-" + worker.moduleName()), worker.moduleSource(), StandardCharsets.UTF_8);
                    ports.put(worker.name(), freePort());
                }
                Files.writeString(dir.resolve("config.capnp"), config(ports), StandardCharsets.UTF_8);
                Path log = dir.resolve("workerd.log");
                Process process = new ProcessBuilder(workerd.toString(), "serve", "config.capnp", "--verbose")
                        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                WorkerdProcess started = new WorkerdProcess(process, dir, log, ports);
                try {
                    Awaitility.await("workerd listening on " + ports).atMost(startTimeout).pollInterval(Duration.ofMillis(25))
                            .until(() -> {
                                if (!process.isAlive()) {
                                    throw new IllegalStateException("workerd exited with status " + process.exitValue());
                                }
                                return ports.values().stream().allMatch(Builder::accepts);
                            });
                } catch (ConditionTimeoutException | IllegalStateException e) {
                    String output = started.log();
                    started.close();
                    throw new IllegalStateException("workerd did not start (" + e.getMessage() + "); its output:\n" + output, e);
                }
                return started;
            } catch (IOException e) {
                throw new IllegalStateException("could not start workerd at " + workerd + ": " + e.getMessage(), e);
            }
        }

        private static boolean accepts(int port) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        private String config(Map<String, Integer> ports) {
            StringBuilder out = new StringBuilder("using Workerd = import \"/workerd/workerd.capnp\";\n\n");
            out.append("const config :Workerd.Config = (\n  services = [\n");
            for (WorkerSpec worker : workers) {
                out.append("    (name = \"").append(worker.name()).append("\", worker = .").append(constName(worker.name())).append("),\n");
            }
            externals.forEach((name, address) -> out.append("    (name = \"").append(name).append("\", external = (address = \"")
                    .append(address).append("\", http = ())),\n"));
            out.append("  ],\n  sockets = [\n");
            for (WorkerSpec worker : workers) {
                out.append("    (name = \"").append(worker.name()).append("-http\", address = \"127.0.0.1:").append(ports.get(worker.name()))
                        .append("\", http = (), service = \"").append(worker.name()).append("\"),\n");
            }
            out.append("  ],\n);\n");
            for (WorkerSpec worker : workers) {
                out.append("\nconst ").append(constName(worker.name())).append(" :Workerd.Worker = (\n");
                out.append("  modules = [ (name = \"").append(worker.moduleName()).append("\", esModule = embed \"")
                        .append(worker.name()).append("-").append(worker.moduleName()).append("\") ],\n");
                out.append("  compatibilityDate = \"").append(worker.compatibilityDate()).append("\",\n");
                if (!worker.serviceBindings().isEmpty()) {
                    out.append("  bindings = [\n");
                    worker.serviceBindings().forEach((binding, service) -> out.append("    (name = \"").append(binding)
                            .append("\", service = \"").append(service).append("\"),\n"));
                    out.append("  ],\n");
                }
                if (worker.globalOutbound() != null) {
                    out.append("  globalOutbound = \"").append(worker.globalOutbound()).append("\",\n");
                }
                out.append(");\n");
            }
            return out.toString();
        }

        private static String constName(String worker) {
            return "w" + worker.replaceAll("[^A-Za-z0-9]", "");
        }
    }
}
