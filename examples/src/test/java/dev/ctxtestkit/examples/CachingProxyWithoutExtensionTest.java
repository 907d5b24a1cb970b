package dev.ctxtestkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.InMemoryCache;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.TaskResult;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.testkit.VirtualClock;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The caching proxy without the JUnit extension: the runtime, a VirtualClock and a plain MockWebServer. */
class CachingProxyWithoutExtensionTest {
    private final VirtualClock clock = new VirtualClock();
    private final InMemoryCache cache = new InMemoryCache();
    private final MockWebServer origin = new MockWebServer();
    private WorkerInstance worker;

    @BeforeEach
    void start() throws Exception {
        origin.start(InetAddress.getLoopbackAddress(), 0);
        worker = WorkerInstance.builder(Worker.fetch(new CachingProxy()))
                .eventLoop(clock)
                .globalOutbound("http://127.0.0.1:" + origin.getPort())
                .binding(CachingProxy.CACHE, cache)
                .build();
    }

    @AfterEach
    void stop() {
        worker.close();
        origin.close();
    }

    @Test
    void addsTheHeaderAndCachesTheAnswerAfterTheResponse() {
        origin.enqueue(new MockResponse.Builder().code(200).body("hello").build());

        Invocation invocation = worker.fetch(IncomingRequest.get("http://shop.example/item/1"));
        clock.runUntilIdle();

        ClientResponse response = invocation.response().toCompletableFuture().join();
        InvocationRecord record = invocation.finished().toCompletableFuture().join();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().get("x-foo")).isEqualTo("bar");
        assertThat(response.bodyText()).isEqualTo("hello");
        assertThat(record.tasks()).singleElement().extracting(t -> t.result()).isEqualTo(TaskResult.RESOLVED);
        assertThat(cache.peek("http://shop.example/item/1")).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("hello"));
    }

    @Test
    void aFailingCacheWriteDoesNotChangeTheResponse() {
        origin.enqueue(new MockResponse.Builder().code(200).body("hello").build());
        cache.failWrites(new IllegalStateException("cache is down"));

        Invocation invocation = worker.fetch(IncomingRequest.get("http://shop.example/item/2"));
        clock.runUntilIdle();

        assertThat(invocation.response().toCompletableFuture().join().status()).isEqualTo(200);
        InvocationRecord record = invocation.finished().toCompletableFuture().join();
        assertThat(record.outcome()).isEqualTo(Outcome.OK);
        assertThat(record.exceptions()).singleElement().satisfies(e -> {
            assertThat(e.source()).isEqualTo(LoggedException.ASYNC);
            assertThat(e.message()).isEqualTo("cache is down");
        });
    }
}
