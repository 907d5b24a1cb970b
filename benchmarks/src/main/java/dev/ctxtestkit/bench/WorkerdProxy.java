package dev.ctxtestkit.bench;

import dev.ctxtestkit.workerd.WorkerdProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * P5 for workerd: serves {@code bench/fetch-proxy.mjs} in real workerd with the given origin as its globalOutbound,
 * prints {@code LISTENING <url>}, and runs until killed. Usage: {@code WorkerdProxy <origin url>}.
 */
public final class WorkerdProxy {
    private WorkerdProxy() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: WorkerdProxy <origin url>");
            System.exit(2);
        }
        URI origin = URI.create(args[0]);
        String script;
        try (InputStream in = WorkerdProxy.class.getResourceAsStream("/bench/fetch-proxy.mjs")) {
            if (in == null) {
                throw new IOException("bench/fetch-proxy.mjs is missing from the classpath");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        WorkerdProcess workerd = WorkerdProcess.builder()
                .external("origin", origin.getHost() + ":" + origin.getPort())
                .worker("proxy", "fetch-proxy.mjs", script, "origin", Map.of(), WorkerdProcess.DEFAULT_COMPATIBILITY_DATE)
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            workerd.close();
            stopped.countDown();
        }));
        System.out.println("LISTENING " + workerd.url("proxy"));
        System.out.flush();
        stopped.await();
    }
}
