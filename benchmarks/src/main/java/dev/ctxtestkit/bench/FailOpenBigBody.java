package dev.ctxtestkit.bench;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * P7: fail-open streams a big request body without buffering it. Starts {@link FailOpenWorker} in a child JVM with
 * {@code -Xmx64m} (same class path), an origin in this JVM that counts request body bytes without storing them and
 * answers {@code 200}, and sends a generated body of 1 GiB (by default) through the worker, which fails open and
 * forwards it, streamed, to the origin. Prints whether it worked, the bytes the origin received, wall time,
 * throughput, and the child's peak heap.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.ctxtestkit.bench.FailOpenBigBody [bytes] [child -Xmx]</pre>
 */
public final class FailOpenBigBody {
    private static final double MIB = 1024.0 * 1024.0;

    private FailOpenBigBody() {
    }

    public static void main(String[] args) throws Exception {
        long bodyBytes = args.length > 0 ? Long.parseLong(args[0]) : 1L << 30;
        String childXmx = args.length > 1 ? args[1] : "64m";

        try (CountingOrigin origin = new CountingOrigin()) {
            Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
            Process child = new ProcessBuilder(java.toString(), "-Xmx" + childXmx, "-cp", System.getProperty("java.class.path"),
                    FailOpenWorker.class.getName(), origin.url())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader childOut = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String listening = childOut.readLine();
            if (listening == null || !listening.startsWith("LISTENING ")) {
                child.destroyForcibly();
                throw new IllegalStateException("the worker JVM did not start: " + listening);
            }
            URI worker = URI.create(listening.substring("LISTENING ".length()).trim());

            long start = System.nanoTime();
            int status;
            String responseBody;
            try (Socket socket = new Socket(worker.getHost(), worker.getPort())) {
                socket.setSoTimeout(300_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: worker.test\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                        + bodyBytes + "\r\n\r\n").getBytes(ISO_8859_1));
                byte[] block = new byte[64 * 1024];
                for (int i = 0; i < block.length; i++) {
                    block[i] = (byte) i;
                }
                long sent = 0;
                while (sent < bodyBytes) {
                    int n = (int) Math.min(block.length, bodyBytes - sent);
                    out.write(block, 0, n);
                    sent += n;
                }
                out.flush();
                InputStream in = socket.getInputStream();
                String head = readHead(in);
                status = Integer.parseInt(head.split(" ")[1]);
                responseBody = new String(in.readNBytes(contentLength(head)), ISO_8859_1);
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            try (OutputStream childIn = child.getOutputStream()) {
                childIn.write("stop\n".getBytes(StandardCharsets.UTF_8));
            }
            List<String> stats = new ArrayList<>();
            for (String line = childOut.readLine(); line != null; line = childOut.readLine()) {
                stats.add(line);
            }
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            long peak = stats.stream().filter(l -> l.startsWith("PEAK_HEAP_BYTES ")).mapToLong(l -> Long.parseLong(l.split(" ")[1])).findFirst().orElse(-1);
            long sampled = stats.stream().filter(l -> l.startsWith("SAMPLED_PEAK_HEAP_BYTES ")).mapToLong(l -> Long.parseLong(l.split(" ")[1])).findFirst().orElse(-1);
            long max = stats.stream().filter(l -> l.startsWith("MAX_HEAP_BYTES ")).mapToLong(l -> Long.parseLong(l.split(" ")[1])).findFirst().orElse(-1);

            long received = origin.bodyBytes.get();
            boolean success = status == 200 && "ok".equals(responseBody) && received == bodyBytes;
            System.out.printf(Locale.ROOT, "success:            %s (client got %d '%s')%n", success, status, responseBody);
            System.out.printf(Locale.ROOT, "origin received:    %,d bytes (sent %,d; %s)%n", received, bodyBytes, received == bodyBytes ? "equal" : "DIFFERENT");
            System.out.printf(Locale.ROOT, "origin's framing:   %s%n", origin.framing);
            System.out.printf(Locale.ROOT, "wall time:          %.2f s%n", seconds);
            System.out.printf(Locale.ROOT, "throughput:         %.1f MiB/s%n", bodyBytes / MIB / seconds);
            System.out.printf(Locale.ROOT, "child peak heap:    %.1f MiB sampled every 5 ms (garbage included); heap pools' peaks summed: %.1f MiB; -Xmx%s (max heap %.1f MiB)%n",
                    sampled / MIB, peak / MIB, childXmx, max / MIB);
            stats.stream().filter(l -> l.startsWith("GC ")).forEach(l -> System.out.println("child " + l.toLowerCase(Locale.ROOT)
                    .replaceFirst("^gc (\\S+) (\\d+) (\\d+)$", "gc $1: $2 collections, $3 ms")));
            if (!success) {
                System.exit(1);
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in a response head: " + head.toString(ISO_8859_1));
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(ISO_8859_1);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }

    /**
     * An HTTP/1.1 origin on a plain server socket: reads each request's body (Content-Length or chunked) into a
     * reusable buffer, counting the bytes without keeping them, then answers {@code 200 ok}.
     */
    private static final class CountingOrigin implements AutoCloseable {
        final AtomicLong bodyBytes = new AtomicLong();
        volatile String framing = "(no request)";
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final CompletableFuture<Void> stopped = new CompletableFuture<>();

        CountingOrigin() throws IOException {
            Thread acceptor = new Thread(this::acceptLoop, "counting-origin");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        private void acceptLoop() {
            while (!stopped.isDone()) {
                try {
                    Socket socket = server.accept();
                    Thread connection = new Thread(() -> serve(socket), "counting-origin-conn");
                    connection.setDaemon(true);
                    connection.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            byte[] buffer = new byte[256 * 1024];
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                while (true) {
                    String head;
                    try {
                        head = readHead(in);
                    } catch (EOFException e) {
                        return;
                    }
                    String lower = head.toLowerCase(Locale.ROOT);
                    if (lower.contains("\r\ntransfer-encoding: chunked")) {
                        framing = "Transfer-Encoding: chunked";
                        while (true) {
                            long size = Long.parseLong(readLine(in).split(";")[0].trim(), 16);
                            if (size == 0) {
                                while (!readLine(in).isEmpty()) {
                                    // trailers
                                }
                                break;
                            }
                            skip(in, size, buffer);
                            readLine(in);
                        }
                    } else {
                        long length = contentLength(head);
                        framing = "Content-Length: " + length;
                        skip(in, length, buffer);
                    }
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(ISO_8859_1));
                    out.flush();
                }
            } catch (IOException e) {
                // connection gone
            }
        }

        private void skip(InputStream in, long length, byte[] buffer) throws IOException {
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new EOFException("request body ended after " + (length - left) + " of " + length + " bytes");
                }
                left -= n;
                bodyBytes.addAndGet(n);
            }
        }

        private static long contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    return Long.parseLong(line.substring("content-length:".length()).trim());
                }
            }
            return 0;
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int previous = -1;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("closed inside a line");
                }
                if (previous == '\r' && b == '\n') {
                    byte[] bytes = line.toByteArray();
                    return new String(bytes, 0, bytes.length - 1, ISO_8859_1);
                }
                line.write(b);
                previous = b;
            }
        }

        @Override
        public void close() throws IOException {
            stopped.complete(null);
            server.close();
        }
    }
}
