package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.Body;
import dev.ctxtestkit.runtime.BodyReader;
import dev.ctxtestkit.runtime.BufferingResponseSink;
import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.EventKind;
import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.FailOpenRecord;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationAbortedException;
import dev.ctxtestkit.runtime.InvocationHungException;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LogLine;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.ResponseSink;
import dev.ctxtestkit.runtime.ScheduledEvent;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import dev.ctxtestkit.runtime.Worker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The lifecycle of one invocation: handler stage, invocation end (LIM-1), drain (WU-11), limit (LIM-4, LIM-9) or
 * abort (ABT-2), and the record (ERR-10). Every method runs on the worker's event loop unless it says otherwise.
 *
 * <p>Internal, no compatibility promise. It is not final so that the conformance suite's mutants can override one
 * decision at a time and show that each rule catches the resulting bug.
 */
public class InvocationImpl implements Invocation {
    /** The WARN text of LIM-6 (current workerd text, in full). */
    public static final String LIMIT_WARNING = "waitUntil() tasks did not complete within the allowed time after invocation end "
            + "and have been cancelled. See: https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil";
    /** The body of the ERR-9 response. */
    public static final String ERROR_BODY = "Internal Server Error";
    static final String DETACHED_AFTER_RESPONSE = "Can't read from request stream after response has been sent.";
    static final String DETACHED_AFTER_EXCEPTION = "Can't read from request stream after responding with an exception.";

    /** Where the invocation is in its lifecycle. */
    protected enum Phase { CREATED, HANDLER, DRAINING, FINISHED }

    protected final RuntimeConfig config;
    protected final EventLoop loop;
    protected final long id;
    protected final EventKind event;
    protected final Worker worker;
    protected final Map<String, Object> props;
    protected final IncomingRequest incoming;
    protected final ScheduledEvent scheduledEvent;
    protected final ResponseSink sink;
    protected final BufferingResponseSink bufferingSink;
    protected final InvocationExecutor executor;
    protected final CompletableFuture<InvocationRecord> finished = new CompletableFuture<>();

    protected Phase phase = Phase.CREATED;
    protected volatile boolean drainEnded;
    protected volatile boolean failOpenFlag;
    protected boolean handlerStageOver;
    protected boolean headersSent;
    protected boolean responseDone;
    protected boolean aborted;
    protected RequestBodyTracker requestBody;
    protected Context context;
    protected EnvImpl env;

    protected final List<TaskState> tasks = new ArrayList<>();
    protected int pendingTasks;
    protected boolean firstTaskFailureSeen;
    protected final List<LoggedException> exceptions = new ArrayList<>();
    protected final List<LogLine> logs = new ArrayList<>();
    /** Guards what other threads touch: the end of the drain, reservations of off-loop registrations, the timers. */
    private final Object lock = new Object();
    private int reservedRegistrations;
    protected final Set<EventLoop.Cancellable> timers = new HashSet<>();
    protected EventLoop.Cancellable limitTimer;
    /** The idle listener that detects a hung handler stage (ERR-3), while one is registered. */
    protected EventLoop.Cancellable hangWatch;
    /** What a write to the client is called while in flight; made once, not per chunk. */
    private String clientWriteDescription;
    protected Outcome outcome = Outcome.OK;
    protected Integer status;
    protected FailOpenRecord failOpen;
    protected Instant startedAt;
    protected Instant invocationEndAt;
    protected Instant finishedAt;
    protected FinishReason finishReason;

    /** What the runtime knows about one task; mutable only on the event loop. */
    protected static final class TaskState {
        public final int index;
        public final Instant registeredAt;
        public final String during;
        public final boolean suspicious;
        public final List<StackTraceElement> site;
        public Instant settledAt;
        public TaskResult result;
        public Throwable failure;

        TaskState(int index, Instant registeredAt, String during, boolean suspicious, List<StackTraceElement> site) {
            this.index = index;
            this.registeredAt = registeredAt;
            this.during = during;
            this.suspicious = suspicious;
            this.site = site;
        }

