package dev.ctxtestkit.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * P5's baseline: a plain origin on the JDK's {@code HttpServer} (4 handler threads, TCP_NODELAY) that answers every
 * request with {@code 200 ok}. Prints {@code LISTENING <url>} and runs until the JVM is stopped.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.ctxtestkit.bench.PlainOrigin [port]</pre>
 */
public final class PlainOrigin {
    private PlainOrigin() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's algorithm and the client's
        // delayed ACK add ~40 ms to every keep-alive response.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        byte[] ok = "ok".getBytes(StandardCharsets.US_ASCII);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, ok.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(ok);
            }
        });
        server.start();
        System.out.println("LISTENING http://127.0.0.1:" + server.getAddress().getPort());
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            threads.shutdownNow();
            stopped.countDown();
        }));
        stopped.await();
    }
}
