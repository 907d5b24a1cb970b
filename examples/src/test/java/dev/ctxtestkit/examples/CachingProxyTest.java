package dev.ctxtestkit.examples;

import static dev.ctxtestkit.testkit.CtxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.junit.CtxExtension;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.InMemoryCache;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.testkit.InvocationResult;
import dev.ctxtestkit.testkit.MockOrigin;
import dev.ctxtestkit.testkit.WorkerHarness;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CachingProxyTest {

    // The cache's writes take 25 ms of virtual time, like real storage I/O.
    @RegisterExtension
    static final CtxExtension ctx = CtxExtension.builder()
            .bindingOnClock(CachingProxy.CACHE, clock -> new InMemoryCache(clock, Duration.ofMillis(25)))
            .build();

    private final Worker proxy = Worker.fetch(new CachingProxy());

    @Test
    void wu5_theResponseArrivesBeforeTheCacheWrite(WorkerHarness harness, MockOrigin origin) {
        origin.enqueue(200, "hello");
        InMemoryCache cache = harness.binding(CachingProxy.CACHE, InMemoryCache.class);

        Invocation invocation = harness.start(proxy, IncomingRequest.get("http://shop.example/item/1"));
        harness.advanceBy(Duration.ofMillis(10));

        assertThat(invocation.response().toCompletableFuture()).isCompleted();
        assertThat(cache.peek("http://shop.example/item/1")).isEmpty();

        InvocationResult result = harness.finish(invocation);
        assertThat(result).respondedWith(200).hasHeader("x-foo", "bar").hasBody("hello")
                .respondedBeforeTasksSettled().completedAllTasks().drained();
        assertThat(cache.peek("http://shop.example/item/1")).hasValue("hello".getBytes());
    }

    @Test
    void wu6_aFailingCacheWriteDoesNotChangeTheResponse(WorkerHarness harness, MockOrigin origin) {
        origin.enqueue(200, "hello");
        harness.binding(CachingProxy.CACHE, InMemoryCache.class).failWrites(new IllegalStateException("cache is down"));

        InvocationResult result = harness.fetch(proxy, IncomingRequest.get("http://shop.example/item/2"));

        assertThat(result).respondedWith(200).hasHeader("x-foo", "bar").hasBody("hello")
                .hasOutcome(Outcome.OK)
                .hasRejectedTaskWithMessage("cache is down")
                .hasException(LoggedException.ASYNC, "cache is down");
    }
}