        TaskRecord toRecord() {
            return new TaskRecord(index, registeredAt, during, settledAt, result, failure, suspicious, site);
        }
    }

    /** The request-or-event an invocation delivers. */
    public record Spec(EventKind event, Worker worker, Map<String, Object> props, IncomingRequest request,
                       ScheduledEvent scheduledEvent, ResponseSink sink) {
    }

    public InvocationImpl(RuntimeConfig config, long id, Spec spec) {
        this.config = config;
        this.loop = config.loop();
        this.id = id;
        this.event = spec.event();
        this.worker = spec.worker();
        this.props = spec.props() == null ? Map.of() : Map.copyOf(spec.props());
        this.incoming = spec.request();
        this.scheduledEvent = spec.scheduledEvent();
        if (spec.sink() == null && event == EventKind.FETCH) {
            this.bufferingSink = new BufferingResponseSink(loop.clock());
            this.sink = bufferingSink;
        } else {
            this.bufferingSink = null;
            this.sink = spec.sink();
        }
        this.executor = new InvocationExecutor(loop);
    }

    // ---------------------------------------------------------------- public handle

    @Override
    public long id() {
        return id;
    }

    @Override
    public String label() {
        return event == EventKind.FETCH
                ? "fetch " + incoming.method() + " " + incoming.url()
                : "scheduled " + scheduledEvent.cron();
    }

