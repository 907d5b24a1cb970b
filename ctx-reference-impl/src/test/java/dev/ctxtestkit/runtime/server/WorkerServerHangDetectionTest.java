package dev.ctxtestkit.runtime.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.runtime.ByteSource;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.Worker;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hang detection (ERR-3) over real HTTP: work that only a socket can see must keep the loop busy. */
@Timeout(60)
class WorkerServerHangDetectionTest extends ServerTestSupport {
    /** 1,000 x 64 KiB: far more than the loopback socket buffers of both ends hold, so the writes must stall. */
    private static final int CHUNKS = 1_000;
    private static final byte[] REQUEST_HEAD = "HTTP/1.1\r\nHost: worker.test\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1);

    @Test
    void err3_aResponseStillBeingWrittenToASlowClientKeepsTheLoopBusy_soAHandlerWaitingForItIsNotHung() throws Exception {
        CompletableFuture<Void> streamed = new CompletableFuture<>();
        AtomicInteger produced = new AtomicInteger();
        WorkerServer server = serve(Worker.fetch((request, env, ctx) -> {
            if (request.url().endsWith("/stream")) {
                ByteSource source = new ByteSource() {
                    @Override
                    public CompletionStage<byte[]> read(int maxBytes) {
                        if (produced.incrementAndGet() <= CHUNKS) {
                            return CompletableFuture.completedFuture(new byte[64 * 1024]);
                        }
                        streamed.complete(null);
                        return CompletableFuture.completedFuture(null);
                    }

                    @Override
                    public long length() {
                        return -1;
                    }
                };
                return CompletableFuture.completedFuture(Response.stream(200, source));
            }
            // Waits for the stream above (a cache fill, request coalescing): pending only on the other client's socket.
            return streamed.thenApply(v -> Response.text("after the stream"));
        }));
        URI url = server.url();
        try (Socket slow = new Socket(url.getHost(), url.getPort()); Socket waiting = new Socket(url.getHost(), url.getPort())) {
            // Default buffers: a tiny receive buffer below the loopback MSS would stall the window for good, not for a while.
            send(slow, "GET /stream ");
            // The slow client reads nothing: the server's writes stall on TCP backpressure, part way through.
            Awaitility.await("the stream to stall on the slow client").atMost(WAIT).pollInterval(Duration.ofMillis(20))
                    .until(() -> produced.get() > 0);
            Awaitility.await("the stream to stay stalled").atMost(WAIT).during(Duration.ofMillis(200)).until(() -> !streamed.isDone());

            send(waiting, "GET /wait ");
            InputStream waitingIn = waiting.getInputStream();
            Awaitility.await("no early answer to the waiting client").atMost(WAIT).during(Duration.ofMillis(300))
                    .until(() -> waitingIn.available() == 0);

            CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = slow.getInputStream()) {
                    return in.transferTo(OutputStream.nullOutputStream());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            waiting.setSoTimeout((int) WAIT.toMillis());
            String status = new BufferedReader(new InputStreamReader(waitingIn, ISO_8859_1)).readLine();
            assertThat(status).as("the waiting client's status line").isEqualTo("HTTP/1.1 200 OK");
            assertThat(await(drained)).as("bytes the slow client received").isGreaterThan((long) CHUNKS * 64 * 1024);
        }
    }

    private static void send(Socket socket, String requestLine) throws java.io.IOException {
        OutputStream out = socket.getOutputStream();
        out.write(requestLine.getBytes(ISO_8859_1));
        out.write(REQUEST_HEAD);
        out.flush();
    }
}
