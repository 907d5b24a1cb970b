package dev.ctxtestkit.breakit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.runtime.ByteSource;
import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationAbortedException;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.ScheduledEvent;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.testkit.VirtualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Adversarial tests of the reference runtime's lifecycle (InvocationImpl, ContextImpl, EnvImpl, Limit, Response).
 * wait is bounded, or the run is driven by a {@link VirtualClock}.
 */
@Timeout(60)
class BreakRuntimeTest {
    private static final String URL = "http://worker.test/";
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private WorkerInstance start(WorkerInstance.Builder builder) {
        WorkerInstance instance = builder.build();
        closeables.add(instance);
        return instance;
    }

    private static <T> T await(CompletionStage<T> stage, long seconds) throws Exception {
        return stage.toCompletableFuture().get(seconds, SECONDS);
    }

    /** Waits until everything queued on a real event loop before this call has run. */
    private static void drainLoop(WorkerInstance instance) throws Exception {
        CompletableFuture<Void> marker = new CompletableFuture<>();
        instance.eventLoop().execute(() -> marker.complete(null));
        marker.get(5, SECONDS);
    }

    // ------------------------------------------------------------------ EVT-5 / ABT-1 on the scheduled path

    @Test
    void abt1_evt5_abortInAScheduledHandlerThrowsInvocationAbortedException() {
        VirtualClock clock = new VirtualClock();
        AtomicReference<RuntimeException> thrown = new AtomicReference<>();
        WorkerInstance instance = start(WorkerInstance.builder(Worker.scheduled((event, env, ctx) -> {
            try {
                ctx.abort("stop the cron");
            } catch (RuntimeException e) {
                thrown.set(e);
                throw e;
            }
            return null;
        })).eventLoop(clock));

        Invocation invocation = instance.scheduled(new ScheduledEvent(clock.instant(), "* * * * *"));
        clock.runUntilIdle();

        assertThat(thrown.get()).as("what ctx.abort() threw into the handler").isInstanceOf(InvocationAbortedException.class);
        InvocationRecord record = invocation.finished().toCompletableFuture().getNow(null);
        assertThat(record).isNotNull();
        assertThat(record.exceptions()).extracting(LoggedException::name)
                .as("the record must hold the abort only, no runtime NullPointerException")
                .containsExactly(InvocationAbortedException.class.getName());
    }

    // ------------------------------------------------------------------ LIM-4: limits the loop cannot schedule

    @Test
    void lim4_aLimitTheLoopCannotScheduleIsRefusedUpFrontWithAReason() {
        // Found: a thousand-year limit used to overflow Duration.toNanos() inside invocationEnd and wedge the drain.
        assertThatThrownBy(() -> Limit.of(Duration.ofDays(365L * 1000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most").hasMessageContaining("Limit.unlimited()");
        assertThatThrownBy(() -> Limit.of(Duration.ofSeconds(Long.MAX_VALUE))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limit.parse("9223372036854775807")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Limit.of(Limit.MAX).duration()).hasValue(Limit.MAX);
    }

    // ------------------------------------------------------------------ CTX-7 / WU-11 / LIM-7 cross-thread races

    @Test
    void wu11_ctx7_crossThreadWaitUntilThatLosesTheRaceIsNeitherTrackedNorReported() {
        VirtualClock clock = new VirtualClock();
        CompletableFuture<Void> first = new CompletableFuture<>();
        AtomicReference<Context> saved = new AtomicReference<>();
        WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
            saved.set(ctx);
            ctx.waitUntil(first);
            return Response.text("ok");
        })).eventLoop(clock));

        Invocation invocation = instance.fetch(IncomingRequest.get(URL));
        clock.runDue(); // not runUntilIdle: that would move time to the 30 s limit
        assertThat(invocation.isFinished()).as("draining, one task pending").isFalse();

        // From this (non-loop) thread: the only task settles, and a new task is registered while the invocation is
        // still alive. waitUntil returns normally: it neither throws (CTX-7) nor is refused.
        first.complete(null);
        CompletableFuture<Void> second = new CompletableFuture<>();
        saved.get().waitUntil(second);
        clock.runDue();

        // The accepted task keeps the invocation alive (WU-11) ...
        assertThat(invocation.isFinished()).as("the second task is tracked, so the drain goes on").isFalse();
        second.complete(null);
        clock.runDue();