    @Override
    public CompletionStage<ClientResponse> response() {
        if (bufferingSink == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "invocation #" + id + " (" + label() + ") has no in-process response: it is a scheduled event or was dispatched to a custom ResponseSink"));
        }
        return bufferingSink.completion();
    }

    @Override
    public CompletionStage<InvocationRecord> finished() {
        return finished;
    }

    @Override
    public boolean isFinished() {
        return drainEnded;
    }

    @Override
    public List<TaskRecord> pendingTasks() {
        synchronized (tasks) {
            return tasks.stream().filter(t -> t.result == null).map(TaskState::toRecord).toList();
        }
    }

    /**
     * The worker instance closed while this invocation was still running: its record will never come, so
     * {@link #finished()} fails with a message that names what was pending. Safe from any thread.
     */
    public void abandon(String why) {
        if (!finished.isDone()) {
            finished.completeExceptionally(new IllegalStateException(why + ": " + describe() + " had not finished; pending tasks: "
                    + pendingTasks().stream().map(t -> "task#" + t.index() + " registered at " + t.registeredAtSite()).toList()));
        }
    }

    /**
     * The client went away (ERR-8): safe from any thread, idempotent. Before the response is complete this is an
     * invocation end (LIM-1, case 3) with outcome {@code canceled} (ERR-6); the tasks go on under the limit. The sink
     * is failed, so that the transport can end the exchange (nothing more will be written to it).
     */
    public void clientDisconnected(Throwable cause) {
        onLoop(() -> {
            if (responseDone || event != EventKind.FETCH) {
                return;
            }
            log(LogLevel.WARN, "the client disconnected before the response was complete: " + FailOpenForwarder.describe(cause));
            boolean beforeResponse = !handlerStageOver || !headersSent;
            handlerStageOver = true;
            responseDone = true;
            if (beforeResponse || outcome == Outcome.OK) {
                outcome = Outcome.CANCELED;
            }
            status = null;
            sink.fail(cause);
            requestBody.detach("Can't read from request stream because client disconnected.");
            invocationEnd();
            finishIfDone();
        });
    }

    /**
     * The server is shutting down and the grace period is over: cancel what is still pending, as at the limit, and
     * end the drain. Safe from any thread; no effect on a finished invocation.
     */
    public void cancelForShutdown() {
        onLoop(() -> {
            if (drainEnded) {
                return;
            }
            cancelPendingTasks();
            log(LogLevel.WARN, "the server shut down before these waitUntil() tasks completed; they have been cancelled");
            if (!responseDone) {
                // Cut off before the response was complete, like a cancelled request (LIM-1 case 3, ERR-6); a handler
                // stage that settles later changes nothing.
                handlerStageOver = true;
                responseDone = true;
                if (outcome == Outcome.OK) {
                    outcome = Outcome.CANCELED;
                }
                status = null;
                sink.fail(new IllegalStateException("the server shut down"));
            }
            if (invocationEndAt == null) {
                // Not invocationEnd(): with nothing pending it would end the drain as DRAINED before the response is
                // marked done, and the record would never be built. The drain ends right below instead.
                invocationEndAt = now();
                phase = Phase.DRAINING;
                if (requestBody != null) {
                    requestBody.detach("Can't read from request stream because the server shut down.");
                }
            }
            endDrain(FinishReason.SHUTDOWN);
        });
    }

    /** Starts the invocation on the loop. Called once by the worker instance. */
    public void start() {
        loop.execute(this::run);
    }

    // ---------------------------------------------------------------- helpers for Context and Env (any thread)

    String describe() {
        return "invocation #" + id + " (" + label() + ")";
    }

    Map<String, Object> props() {
        return props;
    }

    Executor executor() {
        return executor;
    }

    Instant now() {
        return loop.clock().instant();
    }

    /** CTX-7: a finished invocation's context refuses every call, changing nothing. */
    void checkUsable(String method) {
        if (drainEnded) {
            throw new IllegalStateException("ctx." + method + "() called on the Context of " + describe()
                    + ", which has finished (" + finishedState() + "); a Context is bound to its own invocation (CTX-7)");
        }
    }

    private String finishedState() {
        FinishReason reason = finishReason;
        if (reason == null) {
            return "finished";
        }
        return switch (reason) {
            case DRAINED -> "drained";
            case LIMIT -> "cancelled at the limit";
            case ABORTED -> "aborted";
            case SHUTDOWN -> "cancelled at shutdown";
        };
    }

    /** Runs {@code action} now if on the loop, else queues it there. */
    void onLoop(Runnable action) {
        if (loop.inEventLoop()) {
            action.run();
        } else {
            loop.execute(action);
        }
    }

    /** Delivers the completion of external work as part of this invocation, dropping it once finished (LIM-7). */
    void deliverExternal(Runnable completion) {
        if (drainEnded) {
            executor.countRefused();
        } else {
            completion.run();
        }
    }

    void setFailOpenFlag() {
        failOpenFlag = true;
    }

    /**
     * {@code ctx.waitUntil} from any thread. On the loop it registers at once. From another thread it reserves a
     * place synchronously, so that the drain cannot end before the task is registered on the loop (WU-11), or throws
     * if the invocation has already finished (CTX-7).
     */
    void waitUntilFromContext(CompletionStage<?> task) {
        checkUsable("waitUntil");
        List<StackTraceElement> site = config.captureSites() ? callerSite() : List.of();
        if (loop.inEventLoop()) {
            registerTask(task, site);
            return;
        }
        synchronized (lock) {
            if (drainEnded) {
                checkUsable("waitUntil");
            }
            reservedRegistrations++;
        }
        String thread = Thread.currentThread().getName();
        loop.execute(() -> {
            synchronized (lock) {
                reservedRegistrations--;
            }
            if (drainEnded) {
                return; // cancelled at the limit or aborted meanwhile: the task is cancelled with the rest
            }
            log(LogLevel.WARN, "waitUntil() was called from thread '" + thread + "', not from the event loop (CTX-8); "
                    + "the task was registered on the loop afterwards");
            registerTask(task, site);
            checkDrained();
        });
    }

    /** An invocation-bound timer, from any thread: cancelled with the invocation's other non-task work (LIM-7). */
    EventLoop.Cancellable scheduleTimer(Duration delay, Runnable task) {
        synchronized (lock) {
            if (drainEnded) {
                executor.countRefused();
                return () -> { };
            }
            EventLoop.Cancellable[] scheduled = new EventLoop.Cancellable[1];
            EventLoop.Cancellable handle = new EventLoop.Cancellable() {
                @Override
                public void cancel() {
                    synchronized (lock) {
                        timers.remove(this);
                    }
                    scheduled[0].cancel();
                }
            };
            // Scheduled and recorded under the lock, so a timer that fires at once still finds itself in the set.
            scheduled[0] = loop.schedule(delay, () -> {
                synchronized (lock) {
                    if (!timers.remove(handle)) {
                        return; // cancelled, or the invocation finished (LIM-7)
                    }
                }
                task.run();
            });
            timers.add(handle);
            return handle;
        }
    }

    protected void log(LogLevel level, String message) {
        onLoop(() -> logs.add(new LogLine(now(), level, message)));
    }

    // ---------------------------------------------------------------- handler stage

    protected void run() {
        startedAt = now();
        phase = Phase.HANDLER;
        context = newContext();
        env = new EnvImpl(this, config);
        if (event == EventKind.FETCH) {
            runFetch();
        } else {
            runScheduled();
        }
    }

    /** CTX-1: a fresh context for every invocation. */
    protected Context newContext() {
        return new ContextImpl(this);
    }

    protected void runFetch() {
        requestBody = new RequestBodyTracker(incoming.body());
        Request request = new Request(incoming.method(), incoming.url(), incoming.headers().copy(), Body.of(requestBody.handlerView()));
        CompletionStage<Response> stage;
        try {
            stage = worker.fetchHandler()
                    .orElseThrow(() -> new UnsupportedOperationException("the worker has no fetch handler"))
                    .fetch(request, env, context);
            if (stage == null) {
                throw new NullPointerException("the fetch handler returned null instead of a CompletionStage<Response>");
            }
        } catch (Throwable t) {
            handlerFailed(t);
            return;
        }
        stage.whenComplete((response, error) -> onLoop(() -> handlerSettled(response, error)));
        watchForHang();
    }

    /** ERR-3: a handler stage still pending when the loop has run out of work can never settle. */
    protected void watchForHang() {
        if (handlerStageOver || !config.hangDetection()) {
            return;
        }
        hangWatch = loop.whenIdle(() -> {
            hangWatch = null;
            if (!handlerStageOver && !drainEnded) {
                hangDetected();
            }
        }).orElse(null);
    }

    protected void hangDetected() {
        log(LogLevel.WARN, "hang detection (ERR-3): the handler stage of " + describe() + " was still pending when the event loop had "
                + "nothing left to run (no timer, no I/O in flight, no loop task), so it could never settle; if a thread of your own "
                + "completes it, that is outside CTX-8: build the WorkerInstance with hangDetection(false)");
        abortWith(new InvocationHungException());
    }

    protected void runScheduled() {
        CompletionStage<?> stage;
        try {
            stage = worker.scheduledHandler()
                    .orElseThrow(() -> new UnsupportedOperationException("the worker has no scheduled handler"))
                    .scheduled(scheduledEvent, env, context);
        } catch (Throwable t) {
            if (handlerStageOver) {
                return; // ctx.abort() already failed the handler stage
            }
            handlerStageOver = true;
            responseDone = true;
            recordHandlerException(t);
            invocationEnd();
            return;
        }
        handlerStageOver = true;
        responseDone = true;
        // EVT-1: the scheduled handler itself runs as a task, so its failure is a task failure.
        registerTask(stage == null ? CompletableFuture.completedFuture(null) : stage, List.of());
        invocationEnd();
    }

    protected void handlerSettled(Response response, Throwable error) {
        if (handlerStageOver) {
            return;
        }
        if (error != null) {
            handlerFailed(unwrap(error));
        } else if (response == null) {
            handlerFailed(new NullPointerException("the fetch handler's stage completed with null instead of a Response"));
        } else if (response.bodyUsed()) {
            handlerFailed(new IllegalStateException(Body.ALREADY_USED));
        } else {
            sendResponse(response);
        }
    }

    protected void recordHandlerException(Throwable t) {
        exceptions.add(LoggedException.of(LoggedException.IN_RESPONSE, t));
        outcome = Outcome.EXCEPTION;
        status = null;
    }

    /** An exception escaped the handler stage: fail open (PT-3) or answer ERR-9. */
    protected void handlerFailed(Throwable t) {
        if (handlerStageOver) {
            return;
        }
        handlerStageOver = true;
        recordHandlerException(t);
        if (event != EventKind.FETCH) {
            // A scheduled event has no request body and no client to answer.
            responseDone = true;
            invocationEnd();
            return;
        }
        requestBody.detach(DETACHED_AFTER_EXCEPTION);
        if (shouldFailOpen()) {
            startFailOpen();
        } else {
            sendErrorResponse();
        }
        invocationEnd();
    }

    /** PT-3: the flag was set, an exception escaped (the caller), and no headers were sent (PT-4). */
    protected boolean shouldFailOpen() {
        return failOpenFlag && !headersSent && event == EventKind.FETCH;
    }

    protected void startFailOpen() {
        try {
            forwardToOrigin();
        } catch (RuntimeException e) {
            // The request could not even be built (e.g. a method OkHttp refuses): answer PT-8's bare 500.
            failOpen = new FailOpenRecord(config.origin() == null ? null : config.origin().toString(), java.util.OptionalInt.empty(), 0,
                    "the request could not be forwarded: " + FailOpenForwarder.describe(e));
            log(LogLevel.ERROR, "passThroughOnException: fail-open of " + describe() + " failed: " + failOpen.failure() + "; answered 500 with an empty body");
            newFailOpenForwarder().answerFailedFallback(sink);
            responseDone = true;
            finishIfDone();
        }
    }

    private void forwardToOrigin() {
        newFailOpenForwarder().forward(incoming, requestBody, sink, record -> onLoop(() -> {
            failOpen = record;
            if (!record.succeeded()) {
                log(LogLevel.ERROR, "passThroughOnException: fail-open of " + describe() + " to "
                        + (record.origin() == null ? "the origin" : record.origin()) + " failed: " + record.failure()
                        + (record.originStatus().isPresent() ? "" : "; answered 500 with an empty body"));
            }
            responseDone = true;
            finishIfDone();
        }));
    }

    protected FailOpenForwarder newFailOpenForwarder() {
        return new FailOpenForwarder(config);
    }

    /** ERR-9: {@code 500 Internal Server Error} with {@code Connection: close}. */
    protected void sendErrorResponse() {
        byte[] body = ERROR_BODY.getBytes(StandardCharsets.US_ASCII);
        sink.start(500, Headers.of("content-length", Integer.toString(body.length), "connection", "close"));
        headersSent = true;
        writeToClient(body, error -> {
            if (error != null) {
                sink.fail(error);
            } else {
                sink.end();
            }
            responseDone = true;
            finishIfDone();
        });
    }

    protected void sendResponse(Response response) {
        handlerStageOver = true;
        status = response.status();
        Headers headers = response.headers().copy();
        applyFraming(headers, response.status(), response.body().length());
        BodyReader reader = response.body().reader();
        sink.start(response.status(), headers);
        headersSent = true;
        pump(reader);
    }

    /** BODY-5: the Response's headers plus only the framing headers. */
    protected void applyFraming(Headers headers, int status, long length) {
        headers.delete("content-length");
        headers.delete("transfer-encoding");
        if (status == 204 || status == 304) {
            return;
        }
        if (length >= 0) {
            headers.set("content-length", Long.toString(length));
        } else {
            headers.set("transfer-encoding", "chunked");
        }
    }

    private void pump(BodyReader reader) {
        CompletionStage<byte[]> next;
        try {
            next = reader.read();
        } catch (RuntimeException e) {
            responseBodyFailed(e);
            return;
        }
        next.whenComplete((chunk, error) -> onLoop(() -> {
            if (responseDone) {
                return;
            }
            if (error != null) {
                responseBodyFailed(unwrap(error));
            } else if (chunk == null) {
                sink.end();
                responseDone = true;
                invocationEnd();
                finishIfDone();
            } else {
                writeToClient(chunk, writeError -> {
                    if (writeError != null) {
                        responseBodyFailed(writeError);
                    } else {
                        pump(reader);
                    }
                });
            }
        }));
    }

    /**
     * Writes {@code chunk} to the client, then runs {@code then} on the loop with the write's error or null. The write
     * counts as I/O in flight: while a slow client takes its time the loop is not idle, so no other invocation's
     * handler is taken for hung (ERR-3).
     */
    private void writeToClient(byte[] chunk, java.util.function.Consumer<Throwable> then) {
        if (clientWriteDescription == null) {
            clientWriteDescription = "writing the response body of " + describe() + " to the client";
        }
        EventLoop.ExternalOperation write = loop.beginExternal(clientWriteDescription);
        CompletionStage<Void> written;
        try {
            written = sink.write(chunk);
        } catch (RuntimeException e) {
            write.complete(() -> then.accept(e));
            return;
        }
        written.whenComplete((ignored, error) -> write.complete(() -> then.accept(error == null ? null : unwrap(error))));
    }

    /** PT-4: after the headers, an error truncates the body; no fail-open. */
    protected void responseBodyFailed(Throwable t) {
        if (responseDone) {
            return;
        }
        recordHandlerException(t);
        sink.fail(t);
        responseDone = true;
        invocationEnd();
        finishIfDone();
    }

    // ---------------------------------------------------------------- tasks and drain

    protected void registerTask(CompletionStage<?> task, List<StackTraceElement> site) {
        String during = phase == Phase.HANDLER ? "handler" : "drain";
        TaskState state;
        synchronized (tasks) {
            state = new TaskState(tasks.size(), now(), during, task == null, site);
            tasks.add(state);
        }
        if (task == null) {
            // WU-13: an already-settled task, flagged as suspicious.
            state.result = TaskResult.RESOLVED;
            state.settledAt = state.registeredAt;
            return;
        }
        pendingTasks++;
        task.whenComplete((value, error) -> {
            if (loop.inEventLoop()) {
                taskSettled(state, error);
                return;
            }
            String thread = Thread.currentThread().getName();
            loop.execute(() -> {
                // CTX-8: under a virtual clock, work finished on another thread races virtual time.
                log(LogLevel.WARN, "task#" + state.index + " settled on thread '" + thread + "', outside the event loop (CTX-8); "
                        + "finish task work through env.executor(), env.timers() or env.fetch() so it runs on the loop");
                taskSettled(state, error);
            });
        });
    }

    protected void taskSettled(TaskState task, Throwable error) {
        if (task.result != null) {
            return; // cancelled at the limit or by an abort; a late settlement changes nothing
        }
        task.settledAt = now();
        if (error == null) {
            task.result = TaskResult.RESOLVED;
        } else {
            task.result = TaskResult.REJECTED;
            task.failure = unwrap(error);
            onTaskRejected(task);
        }
        pendingTasks--;
        checkDrained();
    }

    /** WU-6, WU-7, WU-9: record the rejection, change nothing else, except a scheduled event's outcome (EVT-1). */
    protected void onTaskRejected(TaskState task) {
        exceptions.add(LoggedException.of(LoggedException.ASYNC, task.failure));
        if (event == EventKind.SCHEDULED && !firstTaskFailureSeen) {
            firstTaskFailureSeen = true;
            outcome = Outcome.EXCEPTION;
        }
    }

    /** LIM-1: the handler stage ended; the drain and its one limit timer start. */
    protected void invocationEnd() {
        if (invocationEndAt != null) {
            return;
        }
        invocationEndAt = now();
        phase = Phase.DRAINING;
        if (hangWatch != null) {
            hangWatch.cancel();
            hangWatch = null;
        }
        if (requestBody != null) {
            requestBody.detach(DETACHED_AFTER_RESPONSE);
        }
        // A watchdog: the limit ends work, it does not keep the loop busy, so it never postpones hang detection.
        config.limit().duration().ifPresent(limit -> limitTimer = loop.scheduleWatchdog(limit, this::limitReached));
        checkDrained();
    }

    /** WU-11: the drain ends only when no task is pending. */
    protected void checkDrained() {
        int reserved;
        synchronized (lock) {
            reserved = reservedRegistrations;
        }
        if (phase == Phase.DRAINING && !drainEnded && pendingTasks == 0 && reserved == 0) {
            endDrain(aborted ? FinishReason.ABORTED : FinishReason.DRAINED);
        }
    }

    /** LIM-5, LIM-6, LIM-9. */
    protected void limitReached() {
        if (drainEnded) {
            return;
        }
        cancelPendingTasks();
        log(LogLevel.WARN, LIMIT_WARNING);
        if (event == EventKind.SCHEDULED && outcome == Outcome.OK) {
            outcome = Outcome.CANCELED; // EVT-1: the limit's outcome
        }
        endDrain(FinishReason.LIMIT);
    }

    protected void cancelPendingTasks() {
        Instant now = now();
        for (TaskState task : tasks) {
            if (task.result == null) {
                task.result = TaskResult.CANCELLED;
                task.settledAt = now;
            }
        }
        pendingTasks = 0;
    }

    /** ABT-1, ABT-2, ABT-3, ABT-5. */
    protected void abort(InvocationAbortedException exception) {
        abortWith(exception);
    }

    /** An abort by {@code ctx.abort()} or by hang detection (ERR-3): ends the drain at once and cancels every task. */
    protected void abortWith(RuntimeException exception) {
        if (drainEnded) {
            return;
        }
        aborted = true;
        cancelPendingTasks();
        if (!handlerStageOver) {
            handlerFailed(exception);
        } else if (!responseDone && headersSent && failOpen == null && phase == Phase.HANDLER) {
            responseBodyFailed(exception);
        } else {
            exceptions.add(LoggedException.of(LoggedException.ASYNC, exception));
            outcome = Outcome.EXCEPTION;
            status = null; // ERR-7: no status after an abort, even one during the drain (ABT-5)
        }
        invocationEnd();
        endDrain(FinishReason.ABORTED);
    }

    protected void endDrain(FinishReason reason) {
        synchronized (lock) {
            if (drainEnded || (reason == FinishReason.DRAINED && reservedRegistrations > 0)) {
                return;
            }
            drainEnded = true;
        }
        finishReason = reason;
        finishedAt = now();
        phase = Phase.FINISHED;
        if (limitTimer != null) {
            limitTimer.cancel();
        }
        cancelNonTaskWork();
        refuseExecutorWork();
        finishIfDone();
    }

    /** LIM-7: timers that are not tasks die with the invocation. */
    protected void cancelNonTaskWork() {
        List<EventLoop.Cancellable> cancelled;
        synchronized (lock) {
            cancelled = List.copyOf(timers);
            timers.clear();
        }
        cancelled.forEach(EventLoop.Cancellable::cancel);
    }

    /** LIM-9: continuations scheduled on the invocation's executor never run after it finished. */
    protected void refuseExecutorWork() {
        executor.refuseFromNowOn();
    }

    /** LIM-8: the record exists once the drain has ended and the response was delivered. */
    protected void finishIfDone() {
        if (drainEnded && responseDone && !finished.isDone()) {
            finished.complete(buildRecord());
        }
    }

    protected InvocationRecord buildRecord() {
        return new InvocationRecord(id, event, label(), outcome,
                status == null ? OptionalInt.empty() : OptionalInt.of(status),
                exceptions, logs, tasks.stream().map(TaskState::toRecord).toList(),
                Optional.ofNullable(failOpen), startedAt, invocationEndAt, finishedAt, finishReason,
                executor.refusedCount());
    }

    protected static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private static final StackWalker WALKER = StackWalker.getInstance();

    /** The first frame outside the runtime: where {@code waitUntil} was called (shown in hang reports). */
    private static List<StackTraceElement> callerSite() {
        return WALKER.walk(frames -> frames
                .filter(f -> !f.getClassName().startsWith("dev.ctxtestkit.runtime."))
                .filter(f -> !f.getClassName().startsWith("java.util.concurrent."))
                .limit(1)
                .map(StackWalker.StackFrame::toStackTraceElement)
                .toList());
    }
}
