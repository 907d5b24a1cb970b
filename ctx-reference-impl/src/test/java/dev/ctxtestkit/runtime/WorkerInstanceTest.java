package dev.ctxtestkit.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ctxtestkit.runtime.internal.InvocationImpl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End-to-end basics of {@link WorkerInstance} on its default {@link RealTimeEventLoop}, in real time. Every wait is
 * bounded ({@code get(timeout)}); nothing sleeps.
 */
@Timeout(30)
class WorkerInstanceTest {
    private static final String URL = "http://worker.test/";
    private static final long WAIT_SECONDS = 10;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private WorkerInstance start(Worker worker) {
        return start(WorkerInstance.builder(worker));
    }

    private WorkerInstance start(WorkerInstance.Builder builder) {
        WorkerInstance instance = builder.build();
        closeables.add(instance);
        return instance;
    }

    private MockWebServer origin() throws IOException {
        MockWebServer server = new MockWebServer();
        server.start();
        closeables.add(server);
        return server;
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT_SECONDS, SECONDS);
    }

    static ClientResponse response(Invocation invocation) throws Exception {
        return await(invocation.response());
    }

    static InvocationRecord record(Invocation invocation) throws Exception {
        return await(invocation.finished());
    }

    /** {@code source} with its length hidden, like a stream produced by code. */
    static ByteSource unknownLength(ByteSource source) {
        return new ByteSource() {
            @Override
            public CompletionStage<byte[]> read(int maxBytes) {
                return source.read(maxBytes);
            }

            @Override
            public long length() {
                return -1;
            }
        };
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Nested
    class Responses {

        @Test
        void evt5_syncHandlerResponseReachesTheClientAndTheRecord() throws Exception {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> Response.text(201, "hello " + request.method())));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL + "hello"));

            ClientResponse response = response(invocation);
            assertThat(response.status()).isEqualTo(201);
            assertThat(response.bodyText()).isEqualTo("hello GET");
            assertThat(response.truncated()).isFalse();
            assertThat(response.headers().get("content-type")).isEqualTo("text/plain;charset=UTF-8");
            InvocationRecord record = record(invocation);
            assertThat(record.id()).isEqualTo(1);
            assertThat(record.event()).isEqualTo(EventKind.FETCH);
            assertThat(record.label()).isEqualTo("fetch GET http://worker.test/hello");
            assertThat(record.outcome()).isEqualTo(Outcome.OK);
            assertThat(record.status()).hasValue(201);
            assertThat(record.exceptions()).isEmpty();
            assertThat(record.tasks()).isEmpty();
            assertThat(record.finishReason()).isEqualTo(FinishReason.DRAINED);
            assertThat(record.failOpen()).isEmpty();
            assertThat(invocation.isFinished()).isTrue();
        }

        @Test
        void body5_knownLengthGetsContentLengthAndAStreamGetsChunked() throws Exception {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> request.url().endsWith("stream")
                    ? Response.stream(200, unknownLength(ByteSource.of("streamed".getBytes(UTF_8), 3)))
                    : new Response(200, Headers.of("content-length", "999", "x-own", "kept"), Body.of("12345"))));

            ClientResponse known = response(instance.fetch(IncomingRequest.get(URL + "known")));
            ClientResponse stream = response(instance.fetch(IncomingRequest.get(URL + "stream")));

            assertThat(known.headers().get("content-length")).isEqualTo("5");
            assertThat(known.headers().get("x-own")).isEqualTo("kept");
            assertThat(known.headers().has("transfer-encoding")).isFalse();
            assertThat(stream.headers().get("transfer-encoding")).isEqualTo("chunked");
            assertThat(stream.headers().has("content-length")).isFalse();
            assertThat(stream.bodyText()).isEqualTo("streamed");
        }

        @Test
        void body5_204HasNoFramingHeader() throws Exception {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> Response.empty(204)));

            ClientResponse response = response(instance.fetch(IncomingRequest.get(URL)));

            assertThat(response.status()).isEqualTo(204);
            assertThat(response.headers().names()).doesNotContain("content-length", "transfer-encoding");
        }

        @Test
        void ctx4_propsAreTheCallersValueAndEmptyByDefault() throws Exception {
            List<Map<String, Object>> seen = new ArrayList<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                seen.add(ctx.props());
                return Response.text("ok");
            }));

            record(instance.fetch(IncomingRequest.get(URL), Map.of("tenant", "acme")));
            record(instance.fetch(IncomingRequest.get(URL)));

            assertThat(seen).containsExactly(Map.of("tenant", "acme"), Map.of());
        }

        @Test
        void invocationIdsCountUpPerInstance() throws Exception {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> Response.text("ok")));

            Invocation first = instance.fetch(IncomingRequest.get(URL));
            Invocation second = instance.fetch(IncomingRequest.get(URL));

            assertThat(first.id()).isEqualTo(1);
            assertThat(second.id()).isEqualTo(2);
            assertThat(record(second).id()).isEqualTo(2);
        }

        @Test
        void relativeUrlAndClosedInstanceAreRejected() {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> Response.text("ok")));

            assertThatThrownBy(() -> instance.fetch(IncomingRequest.get("/relative")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute");
            instance.close();
            assertThatThrownBy(() -> instance.fetch(IncomingRequest.get(URL)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    @Nested
    class Tasks {

        @Test
        void wu5_pendingTaskDoesNotDelayTheResponse() throws Exception {
            CompletableFuture<String> task = new CompletableFuture<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(task);
                return Response.text("early");
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            ClientResponse response = response(invocation);
            assertThat(response.bodyText()).isEqualTo("early");
            assertThat(task).isNotDone();
            assertThat(invocation.finished().toCompletableFuture()).isNotDone();
            assertThat(invocation.isFinished()).isFalse();

            task.complete("late");

            InvocationRecord record = record(invocation);
            assertThat(record.tasks()).singleElement().satisfies(t -> {
                assertThat(t.result()).isEqualTo(TaskResult.RESOLVED);
                assertThat(t.registeredDuring()).isEqualTo("handler");
                assertThat(t.settledAt()).isAfterOrEqualTo(record.invocationEndAt());
            });
            assertThat(record.finishReason()).isEqualTo(FinishReason.DRAINED);
            assertThat(record.finishedAt()).isAfterOrEqualTo(response.completedAt());
        }

        @Test
        void wu9_rejectedTaskIsRecordedAsUncaughtAsyncAndOutcomeStaysOk() throws Exception {
            IllegalStateException failure = new IllegalStateException("wu-rejected");
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(CompletableFuture.failedFuture(failure));
                return Response.text("fine");
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            ClientResponse response = response(invocation);
            InvocationRecord record = record(invocation);
            assertThat(response.status()).isEqualTo(200); // WU-6
            assertThat(response.bodyText()).isEqualTo("fine");
            assertThat(record.outcome()).isEqualTo(Outcome.OK);
            assertThat(record.status()).hasValue(200);
            assertThat(record.exceptions()).singleElement().satisfies(e -> {
                assertThat(e.source()).isEqualTo(LoggedException.ASYNC).isEqualTo("Uncaught (async)");
                assertThat(e.name()).isEqualTo("java.lang.IllegalStateException");
                assertThat(e.message()).isEqualTo("wu-rejected");
                assertThat(e.throwable()).isSameAs(failure);
            });
            assertThat(record.tasks()).singleElement().satisfies(t -> {
                assertThat(t.result()).isEqualTo(TaskResult.REJECTED);
                assertThat(t.failureCause()).containsSame(failure);
            });
            assertThat(record.failOpen()).isEmpty();
        }

        @Test
        void wu7_aRejectedTaskLeavesItsSiblingsAlone() throws Exception {
            CompletableFuture<Void> first = new CompletableFuture<>();
            CompletableFuture<Void> middle = new CompletableFuture<>();
            CompletableFuture<Void> last = new CompletableFuture<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(first);
                ctx.waitUntil(middle);
                ctx.waitUntil(last);
                return Response.text("ok");
            }));
            Invocation invocation = instance.fetch(IncomingRequest.get(URL));
            response(invocation);

            middle.completeExceptionally(new RuntimeException("middle failed"));
            first.complete(null);
            last.complete(null);

            InvocationRecord record = record(invocation);
            assertThat(record.tasks()).extracting(TaskRecord::result)
                    .containsExactly(TaskResult.RESOLVED, TaskResult.REJECTED, TaskResult.RESOLVED);
            assertThat(record.outcome()).isEqualTo(Outcome.OK);
            assertThat(record.exceptions()).extracting(LoggedException::message).containsExactly("middle failed");
        }

        @Test
        void wu13_nullTaskIsSettledAndSuspicious() throws Exception {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(null);
                return Response.text("ok");
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            InvocationRecord record = record(invocation);
            assertThat(response(invocation).status()).isEqualTo(200);
            assertThat(record.tasks()).singleElement().satisfies(t -> {
                assertThat(t.suspicious()).isTrue();
                assertThat(t.result()).isEqualTo(TaskResult.RESOLVED);
                assertThat(t.settledAt()).isEqualTo(t.registeredAt());
                assertThat(t.failureCause()).isEmpty();
            });
            assertThat(record.exceptions()).isEmpty();
            assertThat(record.outcome()).isEqualTo(Outcome.OK);
            assertThat(record.finishReason()).isEqualTo(FinishReason.DRAINED);
            assertThat(record.timeline()).contains("suspicious: WU-13");
        }

        @Test
        void wu11_taskRegisteredInsideATaskDuringTheDrainExtendsIt() throws Exception {
            CompletableFuture<Void> outerGate = new CompletableFuture<>();
            CompletableFuture<Void> inner = new CompletableFuture<>();
            AtomicReference<Invocation> self = new AtomicReference<>();
            CompletableFuture<Boolean> finishedAfterOuterSettled = new CompletableFuture<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(outerGate.thenRunAsync(() -> {
                    ctx.waitUntil(inner);
                    // Runs on the loop after the outer task has settled (same loop turn as its completion).
                    env.executor().execute(() -> finishedAfterOuterSettled.complete(self.get().isFinished()));
                }, env.executor()));
                return Response.text("ok");
            }));
            Invocation invocation = instance.fetch(IncomingRequest.get(URL));
            self.set(invocation);
            response(invocation);

            outerGate.complete(null);

            assertThat(await(finishedAfterOuterSettled)).as("finished after the outer task settled").isFalse();
            assertThat(invocation.finished().toCompletableFuture()).isNotDone();
            inner.complete(null);
            InvocationRecord record = record(invocation);
            assertThat(record.tasks()).hasSize(2);
            assertThat(record.tasks().get(0).registeredDuring()).isEqualTo("handler");
            assertThat(record.tasks().get(1).registeredDuring()).isEqualTo("drain");
            assertThat(record.tasks()).extracting(TaskRecord::result).containsOnly(TaskResult.RESOLVED);
            assertThat(record.finishReason()).isEqualTo(FinishReason.DRAINED);
        }

        @Test
        void ctx8_waitUntilFromAnotherThreadIsRegisteredOnTheLoopWithAWarning() throws Exception {
            AtomicReference<Context> saved = new AtomicReference<>();
            CompletableFuture<Void> keepAlive = new CompletableFuture<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                saved.set(ctx);
                ctx.waitUntil(keepAlive);
                return Response.text("ok");
            }));
            Invocation invocation = instance.fetch(IncomingRequest.get(URL));
            response(invocation);

            CompletableFuture<Void> fromTestThread = new CompletableFuture<>();
            saved.get().waitUntil(fromTestThread);
            keepAlive.complete(null);
            assertThat(invocation.finished().toCompletableFuture()).isNotDone();
            fromTestThread.complete(null);

            InvocationRecord record = record(invocation);
            assertThat(record.tasks()).hasSize(2);
            assertThat(record.tasks().get(1).registeredDuring()).isEqualTo("drain");
            assertThat(record.tasks()).extracting(TaskRecord::result).containsOnly(TaskResult.RESOLVED);
            assertThat(record.logsAt(LogLevel.WARN)).filteredOn(l -> l.message().contains("not from the event loop (CTX-8)")).hasSize(1);
            // keepAlive was completed by the test thread after the loop registered it: that settlement is flagged too.
            // (fromTestThread may complete before the loop registers it, and then settles on the loop.)
            assertThat(record.logsAt(LogLevel.WARN)).filteredOn(l -> l.message().contains("task#0 settled on thread 'main', outside the event loop")).hasSize(1);
        }

        @Test
        void lim5_lim6_neverSettlingTaskIsCancelledAtTheLimitWithOneWarning() throws Exception {
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(new CompletableFuture<Void>());
                return Response.text("ok");
            })).limit(Limit.of(Duration.ofMillis(100))));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            InvocationRecord record = record(invocation);
            assertThat(record.finishReason()).isEqualTo(FinishReason.LIMIT);
            assertThat(record.tasks()).singleElement().extracting(TaskRecord::result).isEqualTo(TaskResult.CANCELLED);
            assertThat(record.logsAt(LogLevel.WARN)).extracting(LogLine::message).containsExactly(InvocationImpl.LIMIT_WARNING);
            assertThat(Duration.between(record.invocationEndAt(), record.finishedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(100));
            assertThat(record.outcome()).isEqualTo(Outcome.OK);
            assertThat(record.exceptions()).isEmpty();
        }
    }

    @Nested
    class HandlerErrors {

        @Test
        void err9_handlerThrowWithoutPassThroughGives500WithConnectionClose() throws Exception {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                throw new IllegalStateException("boom");
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            ClientResponse response = response(invocation);
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.bodyText()).isEqualTo("Internal Server Error").isEqualTo(InvocationImpl.ERROR_BODY);
            assertThat(response.headers().get("connection")).isEqualTo("close");
            assertThat(response.headers().get("content-length")).isEqualTo("21");
            InvocationRecord record = record(invocation);
            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.status()).isEmpty(); // ERR-7
            assertThat(record.exceptions()).singleElement().satisfies(e -> {
                assertThat(e.source()).isEqualTo(LoggedException.IN_RESPONSE);
                assertThat(e.message()).isEqualTo("boom");
            });
            assertThat(record.failOpen()).isEmpty();
        }

        @Test
        void err9_asynchronousHandlerFailureGivesTheSame500() throws Exception {
            WorkerInstance instance = start(Worker.fetch((request, env, ctx) ->
                    CompletableFuture.failedFuture(new IllegalArgumentException("async boom"))));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            ClientResponse response = response(invocation);
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.bodyText()).isEqualTo("Internal Server Error");
            assertThat(response.headers().get("connection")).isEqualTo("close");
            assertThat(record(invocation).exceptions()).extracting(LoggedException::name)
                    .containsExactly("java.lang.IllegalArgumentException");
        }

        @Test
        void returningAResponseWhoseBodyIsUsedIsAHandlerException() throws Exception {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                Response response = Response.text("used");
                response.body().reader();
                return response;
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            assertThat(response(invocation).status()).isEqualTo(500);
            assertThat(record(invocation).exceptions()).extracting(LoggedException::message).containsExactly(Body.ALREADY_USED);
        }

        @Test
        void wu12_taskRunsOnAfterAHandlerException() throws Exception {
            CompletableFuture<Void> task = new CompletableFuture<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(task);
                throw new IllegalStateException("boom");
            }));
            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            assertThat(response(invocation).status()).isEqualTo(500);
            assertThat(invocation.finished().toCompletableFuture()).isNotDone();
            task.complete(null);

            assertThat(record(invocation).tasks()).extracting(TaskRecord::result).containsExactly(TaskResult.RESOLVED);
        }

        @Test
        void abt1_abt2_abt5_abortEndsTheInvocationCancelsTasksAndCountsAsException() throws Exception {
            AtomicReference<String> afterAbort = new AtomicReference<>("not reached");
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(new CompletableFuture<Void>());
                ctx.abort("stop now");
                afterAbort.set("reached");
                return Response.text("never");
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            ClientResponse response = response(invocation);
            InvocationRecord record = record(invocation);
            assertThat(afterAbort).hasValue("not reached");
            assertThat(response.status()).isEqualTo(500);
            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.finishReason()).isEqualTo(FinishReason.ABORTED);
            assertThat(record.tasks()).extracting(TaskRecord::result).containsExactly(TaskResult.CANCELLED);
            assertThat(record.exceptions()).extracting(LoggedException::message).containsExactly("stop now");
        }

        @Test
        void pt4_streamErrorAfterTheHeadersTruncatesWithoutFailOpen() throws Exception {
            ByteSource brokenAfterFirstChunk = new ByteSource() {
                private int reads;

                @Override
                public synchronized CompletionStage<byte[]> read(int maxBytes) {
                    return reads++ == 0
                            ? CompletableFuture.completedFuture("first".getBytes(UTF_8))
                            : CompletableFuture.failedFuture(new IllegalStateException("stream broke"));
                }

                @Override
                public long length() {
                    return -1;
                }
            };
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.passThroughOnException();
                return Response.stream(200, brokenAfterFirstChunk);
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            ClientResponse response = response(invocation);
            InvocationRecord record = record(invocation);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.truncated()).isTrue();
            assertThat(response.bodyText()).isEqualTo("first");
            assertThat(record.failOpen()).isEmpty();
            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.exceptions()).extracting(LoggedException::message).containsExactly("stream broke");
        }
    }

    @Nested
    class HangDetection {
        private static final String HANG_LOG = "hang detection (ERR-3)";

        @Test
        void err3_aHandlerStageThatCanNeverSettleGetsTheErr9Response_andTheHangError() throws Exception {
            WorkerInstance instance = start(Worker.fetch((request, env, ctx) -> new CompletableFuture<>()));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL + "hang"));

            ClientResponse response = response(invocation);
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.bodyText()).isEqualTo(InvocationImpl.ERROR_BODY);
            assertThat(response.headers().get("connection")).isEqualTo("close");
            InvocationRecord record = record(invocation);
            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.status()).isEmpty();
            assertThat(record.exceptions()).extracting(LoggedException::source, LoggedException::message)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(LoggedException.IN_RESPONSE, InvocationHungException.MESSAGE));
            assertThat(record.logsAt(LogLevel.WARN)).extracting(LogLine::message).anySatisfy(m -> assertThat(m).contains(HANG_LOG, "hangDetection(false)"));
            assertThat(record.finishReason()).isEqualTo(FinishReason.ABORTED);
        }

        @Test
        void err3_aPendingTimerIsNotAHang_theHangIsDetectedOnceItHasFired() throws Exception {
            WorkerInstance instance = start(Worker.fetch((request, env, ctx) -> {
                ctx.waitUntil(env.timers().sleep(Duration.ofMillis(150)));
                return env.timers().sleep(Duration.ofMillis(50)).thenCompose(v -> new CompletableFuture<Response>());
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL + "hang-later"));

            assertThat(response(invocation).status()).isEqualTo(500);
            InvocationRecord record = record(invocation);
            assertThat(Duration.between(record.startedAt(), record.invocationEndAt()))
                    .as("detected only after the task's timer, the last pending work, fired").isGreaterThanOrEqualTo(Duration.ofMillis(150));
            assertThat(record.tasks()).extracting(TaskRecord::result).containsExactly(TaskResult.RESOLVED);
        }

        @Test
        void err3_tasksThatCanNeverSettleEitherAreCancelledWithTheHungHandler() throws Exception {
            WorkerInstance instance = start(Worker.fetch((request, env, ctx) -> {
                ctx.waitUntil(new CompletableFuture<Void>());
                return new CompletableFuture<>();
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL + "hang-all"));

            InvocationRecord record = record(invocation);
            assertThat(record.tasks()).extracting(TaskRecord::result).containsExactly(TaskResult.CANCELLED);
            assertThat(record.finishReason()).isEqualTo(FinishReason.ABORTED);
        }

        @Test
        void err3_pt3_withPassThroughAHangFailsOpen() throws Exception {
            MockWebServer origin = origin();
            origin.enqueue(new MockResponse.Builder().code(299).body("from origin").build());
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetch((request, env, ctx) -> {
                ctx.passThroughOnException();
                return new CompletableFuture<>();
            })).origin(origin.url("/").toString()));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL + "hang-pt"));

            ClientResponse response = response(invocation);
            assertThat(response.status()).isEqualTo(299);
            assertThat(response.bodyText()).isEqualTo("from origin");
            assertThat(origin.takeRequest(WAIT_SECONDS, SECONDS)).as("request at the origin").isNotNull();
            assertThat(record(invocation).exceptions()).extracting(LoggedException::message).containsExactly(InvocationHungException.MESSAGE);
        }

        @Test
        void err3_anEnvFetchAfterItsInstanceWasClosedLeavesNoOperationInFlight_soASharedLoopStillGoesIdle() throws Exception {
            try (RealTimeEventLoop shared = new RealTimeEventLoop()) {
                CompletableFuture<Void> fetching = new CompletableFuture<>();
                WorkerInstance first = WorkerInstance.builder(Worker.fetch((request, env, ctx) -> env.timers().sleep(Duration.ofMillis(50))
                        .thenCompose(v -> {
                            fetching.complete(null);
                            return env.fetch(Request.get("http://127.0.0.1:9/after-close"));
                        }))).eventLoop(shared).build();
                first.fetch(IncomingRequest.get(URL + "closing"));
                first.close(); // the invocation is abandoned; its timer still fires on the loop it does not own
                await(fetching);

                CompletableFuture<Void> idle = new CompletableFuture<>();
                shared.whenIdle(() -> idle.complete(null)).orElseThrow();
                assertThat(idle).as("the shared loop goes idle: the failed fetch left nothing in flight")
                        .succeedsWithin(Duration.ofSeconds(WAIT_SECONDS));
            }
        }

        @Test
        void pt8_anOriginAnswerTheBlockedLoopDidNotTakeInTimeGetsTheBare500_andLeavesNothingInFlight() throws Exception {
            MockWebServer origin = origin();
            origin.enqueue(new MockResponse.Builder().code(299).body("from origin").headersDelay(300, java.util.concurrent.TimeUnit.MILLISECONDS).build());
            java.util.concurrent.CountDownLatch unblock = new java.util.concurrent.CountDownLatch(1);
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetch((request, env, ctx) -> {
                if (request.url().endsWith("/block")) {
                    unblock.await(WAIT_SECONDS, SECONDS); // blocks the loop, against CTX-8's advice
                    return CompletableFuture.completedFuture(Response.text("unblocked"));
                }
                if (request.url().endsWith("/hang")) {
                    return new CompletableFuture<>();
                }
                ctx.passThroughOnException();
                throw new IllegalStateException("fail open");
            })).origin(origin.url("/").toString()).invocationFactory((config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected dev.ctxtestkit.runtime.internal.FailOpenForwarder newFailOpenForwarder() {
                    return new dev.ctxtestkit.runtime.internal.FailOpenForwarder(config) {
                        @Override
                        protected Duration loopWait() {
                            return Duration.ofMillis(100);
                        }
                    };
                }
            }));

            Invocation failing = instance.fetch(IncomingRequest.get(URL + "fail"));
            assertThat(origin.takeRequest(WAIT_SECONDS, SECONDS)).as("the fail-open request at the origin").isNotNull();
            Invocation blocking = instance.fetch(IncomingRequest.get(URL + "block"));
            // The origin answers 300 ms after the request; the relay gives the blocked loop 100 ms to take it.
            org.awaitility.Awaitility.await("the relay to give up on the blocked loop").atMost(Duration.ofSeconds(WAIT_SECONDS))
                    .during(Duration.ofMillis(600)).until(() -> !failing.response().toCompletableFuture().isDone());
            unblock.countDown();

            ClientResponse answer = response(failing);
            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.bodyText()).isEmpty();
            assertThat(record(failing).failOpen()).get().extracting(FailOpenRecord::failure).asString()
                    .contains("the event loop did not take the origin's response within");
            assertThat(response(blocking).bodyText()).isEqualTo("unblocked");
            assertThat(response(instance.fetch(IncomingRequest.get(URL + "hang"))).status())
                    .as("a hang is still detected: the given-up relay left nothing in flight").isEqualTo(500);
        }

        @Test
        void withHangDetectionOff_aStageCompletedByAnotherThreadLaterStillResponds() throws Exception {
            CompletableFuture<Response> fromElsewhere = new CompletableFuture<>();
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetch((request, env, ctx) -> request.url().endsWith("/elsewhere")
                    ? fromElsewhere : CompletableFuture.completedFuture(Response.text("other")))).hangDetection(false));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL + "elsewhere"));
            // Give the loop a turn to go idle: a response now would mean it was ended as hung.
            CompletableFuture<Void> turn = new CompletableFuture<>();
            instance.fetch(IncomingRequest.get(URL + "other")).finished().whenComplete((r, e) -> turn.complete(null));
            await(turn);
            assertThat(invocation.response().toCompletableFuture()).isNotDone();
            fromElsewhere.complete(Response.text("late but fine"));

            assertThat(response(invocation).bodyText()).isEqualTo("late but fine");
            assertThat(record(invocation).outcome()).isEqualTo(Outcome.OK);
        }
    }

    @Nested
    class FailOpen {

        @Test
        void pt5_pt7_forwardsMethodPathQueryHostAndOnlyTheUnreadRemainder() throws Exception {
            MockWebServer origin = origin();
            origin.enqueue(new MockResponse.Builder().code(299).addHeader("x-origin", "yes").body("from origin").build());
            AtomicReference<byte[]> readByHandler = new AtomicReference<>();
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetch((request, env, ctx) -> {
                ctx.passThroughOnException();
                return request.body().reader().read(4).<Response>thenApply(chunk -> {
                    readByHandler.set(chunk);
                    throw new IllegalStateException("after partial read");
                });
            })).origin(origin.url("/").toString()));
            IncomingRequest request = IncomingRequest.of("POST", "http://worker.test/some/path?q=1&x=y",
                    "0123456789abcdef".getBytes(UTF_8)).withHeader("X-Custom", "kept");

            Invocation invocation = instance.fetch(request);

            ClientResponse response = response(invocation);
            RecordedRequest forwarded = origin.takeRequest(WAIT_SECONDS, SECONDS);
            assertThat(forwarded).as("request at the origin").isNotNull();
            assertThat(new String(readByHandler.get(), UTF_8)).isEqualTo("0123");
            assertThat(forwarded.getMethod()).isEqualTo("POST");
            assertThat(forwarded.getTarget()).isEqualTo("/some/path?q=1&x=y");
            assertThat(forwarded.getHeaders().get("Host")).isEqualTo("worker.test");
            assertThat(forwarded.getHeaders().get("X-Custom")).isEqualTo("kept");
            assertThat(forwarded.getHeaders().get("User-Agent")).as("no header added (PT-5)").isNull();
            assertThat(forwarded.getHeaders().get("Content-Length")).isEqualTo("12");
            assertThat(forwarded.getBody().utf8()).isEqualTo("456789abcdef");
            // PT-6: relayed verbatim.
            assertThat(response.status()).isEqualTo(299);
            assertThat(response.headers().get("x-origin")).isEqualTo("yes");
            assertThat(response.bodyText()).isEqualTo("from origin");
            // PT-9: still a failure, no status.
            InvocationRecord record = record(invocation);
            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.status()).isEmpty();
            assertThat(record.exceptions()).extracting(LoggedException::message).containsExactly("after partial read");
            assertThat(record.failOpen()).hasValueSatisfying(f -> {
                assertThat(f.succeeded()).isTrue();
                assertThat(f.originStatus()).hasValue(299);
                assertThat(f.forwardedBytes()).isEqualTo(12);
            });
        }

        @Test
        void pt7_untouchedBodyIsForwardedWhole() throws Exception {
            MockWebServer origin = origin();
            origin.enqueue(new MockResponse.Builder().code(200).body("origin").build());
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
                ctx.passThroughOnException();
                throw new IllegalStateException("before reading");
            })).origin(origin.url("/").toString()));

            Invocation invocation = instance.fetch(IncomingRequest.post("http://worker.test/upload", "whole body"));

            assertThat(response(invocation).bodyText()).isEqualTo("origin");
            RecordedRequest forwarded = origin.takeRequest(WAIT_SECONDS, SECONDS);
            assertThat(forwarded).isNotNull();
            assertThat(forwarded.getBody().utf8()).isEqualTo("whole body");
            assertThat(forwarded.getHeaders().get("Content-Length")).isEqualTo("10");
            assertThat(record(invocation).failOpen()).hasValueSatisfying(f -> assertThat(f.forwardedBytes()).isEqualTo(10));
        }

        @Test
        void pt5_explicitHostHeaderIsForwardedAndAGetCarriesNoBody() throws Exception {
            MockWebServer origin = origin();
            origin.enqueue(new MockResponse.Builder().code(200).body("origin").build());
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
                ctx.passThroughOnException();
                ctx.passThroughOnException(); // PT-1: repeated calls change nothing
                throw new IllegalStateException("boom");
            })).origin(origin.url("/").toString()));

            Invocation invocation = instance.fetch(IncomingRequest.get("http://worker.test/page").withHeader("Host", "public.example:8443"));

            assertThat(response(invocation).status()).isEqualTo(200);
            RecordedRequest forwarded = origin.takeRequest(WAIT_SECONDS, SECONDS);
            assertThat(forwarded).isNotNull();
            assertThat(forwarded.getMethod()).isEqualTo("GET");
            assertThat(forwarded.getTarget()).isEqualTo("/page");
            assertThat(forwarded.getHeaders().get("Host")).isEqualTo("public.example:8443");
            assertThat(forwarded.getBodySize()).isZero();
            assertThat(record(invocation).failOpen()).hasValueSatisfying(f -> assertThat(f.forwardedBytes()).isZero());
        }

        @Test
        void pt12_noOriginConfiguredGives500WithEmptyBodyAndAnErrorLogNamingTheCause() throws Exception {
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.passThroughOnException();
                throw new IllegalStateException("boom");
            }));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            ClientResponse response = response(invocation);
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.body()).isEmpty();
            assertThat(response.headers().get("content-length")).isEqualTo("0");
            assertThat(response.headers().has("connection")).isFalse();
            InvocationRecord record = record(invocation);
            assertThat(record.logsAt(LogLevel.ERROR)).singleElement().satisfies(l -> assertThat(l.message())
                    .contains("no origin is configured")
                    .contains("invocation #1"));
            assertThat(record.failOpen()).hasValueSatisfying(f -> {
                assertThat(f.origin()).isNull();
                assertThat(f.succeeded()).isFalse();
            });
            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.status()).isEmpty();
        }

        @Test
        void pt8_originOnAClosedPortGives500WithEmptyBody() throws Exception {
            int port = closedPort();
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
                ctx.passThroughOnException();
                throw new IllegalStateException("boom");
            })).origin("http://127.0.0.1:" + port));

            Invocation invocation = instance.fetch(IncomingRequest.get(URL));

            ClientResponse response = response(invocation);
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.body()).isEmpty();
            assertThat(response.headers().get("content-length")).isEqualTo("0");
            InvocationRecord record = record(invocation);
            assertThat(record.failOpen()).hasValueSatisfying(f -> {
                assertThat(f.succeeded()).isFalse();
                assertThat(f.originStatus()).isEmpty();
            });
            assertThat(record.logsAt(LogLevel.ERROR)).singleElement().satisfies(l -> assertThat(l.message())
                    .contains("127.0.0.1:" + port)
                    .contains("failed"));
        }

        @Test
        void pt2_flagHasNoEffectOnAScheduledHandler() throws Exception {
            MockWebServer origin = origin();
            WorkerInstance instance = start(WorkerInstance.builder(Worker.scheduled((event, env, ctx) -> {
                ctx.passThroughOnException();
                throw new IllegalStateException("cron boom");
            })).origin(origin.url("/").toString()));

            InvocationRecord record = record(instance.scheduled(new ScheduledEvent(Instant.parse("2026-01-01T00:00:00Z"), "* * * * *")));

            assertThat(record.failOpen()).isEmpty();
            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(origin.getRequestCount()).isZero();
        }
    }

    @Nested
    class BoundContext {

        @Test
        void ctx7_contextOfAFinishedInvocationThrowsNamingTheInvocation() throws Exception {
            AtomicReference<Context> saved = new AtomicReference<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                if (saved.get() == null) {
                    saved.set(ctx);
                }
                return Response.text("ok");
            }));
            record(instance.fetch(IncomingRequest.get(URL + "first"), Map.of("k", "v")));
            Context stale = saved.get();

            assertThatThrownBy(() -> stale.waitUntil(CompletableFuture.completedFuture(null)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ctx.waitUntil()")
                    .hasMessageContaining("invocation #1 (fetch GET http://worker.test/first)")
                    .hasMessageContaining("drained");
            assertThatThrownBy(stale::passThroughOnException)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("invocation #1");
            assertThatThrownBy(() -> stale.abort("late"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("invocation #1");
            assertThat(stale.props()).containsEntry("k", "v");

            // Nothing else changed: the next invocation is untouched.
            InvocationRecord next = record(instance.fetch(IncomingRequest.get(URL + "second")));
            assertThat(next.tasks()).isEmpty();
            assertThat(next.outcome()).isEqualTo(Outcome.OK);
        }

        @Test
        void ctx7_contextCancelledAtTheLimitNamesThatState() throws Exception {
            AtomicReference<Context> saved = new AtomicReference<>();
            WorkerInstance instance = start(WorkerInstance.builder(Worker.fetchSync((request, env, ctx) -> {
                saved.set(ctx);
                ctx.waitUntil(new CompletableFuture<Void>());
                return Response.text("ok");
            })).limit(Limit.of(Duration.ofMillis(50))));

            record(instance.fetch(IncomingRequest.get(URL)));

            assertThatThrownBy(() -> saved.get().waitUntil(null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelled at the limit");
        }

        @Test
        void body4_readingTheRequestBodyInATaskAfterTheResponseFails() throws Exception {
            CompletableFuture<Void> gate = new CompletableFuture<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(gate.thenComposeAsync(ignored -> request.text(), env.executor()));
                return Response.text("answered without reading");
            }));
            Invocation invocation = instance.fetch(IncomingRequest.post(URL, "unread body"));
            assertThat(response(invocation).status()).isEqualTo(200);

            gate.complete(null);

            InvocationRecord record = record(invocation);
            assertThat(record.tasks()).singleElement().satisfies(t -> {
                assertThat(t.result()).isEqualTo(TaskResult.REJECTED);
                assertThat(t.failureCause()).get(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("Can't read from request stream after response has been sent.");
            });
            assertThat(record.exceptions()).singleElement().satisfies(e -> {
                assertThat(e.source()).isEqualTo(LoggedException.ASYNC);
                assertThat(e.message()).isEqualTo("Can't read from request stream after response has been sent.");
            });
            assertThat(record.outcome()).isEqualTo(Outcome.OK);
        }

        @Test
        void body4_readingTheRequestBodyInATaskAfterAHandlerExceptionFails() throws Exception {
            CompletableFuture<Void> gate = new CompletableFuture<>();
            WorkerInstance instance = start(Worker.fetchSync((request, env, ctx) -> {
                ctx.waitUntil(gate.thenComposeAsync(ignored -> request.text(), env.executor()));
                throw new IllegalStateException("boom");
            }));
            Invocation invocation = instance.fetch(IncomingRequest.post(URL, "unread body"));
            assertThat(response(invocation).status()).isEqualTo(500);

            gate.complete(null);

            assertThat(record(invocation).tasks()).singleElement().satisfies(t ->
                    assertThat(t.failureCause()).get(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
                            .hasMessage("Can't read from request stream after responding with an exception."));
        }
    }

    @Nested
    class Scheduled {
        private final ScheduledEvent event = new ScheduledEvent(Instant.parse("2026-01-01T00:05:00Z"), "*/5 * * * *");

        @Test
        void evt1_scheduledHandlerWhoseTaskRejectsHasOutcomeException() throws Exception {
            WorkerInstance instance = start(Worker.scheduled((e, env, ctx) -> {
                ctx.waitUntil(CompletableFuture.failedFuture(new IllegalStateException("cron task failed")));
                return CompletableFuture.completedFuture(null);
            }));

            Invocation invocation = instance.scheduled(event);

            InvocationRecord record = record(invocation);
            assertThat(record.event()).isEqualTo(EventKind.SCHEDULED);
            assertThat(record.label()).isEqualTo("scheduled */5 * * * *");
            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.exceptions()).singleElement().satisfies(e -> {
                assertThat(e.source()).isEqualTo(LoggedException.ASYNC);
                assertThat(e.message()).isEqualTo("cron task failed");
            });
            assertThat(record.status()).isEmpty();
        }

        @Test
        void evt1_scheduledHandlersOwnStageRunsAsATask() throws Exception {
            WorkerInstance instance = start(Worker.scheduled((e, env, ctx) ->
                    CompletableFuture.failedFuture(new IllegalStateException("stage failed"))));

            InvocationRecord record = record(instance.scheduled(event));

            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.tasks()).singleElement().extracting(TaskRecord::result).isEqualTo(TaskResult.REJECTED);
            assertThat(record.exceptions()).extracting(LoggedException::source).containsExactly(LoggedException.ASYNC);
        }

        @Test
        void evt1_scheduledHandlerWhoseTasksResolveIsOk() throws Exception {
            WorkerInstance instance = start(Worker.scheduled((e, env, ctx) -> {
                ctx.waitUntil(CompletableFuture.completedFuture("done"));
                return null;
            }));

            InvocationRecord record = record(instance.scheduled(event));

            assertThat(record.outcome()).isEqualTo(Outcome.OK);
            assertThat(record.tasks()).hasSize(2).extracting(TaskRecord::result).containsOnly(TaskResult.RESOLVED);
        }

        @Test
        void scheduledInvocationHasNoInProcessResponse() {
            WorkerInstance instance = start(Worker.scheduled((e, env, ctx) -> null));

            Invocation invocation = instance.scheduled(event);

            assertThatThrownBy(() -> response(invocation))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("no in-process response");
        }
    }

    @Nested
    class Entrypoints {

        /** A class-form worker that remembers the ctx it was given. */
        static final class Probe extends WorkerEntrypoint {
            private final List<Context> seen;

            Probe(List<Context> seen) {
                this.seen = seen;
            }

            @Override
            public CompletionStage<Response> fetch(Request request) {
                seen.add(ctx());
                assertThat(env()).isNotNull();
                return CompletableFuture.completedFuture(Response.text("probe"));
            }
        }

        @Test
        void evt5_ctx1_entrypointClassGetsAFreshCtxPerInvocation() throws Exception {
            List<Context> seen = new ArrayList<>();
            WorkerInstance instance = start(Worker.entrypoint(() -> new Probe(seen)));

            Invocation first = instance.fetch(IncomingRequest.get(URL + "1"));
            Invocation second = instance.fetch(IncomingRequest.get(URL + "2"));

            assertThat(response(first).bodyText()).isEqualTo("probe");
            assertThat(response(second).bodyText()).isEqualTo("probe");
            record(first);
            record(second);
            assertThat(seen).hasSize(2).doesNotContainNull();
            assertThat(seen.get(0)).isNotSameAs(seen.get(1));
            assertThat(seen.get(0).toString()).contains("invocation #1");
            assertThat(seen.get(1).toString()).contains("invocation #2");
        }

        @Test
        void evt5_factoryReturningTheSameInstanceTwiceFailsTheSecondInvocation() throws Exception {
            Probe shared = new Probe(new ArrayList<>());
            WorkerInstance instance = start(Worker.entrypoint(() -> shared));

            assertThat(response(instance.fetch(IncomingRequest.get(URL))).status()).isEqualTo(200);
            Invocation second = instance.fetch(IncomingRequest.get(URL));

            assertThat(response(second).status()).isEqualTo(500);
            assertThat(record(second).exceptions()).extracting(LoggedException::message)
                    .singleElement().asString().contains("exactly one invocation");
        }

        @Test
        void evt5_entrypointWithoutScheduledFailsTheScheduledEvent() throws Exception {
            WorkerInstance instance = start(Worker.entrypoint(() -> new Probe(new ArrayList<>())));

            InvocationRecord record = record(instance.scheduled(new ScheduledEvent(Instant.EPOCH, "@daily")));

            assertThat(record.outcome()).isEqualTo(Outcome.EXCEPTION);
            assertThat(record.exceptions()).extracting(LoggedException::name)
                    .containsExactly("java.lang.UnsupportedOperationException");
        }
    }
}
