package dev.ctxtestkit.runtime.server;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.runtime.FetchHandler;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;

/**
 * What the server tests share: servers on port 0 that are closed after each test, the records of finished invocations
 * (collected with {@link WorkerServer#onInvocationFinished}), a count of handler calls, and bounded waits only.
 */
abstract class ServerTestSupport {
    /** The bound of every wait for something that should happen promptly. */
    static final Duration WAIT = Duration.ofSeconds(5);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Every finished invocation's record, in the order they finished. */
    final BlockingQueue<InvocationRecord> records = new LinkedBlockingQueue<>();
    /** How many times a handler made by {@link #counted} was called. */
    final AtomicInteger handlerCalls = new AtomicInteger();

    private OkHttpClient client;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        if (client != null) {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    /** A worker whose handler counts its calls in {@link #handlerCalls}. */
    Worker counted(FetchHandler.SyncFetchHandler handler) {
        return Worker.fetchSync((request, env, ctx) -> {
            handlerCalls.incrementAndGet();
            return handler.fetch(request, env, ctx);
        });
    }

    /** An asynchronous worker whose handler counts its calls in {@link #handlerCalls}. */
    Worker countedAsync(FetchHandler handler) {
        return Worker.fetch((request, env, ctx) -> {
            handlerCalls.incrementAndGet();
            return handler.fetch(request, env, ctx);
        });
    }

    WorkerServer serve(Worker worker) {
        return serve(WorkerInstance.builder(worker), server -> server);
    }

    /** Serves on an ephemeral loopback port with a 1 s shutdown grace, collecting records into {@link #records}. */
    WorkerServer serve(WorkerInstance.Builder instance, UnaryOperator<WorkerServer.Builder> configure) {
        WorkerInstance built = instance.build();
        closeables.add(built);
        WorkerServer server = configure.apply(WorkerServer.builder(built).port(0).shutdownGrace(Duration.ofSeconds(1))).start();
        closeables.add(server);
        server.onInvocationFinished(records::add);
        return server;
    }

    /** Closes {@code closeable} after the test, before what was registered earlier. */
    <T extends AutoCloseable> T closeAfter(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    MockWebServer origin(MockResponse... responses) throws IOException {
        MockWebServer origin = new MockWebServer();
        for (MockResponse response : responses) {
            origin.enqueue(response);
        }
        origin.start(InetAddress.getLoopbackAddress(), 0);
        closeables.add(origin);
        return origin;
    }

    /** An OkHttp client with a 5 s call timeout, closed after the test. */
    OkHttpClient client() {
        if (client == null) {
            client = new OkHttpClient.Builder().callTimeout(WAIT).retryOnConnectionFailure(false).build();
        }
        return client;
    }

    /** The next finished invocation's record; fails if none arrives within {@link #WAIT}. */
    InvocationRecord nextRecord() throws InterruptedException {
        InvocationRecord record = records.poll(WAIT.toMillis(), MILLISECONDS);
        assertThat(record).as("an invocation record within " + WAIT).isNotNull();
        return record;
    }

    /** Awaitility, bounded by {@link #WAIT}, polling every 10 ms on the calling thread (no extra thread to count). */
    static ConditionFactory eventually() {
        return Awaitility.await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ofMillis(10));
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toMillis(), MILLISECONDS);
    }

    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