        // ... and is in the record, with the CTX-8 warning about where it came from.
        InvocationRecord record = invocation.finished().toCompletableFuture().getNow(null);
        assertThat(record).isNotNull();
        assertThat(record.tasks()).hasSize(2);
        assertThat(record.logsAt(LogLevel.WARN)).anyMatch(l -> l.message().contains("waitUntil() was called from thread"));
    }

    @Test
    void lim7_timerSetFromAnotherThreadNeverFiresAfterTheInvocationFinished() {
        VirtualClock clock = new VirtualClock();
        CompletableFuture<Void> task = new CompletableFuture<>();
        AtomicReference<Env> savedEnv = new AtomicReference<>();
        WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
            savedEnv.set(env);
            ctx.waitUntil(task);
            return Response.text("ok");
        })).eventLoop(clock));

        Invocation invocation = instance.fetch(IncomingRequest.get(URL));
        clock.runDue();
        assertThat(invocation.isFinished()).as("draining, one task pending").isFalse();

        AtomicBoolean fired = new AtomicBoolean();
        task.complete(null); // the drain will end on the loop
        savedEnv.get().timers().setTimeout(() -> fired.set(true), Duration.ofMillis(10)); // accepted: not finished yet
        clock.advanceBy(Duration.ofMillis(20));

        assertThat(invocation.isFinished()).isTrue();
        assertThat(fired).as("a timer of a finished invocation must never fire (LIM-7)").isFalse();
    }

    // ------------------------------------------------------------------ ERR-7 / ERR-10: record consistency

    @Test
    void err7_abortDuringTheDrainLeavesNoStatusNextToOutcomeException() {
        VirtualClock clock = new VirtualClock();
        WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
            ctx.waitUntil(env.timers().sleep(Duration.ofMillis(10)).thenRun(() -> ctx.abort("late abort")));
            return Response.text("ok");
        })).eventLoop(clock));

        Invocation invocation = instance.fetch(IncomingRequest.get(URL));
        clock.runUntilIdle();

        InvocationRecord record = invocation.finished().toCompletableFuture().getNow(null);
        assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
        assertThat(record.finishReason()).isEqualTo(FinishReason.ABORTED);
        assertThat(record.status()).as("ERR-7: abort -> outcome exception, recorded status none").isEmpty();
    }

    // ------------------------------------------------------------------ robustness: user streams that throw

    @Test
    void pt4_aResponseStreamThatThrowsSynchronouslyTruncatesTheBodyInsteadOfWedgingTheInvocation() throws Exception {
        ByteSource throwing = new ByteSource() {
            @Override
            public CompletionStage<byte[]> read(int maxBytes) {
                throw new IllegalStateException("buggy stream");
            }

            @Override
            public long length() {
                return -1;
            }
        };
        WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> Response.stream(200, throwing))));

        Invocation invocation = instance.fetch(IncomingRequest.get(URL));

        ClientResponse response = await(invocation.response(), 5);
        assertThat(response.truncated()).isTrue();
        assertThat(await(invocation.finished(), 5).outcome()).isEqualTo(Outcome.EXCEPTION);
    }

    @Test
    void pt12_aRequestThatCannotBeForwardedStillGetsAnAnswer() throws Exception {
        WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
            ctx.passThroughOnException();
            throw new IllegalStateException("boom");
        })).origin("http://127.0.0.1:9"));

        Invocation invocation;
        try {
            invocation = instance.fetch(new IncomingRequest("", URL, new Headers(), null));
        } catch (IllegalArgumentException rejectedUpFront) {
            return; // also a fix: refuse the request before it reaches the handler
        }

        ClientResponse response = await(invocation.response(), 5);
        assertThat(response.status()).as("PT-8/PT-12: a fallback that cannot be sent gives a bare 500").isEqualTo(500);
    }

    // ------------------------------------------------------------------ BODY-5: null-body statuses

    @Test
    void body5_a204NeverCarriesBodyBytes() throws Exception {
        Response noContent;
        try {
            noContent = Response.of(204, "abc".getBytes(UTF_8));
        } catch (IllegalArgumentException rejected) {
            return; // fetch throws a TypeError for a body on a null-body status; rejecting is a fix too
        }
        Response toSend = noContent;
        WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> toSend)));

        ClientResponse response = await(instance.fetch(IncomingRequest.get(URL)).response(), 5);

        assertThat(response.status()).isEqualTo(204);
        assertThat(response.headers().has("content-length")).isFalse();
        assertThat(response.body()).as("no body on a 204").isEmpty();
    }

    // ------------------------------------------------------------------ Headers: names are not validated

    @Test
    void headersRejectInvalidNames() {
        assertThatThrownBy(() -> new Headers().append("x-a\r\nset-cookie", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Headers().set("bad name", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Headers.of("x:y", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Headers().append("x-nul", "a\u0000b")).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ WorkerInstance.close with work in flight

    @Test
    void closeCompletesOrFailsTheRecordsOfInvocationsInFlight() throws Exception {
        WorkerInstance instance = WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
            ctx.waitUntil(new CompletableFuture<Void>());
            return Response.text("ok");
        })).build();
        Invocation invocation = instance.fetch(IncomingRequest.get(URL));
        await(invocation.response(), 5);

        instance.close();

        try {
            invocation.finished().toCompletableFuture().get(5, SECONDS);
        } catch (ExecutionException failedIsFine) {
            // completing exceptionally (e.g. "instance closed") is an acceptable fix
        } catch (TimeoutException e) {
            throw new AssertionError("after close() the record future must complete (normally or exceptionally), never stay pending", e);
        }
    }
}
