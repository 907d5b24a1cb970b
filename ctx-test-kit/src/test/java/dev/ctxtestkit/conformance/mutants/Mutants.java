package dev.ctxtestkit.conformance.mutants;

import dev.ctxtestkit.runtime.ByteSource;
import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.EventKind;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.InvocationAbortedException;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.LogLevel;
import dev.ctxtestkit.runtime.LoggedException;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.ResponseSink;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import dev.ctxtestkit.runtime.internal.ContextImpl;
import dev.ctxtestkit.runtime.internal.FailOpenForwarder;
import dev.ctxtestkit.runtime.internal.InvocationImpl;
import dev.ctxtestkit.runtime.internal.RuntimeConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.RequestBody;

/**
 * The mutants of the conformance self-test: each breaks exactly one decision of the reference runtime, and
 * {@link MutantSelfTest} proves that the named rule fails on it with the named message (the Reactive Streams TCK
 * habit). Each is a class with a no-argument constructor, so the engine can load it by name.
 */
public final class Mutants {
    private Mutants() {
    }

    /** A mutant, the rule it must fail, and a fragment of the expected failure message. */
    public record Expectation(Class<? extends MutantTarget> mutant, String rule, String message) {
        @Override
        public String toString() {
            return rule + " fails on " + mutant.getSimpleName();
        }
    }

    public static final List<Expectation> ALL = List.of(
            new Expectation(SharedContext.class, "CTX-1", "identical to an earlier invocation's"),
            new Expectation(PropsDropped.class, "CTX-4", "expected ctx.props {tenant=acme, tier=2}"),
            new Expectation(StaleContextAccepted.class, "CTX-7", "expected IllegalStateException from the stale ctx"),
            new Expectation(HandlerOffLoop.class, "CTX-8", "expected every step to run on one event-loop thread"),
            new Expectation(ResponseWaitsForTasks.class, "WU-5", "not before the 200 ms task's beacon"),
            new Expectation(RejectionFailsHandler.class, "WU-6", "expected response status 200, got 299"),
            new Expectation(FailFastTasks.class, "WU-7", "never arrived at the origin"),
            new Expectation(TaskFailureSetsOutcome.class, "WU-9", "expected outcome ok, got exception"),
            new Expectation(CappedTasks.class, "WU-10", "beacon 'all-done' never arrived"),
            new Expectation(DrainDoesNotReloop.class, "WU-11", "beacon 'inner' never arrived"),
            new Expectation(HandlerErrorCancelsTasks.class, "WU-12", "beacon 'survivor' never arrived"),
            new Expectation(NullTaskRejected.class, "WU-13", "expected waitUntil(null) to be accepted"),
            new Expectation(InvocationEndAtHeaders.class, "LIM-1", "expected invocation end when the body ended"),
            new Expectation(LimitRestartsPerRegistration.class, "LIM-2", "beacon 'too-late' arrived"),
            new Expectation(IgnoresConfiguredLimit.class, "LIM-4", "cancelled 5000 ms after invocation end, got 30000 ms"),
            new Expectation(LimitLeavesTasksRunning.class, "LIM-5", "beacon 'late' arrived"),
            new Expectation(OldLimitWarning.class, "LIM-6", "expected the WARN text to start with"),
            new Expectation(WarningPerTask.class, "LIM-6", "expected exactly one WARN line, got 2"),
            new Expectation(TimersOutliveInvocation.class, "LIM-7", "beacon 'orphan-timer' arrived"),
            new Expectation(RecordBeforeDrain.class, "LIM-8", "expected every task settled in the record"),
            new Expectation(ExecutorNotRefused.class, "LIM-9", "beacon 'held-finally' arrived"),
            new Expectation(FlagToggles.class, "PT-1", "expected the origin's status 299 relayed, got 500"),
            new Expectation(ScheduledFlagSwallowsError.class, "PT-2", "expected outcome exception, got ok"),
            new Expectation(FailOpenWithoutFlag.class, "PT-3", "expected response status 500, got 299"),
            new Expectation(FailOpenAfterHeaders.class, "PT-4", "expected 0 fail-open request(s) at the origin, got 1"),
            new Expectation(HostRewritten.class, "PT-5", "expected Host: pt5.example"),
            new Expectation(RelayedAs200.class, "PT-6", "expected the origin's status 299 relayed, got 200"),
            new Expectation(RemainderDropped.class, "PT-7", "unread bytes"),
            new Expectation(ReplaysWholeBody.class, "PT-7", "unread bytes"),
            new Expectation(FailedFallbackGives502.class, "PT-8", "expected response status 500, got 502"),
            new Expectation(FailOpenCountsAsSuccess.class, "PT-9", "expected outcome exception, got ok"),
            new Expectation(FallbackFailureNotLogged.class, "PT-12", "expected an ERROR log line naming the cause"),
            new Expectation(AbortReturns.class, "ABT-1", "beacon 'after-abort' arrived"),
            new Expectation(AbortKeepsDraining.class, "ABT-2", "beacon 'victim' arrived"),
            new Expectation(AbortIgnoresFlag.class, "ABT-3", "expected the origin's status 299 relayed, got 500"),
            new Expectation(AbortOutcomeCanceled.class, "ABT-5", "expected outcome exception, got canceled"),
            new Expectation(ErrorWithoutConnectionClose.class, "ERR-1", "expected response header connection: close"),
            new Expectation(NoHangDetection.class, "ERR-3", "no response: the handler stage never settled"),
            new Expectation(WrongExceptionLabel.class, "ERR-4", "expected exceptions"),
            new Expectation(WarningsAtInfo.class, "ERR-5", "expected the limit warning at WARN"),
            new Expectation(OutcomeAlwaysOk.class, "ERR-6", "expected outcome exception, got ok"),
            new Expectation(OutcomeFromStatus.class, "ERR-7", "expected outcome ok, got exception"),
            new Expectation(DisconnectCancelsTasks.class, "ERR-8", "beacon 'survivor' never arrived"),
            new Expectation(ErrorWithoutConnectionClose.class, "ERR-9", "expected response header connection: close"),
            new Expectation(CancelledTasksWithoutSettleTime.class, "ERR-10", "must have a registration time and a settle time"),
            new Expectation(AlwaysChunked.class, "BODY-5", "expected response header content-length: 15"),
            new Expectation(ScheduledIgnoresTaskFailure.class, "EVT-1", "expected outcome exception, got ok"),
            new Expectation(TaskFailureSetsOutcome.class, "EVT-2", "expected outcome ok, got exception"),
            new Expectation(SharedContext.class, "EVT-5", "the class form reused a ctx across invocations"));

    // ------------------------------------------------------------------ CTX

    /** CTX-1, EVT-5: every invocation of a worker instance gets the first invocation's Context. */
    public static final class SharedContext extends MutantTarget {
        public SharedContext() {
            super("one Context shared by all invocations", sharing());
        }

        private static dev.ctxtestkit.runtime.internal.InvocationFactory sharing() {
            AtomicReference<Context> shared = new AtomicReference<>();
            return (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected Context newContext() {
                    return shared.updateAndGet(existing -> existing != null && id > 1 ? existing : super.newContext());
                }
            };
        }
    }

    /** CTX-4: props never reach the handler. */
    public static final class PropsDropped extends MutantTarget {
        public PropsDropped() {
            super("ctx.props always empty", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected Context newContext() {
                    return new ContextImpl(this) {
                        @Override
                        public Map<String, Object> props() {
                            return Map.of();
                        }
                    };
                }
            });
        }
    }

    /** CTX-7: a stale Context silently accepts waitUntil. */
    public static final class StaleContextAccepted extends MutantTarget {
        public StaleContextAccepted() {
            super("stale Context accepts calls", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected Context newContext() {
                    InvocationImpl self = this;
                    return new ContextImpl(this) {
                        @Override
                        public void waitUntil(CompletionStage<?> task) {
                            if (!self.isFinished()) {
                                super.waitUntil(task);
                            }
                        }
                    };
                }
            });
        }
    }

    /** CTX-8: the handler runs on a thread of its own. */
    public static final class HandlerOffLoop extends MutantTarget {
        public HandlerOffLoop() {
            super("handler on a foreign thread", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void runFetch() {
                    Thread foreign = new Thread(super::runFetch, "mutant-foreign-thread");
                    foreign.start();
                    try {
                        foreign.join(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
        }
    }

    // ------------------------------------------------------------------ WU

    /** WU-5: the response is held back until the tasks are done. */
    public static final class ResponseWaitsForTasks extends MutantTarget {
        public ResponseWaitsForTasks() {
            super("response waits for tasks", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                private Response deferred;

                @Override
                protected void sendResponse(Response response) {
                    if (pendingTasks > 0) {
                        handlerStageOver = true;
                        deferred = response;
                    } else {
                        super.sendResponse(response);
                    }
                }

                @Override
                protected void taskSettled(TaskState task, Throwable error) {
                    super.taskSettled(task, error);
                    if (deferred != null && pendingTasks == 0) {
                        Response response = deferred;
                        deferred = null;
                        super.sendResponse(response);
                    }
                }
            });
        }
    }

    /** WU-6: a rejection before the response fails the handler stage. */
    public static final class RejectionFailsHandler extends MutantTarget {
        public RejectionFailsHandler() {
            super("task rejection fails the handler", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void onTaskRejected(TaskState task) {
                    super.onTaskRejected(task);
                    handlerFailed(task.failure);
                }
            });
        }
    }

    /** WU-7: the first rejection cancels every other task (fail-fast, like Promise.all). */
    public static final class FailFastTasks extends MutantTarget {
        public FailFastTasks() {
            super("fail-fast task aggregation", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void onTaskRejected(TaskState task) {
                    super.onTaskRejected(task);
                    cancelPendingTasks();
                    pendingTasks = 1; // taskSettled decrements for the rejected task itself
                }
            });
        }
    }

    /** WU-9, EVT-2: a task failure makes the fetch outcome exception. */
    public static final class TaskFailureSetsOutcome extends MutantTarget {
        public TaskFailureSetsOutcome() {
            super("task failure sets the fetch outcome", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void onTaskRejected(TaskState task) {
                    super.onTaskRejected(task);
                    outcome = Outcome.EXCEPTION;
                }
            });
        }
    }

    /** WU-10: registrations beyond 1,000 are silently dropped. */
    public static final class CappedTasks extends MutantTarget {
        public CappedTasks() {
            super("at most 1000 tasks", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void registerTask(CompletionStage<?> task, List<StackTraceElement> site) {
                    if (tasks.size() < 1000) {
                        super.registerTask(task, site);
                    }
                }
            });
        }
    }

    /** WU-11: tasks registered during the drain are not waited for. */
    public static final class DrainDoesNotReloop extends MutantTarget {
        public DrainDoesNotReloop() {
            super("drain ignores late registrations", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void registerTask(CompletionStage<?> task, List<StackTraceElement> site) {
                    if (phase != Phase.DRAINING) {
                        super.registerTask(task, site);
                    }
                }
            });
        }
    }

    /** WU-12: a handler exception cancels the tasks. */
    public static final class HandlerErrorCancelsTasks extends MutantTarget {
        public HandlerErrorCancelsTasks() {
            super("handler exception cancels tasks", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void handlerFailed(Throwable t) {
                    cancelPendingTasks();
                    super.handlerFailed(t);
                }
            });
        }
    }

    /** WU-13: waitUntil(null) throws. */
    public static final class NullTaskRejected extends MutantTarget {
        public NullTaskRejected() {
            super("waitUntil(null) throws", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected Context newContext() {
                    return new ContextImpl(this) {
                        @Override
                        public void waitUntil(CompletionStage<?> task) {
                            super.waitUntil(java.util.Objects.requireNonNull(task, "task"));
                        }
                    };
                }
            });
        }
    }

    // ------------------------------------------------------------------ LIM

    /** LIM-1: invocation end at the headers, not at the end of the body. */
    public static final class InvocationEndAtHeaders extends MutantTarget {
        public InvocationEndAtHeaders() {
            super("invocation end at the headers", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void sendResponse(Response response) {
                    super.sendResponse(response);
                    invocationEnd();
                }
            });
        }
    }

    /** LIM-2: every registration during the drain restarts the limit timer. */
    public static final class LimitRestartsPerRegistration extends MutantTarget {
        public LimitRestartsPerRegistration() {
            super("limit timer restarts per registration", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void registerTask(CompletionStage<?> task, List<StackTraceElement> site) {
                    super.registerTask(task, site);
                    if (phase == Phase.DRAINING && limitTimer != null) {
                        limitTimer.cancel();
                        limitTimer = loop.schedule(Duration.ofSeconds(30), this::limitReached);
                    }
                }
            });
        }
    }

    /** LIM-4: the configured limit is ignored; always 30 s. */
    public static final class IgnoresConfiguredLimit extends MutantTarget {
        public IgnoresConfiguredLimit() {
            super("configured limit ignored", (config, id, spec) -> new InvocationImpl(withLimit(config, Limit.DEFAULT), id, spec));
        }
    }

    /** LIM-5: tasks are marked cancelled but their timers keep running. */
    public static final class LimitLeavesTasksRunning extends MutantTarget {
        public LimitLeavesTasksRunning() {
            super("cancelled tasks keep running", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void cancelNonTaskWork() {
                }

                @Override
                protected void refuseExecutorWork() {
                }
            });
        }
    }

    /** LIM-6: the pre-2026 warning text. */
    public static final class OldLimitWarning extends MutantTarget {
        public OldLimitWarning() {
            super("old limit warning text", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void log(LogLevel level, String message) {
                    super.log(level, message.equals(LIMIT_WARNING)
                            ? "IoContext timed out due to inactivity, waitUntil tasks were cancelled without completing." : message);
                }
            });
        }
    }

    /** LIM-6: one warning per cancelled task. */
    public static final class WarningPerTask extends MutantTarget {
        public WarningPerTask() {
            super("one warning per cancelled task", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void log(LogLevel level, String message) {
                    int times = message.equals(LIMIT_WARNING) ? Math.max(1, (int) tasks.stream().filter(t -> t.result == TaskResult.CANCELLED).count()) : 1;
                    for (int i = 0; i < times; i++) {
                        super.log(level, message);
                    }
                }
            });
        }
    }

    /** LIM-7: timers outlive the invocation. */
    public static final class TimersOutliveInvocation extends MutantTarget {
        public TimersOutliveInvocation() {
            super("timers outlive the invocation", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void cancelNonTaskWork() {
                }
            });
        }
    }

    /** LIM-8: the record is produced when the response is done, before the drain. */
    public static final class RecordBeforeDrain extends MutantTarget {
        public RecordBeforeDrain() {
            super("record before the drain", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void finishIfDone() {
                    if (responseDone && invocationEndAt != null && !finished.isDone()) {
                        finished.complete(buildRecord());
                    }
                }
            });
        }
    }

    /** LIM-9: the executor keeps running continuations after the limit. */
    public static final class ExecutorNotRefused extends MutantTarget {
        public ExecutorNotRefused() {
            super("executor not refused after the limit", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void refuseExecutorWork() {
                }
            });
        }
    }

    // ------------------------------------------------------------------ PT

    /** PT-1: a second call clears the flag. */
    public static final class FlagToggles extends MutantTarget {
        public FlagToggles() {
            super("passThroughOnException toggles", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected Context newContext() {
                    return new ContextImpl(this) {
                        @Override
                        public void passThroughOnException() {
                            failOpenFlag = !failOpenFlag;
                        }
                    };
                }
            });
        }
    }

    /** PT-2: in a scheduled handler the flag swallows the exception. */
    public static final class ScheduledFlagSwallowsError extends MutantTarget {
        public ScheduledFlagSwallowsError() {
            super("flag honoured in scheduled", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void recordHandlerException(Throwable t) {
                    if (event == EventKind.SCHEDULED && failOpenFlag) {
                        return;
                    }
                    super.recordHandlerException(t);
                }
            });
        }
    }

    /** PT-3: fails open on any exception, flag or not. */
    public static final class FailOpenWithoutFlag extends MutantTarget {
        public FailOpenWithoutFlag() {
            super("fail-open without the flag", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected boolean shouldFailOpen() {
                    return !headersSent && event == EventKind.FETCH;
                }
            });
        }
    }

    /** PT-4: an error in a streamed body still forwards to the origin. */
    public static final class FailOpenAfterHeaders extends MutantTarget {
        public FailOpenAfterHeaders() {
            super("fail-open after the headers", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void responseBodyFailed(Throwable t) {
                    super.responseBodyFailed(t);
                    if (failOpenFlag) {
                        startFailOpen();
                    }
                }
            });
        }
    }

    /** PT-5: the fallback's Host names the origin instead of the client's host. */
    public static final class HostRewritten extends MutantTarget {
        public HostRewritten() {
            super("Host rewritten to the origin", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected FailOpenForwarder newFailOpenForwarder() {
                    return new FailOpenForwarder(config) {
                        @Override
                        protected Headers forwardedHeaders(IncomingRequest original, URI source) {
                            return super.forwardedHeaders(original, source).set("host", config.origin().getRawAuthority());
                        }
                    };
                }
            });
        }
    }

    /** PT-6: the origin's status becomes 200. */
    public static final class RelayedAs200 extends MutantTarget {
        public RelayedAs200() {
            super("relayed status normalised to 200", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected FailOpenForwarder newFailOpenForwarder() {
                    return new FailOpenForwarder(config) {
                        @Override
                        protected void startRelay(okhttp3.Response response, ResponseSink sink) {
                            Headers headers = new Headers();
                            response.headers().forEach(pair -> headers.append(pair.getFirst(), pair.getSecond()));
                            sink.start(200, headers);
                        }
                    };
                }
            });
        }
    }

    /** PT-7: the unread remainder is not forwarded. */
    public static final class RemainderDropped extends MutantTarget {
        public RemainderDropped() {
            super("body remainder dropped", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected FailOpenForwarder newFailOpenForwarder() {
                    return new FailOpenForwarder(config) {
                        @Override
                        protected RequestBody remainderBody(String method, dev.ctxtestkit.runtime.internal.RequestBodyTracker body) {
                            return method.equals("GET") || method.equals("HEAD") ? null : RequestBody.create(new byte[0]);
                        }
                    };
                }
            });
        }
    }

    /**
     * PT-7: fail-open buffers the whole original body, the part the handler read included, and replays it to the origin
     * (the workaround a runtime without a streaming remainder might reach for).
     */
    public static final class ReplaysWholeBody extends MutantTarget {
        public ReplaysWholeBody() {
            super("fail-open replays the whole body", (config, id, spec) -> {
                RecordingSource recording = spec.request() == null ? null : new RecordingSource(spec.request().body());
                InvocationImpl.Spec recorded = recording == null ? spec : new InvocationImpl.Spec(spec.event(), spec.worker(), spec.props(),
                        new IncomingRequest(spec.request().method(), spec.request().url(), spec.request().headers(), recording),
                        spec.scheduledEvent(), spec.sink());
                return new InvocationImpl(config, id, recorded) {
                    @Override
                    protected FailOpenForwarder newFailOpenForwarder() {
                        return new FailOpenForwarder(config) {
                            @Override
                            protected RequestBody remainderBody(String method, dev.ctxtestkit.runtime.internal.RequestBodyTracker body) {
                                if (method.equals("GET") || method.equals("HEAD")) {
                                    return null;
                                }
                                java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
                                whole.writeBytes(recording.seen()); // what the handler read, replayed
                                ByteSource rest = body.remainder();
                                for (byte[] chunk = rest.read(64 * 1024).toCompletableFuture().join(); chunk != null;
                                     chunk = rest.read(64 * 1024).toCompletableFuture().join()) {
                                    whole.writeBytes(chunk);
                                }
                                return RequestBody.create(whole.toByteArray());
                            }
                        };
                    }
                };
            });
        }
    }

    /** A client body that keeps a copy of every byte read from it. */
    static final class RecordingSource implements ByteSource {
        private final ByteSource source;
        private final java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();

        RecordingSource(ByteSource source) {
            this.source = source;
        }

        @Override
        public java.util.concurrent.CompletionStage<byte[]> read(int maxBytes) {
            return source.read(maxBytes).thenApply(chunk -> {
                if (chunk != null) {
                    synchronized (seen) {
                        seen.writeBytes(chunk);
                    }
                }
                return chunk;
            });
        }

        @Override
        public long length() {
            return source.length();
        }

        @Override
        public void cancel(Throwable reason) {
            source.cancel(reason);
        }

        byte[] seen() {
            synchronized (seen) {
                return seen.toByteArray();
            }
        }
    }

    /** PT-8: a failed fallback answers 502 with a body. */
    public static final class FailedFallbackGives502 extends MutantTarget {
        public FailedFallbackGives502() {
            super("failed fallback gives 502", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected FailOpenForwarder newFailOpenForwarder() {
                    return new FailOpenForwarder(config) {
                        @Override
                        protected void answerFailedFallback(ResponseSink sink) {
                            byte[] body = "origin unreachable".getBytes(StandardCharsets.US_ASCII);
                            sink.start(502, Headers.of("content-length", Integer.toString(body.length)));
                            sink.write(body);
                            sink.end();
                        }
                    };
                }
            });
        }
    }

    /** PT-9: a successful fail-open is recorded as ok. */
    public static final class FailOpenCountsAsSuccess extends MutantTarget {
        public FailOpenCountsAsSuccess() {
            super("fail-open recorded as ok", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void startFailOpen() {
                    super.startFailOpen();
                    outcome = Outcome.OK;
                }
            });
        }
    }

    /** PT-12: the fallback's failure is not logged. */
    public static final class FallbackFailureNotLogged extends MutantTarget {
        public FallbackFailureNotLogged() {
            super("fallback failure not logged", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void log(LogLevel level, String message) {
                    if (!message.startsWith("passThroughOnException")) {
                        super.log(level, message);
                    }
                }
            });
        }
    }

    // ------------------------------------------------------------------ ABT

    /** ABT-1: abort returns, so code after it runs. */
    public static final class AbortReturns extends MutantTarget {
        public AbortReturns() {
            super("abort returns normally", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected Context newContext() {
                    return new ContextImpl(this) {
                        @Override
                        public void abort(Object reason) {
                            abortInvocation(new InvocationAbortedException(reason));
                        }
                    };
                }

                private void abortInvocation(InvocationAbortedException e) {
                    abort(e);
                }
            });
        }
    }

    /** ABT-2: an abort in the drain records the error but lets the tasks run on. */
    public static final class AbortKeepsDraining extends MutantTarget {
        public AbortKeepsDraining() {
            super("abort does not end the drain", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void abort(InvocationAbortedException exception) {
                    if (!handlerStageOver) {
                        super.abort(exception);
                        return;
                    }
                    aborted = true;
                    exceptions.add(LoggedException.of(LoggedException.ASYNC, exception));
                    outcome = Outcome.EXCEPTION;
                }
            });
        }
    }

    /** ABT-3: an abort never fails open. */
    public static final class AbortIgnoresFlag extends MutantTarget {
        public AbortIgnoresFlag() {
            super("abort ignores the fail-open flag", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void abort(InvocationAbortedException exception) {
                    failOpenFlag = false;
                    super.abort(exception);
                }
            });
        }
    }

    /** ABT-5: an aborted invocation is recorded as canceled. */
    public static final class AbortOutcomeCanceled extends MutantTarget {
        public AbortOutcomeCanceled() {
            super("abort outcome canceled", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void endDrain(FinishReason reason) {
                    if (reason == FinishReason.ABORTED) {
                        outcome = Outcome.CANCELED;
                    }
                    super.endDrain(reason);
                }
            });
        }
    }

    // ------------------------------------------------------------------ ERR

    /** ERR-3: a handler stage that can never settle is left pending: no response, ever. */
    public static final class NoHangDetection extends MutantTarget {
        public NoHangDetection() {
            super("no hang detection", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void watchForHang() {
                    // never watches: the loop going idle goes unnoticed
                }
            });
        }
    }

    /** ERR-1, ERR-9: the error response lacks Connection: close. */
    public static final class ErrorWithoutConnectionClose extends MutantTarget {
        public ErrorWithoutConnectionClose() {
            super("error response without Connection: close", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void sendErrorResponse() {
                    byte[] body = ERROR_BODY.getBytes(StandardCharsets.US_ASCII);
                    sink.start(500, Headers.of("content-length", Integer.toString(body.length)));
                    headersSent = true;
                    sink.write(body);
                    sink.end();
                    responseDone = true;
                    finishIfDone();
                }
            });
        }
    }

    /** ERR-8: a client that goes away takes the tasks with it. */
    public static final class DisconnectCancelsTasks extends MutantTarget {
        public DisconnectCancelsTasks() {
            super("client disconnect cancels the tasks", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                public void clientDisconnected(Throwable cause) {
                    super.clientDisconnected(cause);
                    loop.execute(() -> {
                        cancelPendingTasks();
                        endDrain(FinishReason.LIMIT);
                    });
                }
            });
        }
    }

    /** ERR-4: every exception labelled as a plain unhandled rejection. */
    public static final class WrongExceptionLabel extends MutantTarget {
        public WrongExceptionLabel() {
            super("one label for all exceptions", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void recordHandlerException(Throwable t) {
                    exceptions.add(LoggedException.of("Uncaught (in promise)", t));
                    outcome = Outcome.EXCEPTION;
                    status = null;
                }
            });
        }
    }

    /** ERR-5: runtime warnings logged at INFO. */
    public static final class WarningsAtInfo extends MutantTarget {
        public WarningsAtInfo() {
            super("warnings at INFO", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void log(LogLevel level, String message) {
                    super.log(level == LogLevel.WARN ? LogLevel.INFO : level, message);
                }
            });
        }
    }

    /** ERR-6: handler exceptions leave the outcome ok. */
    public static final class OutcomeAlwaysOk extends MutantTarget {
        public OutcomeAlwaysOk() {
            super("outcome always ok", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void recordHandlerException(Throwable t) {
                    super.recordHandlerException(t);
                    outcome = Outcome.OK;
                }
            });
        }
    }

    /** ERR-7: the outcome is derived from the status. */
    public static final class OutcomeFromStatus extends MutantTarget {
        public OutcomeFromStatus() {
            super("outcome derived from the status", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected InvocationRecord buildRecord() {
                    InvocationRecord r = super.buildRecord();
                    Outcome derived = r.status().isPresent() && r.status().getAsInt() < 500 ? Outcome.OK : Outcome.EXCEPTION;
                    return new InvocationRecord(r.id(), r.event(), r.label(), derived, r.status(), r.exceptions(), r.logs(), r.tasks(),
                            r.failOpen(), r.startedAt(), r.invocationEndAt(), r.finishedAt(), r.finishReason(), r.refusedWork());
                }
            });
        }
    }

    /** ERR-10: cancelled tasks have no settle time. */
    public static final class CancelledTasksWithoutSettleTime extends MutantTarget {
        public CancelledTasksWithoutSettleTime() {
            super("no settle time for cancelled tasks", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected InvocationRecord buildRecord() {
                    InvocationRecord r = super.buildRecord();
                    List<TaskRecord> tasks = r.tasks().stream().map(t -> t.result() != TaskResult.CANCELLED ? t
                            : new TaskRecord(t.index(), t.registeredAt(), t.registeredDuring(), null, t.result(), t.failure(), t.suspicious(), t.registrationSite())).toList();
                    return new InvocationRecord(r.id(), r.event(), r.label(), r.outcome(), r.status(), r.exceptions(), r.logs(), tasks,
                            r.failOpen(), r.startedAt(), r.invocationEndAt(), r.finishedAt(), r.finishReason(), r.refusedWork());
                }
            });
        }
    }

    // ------------------------------------------------------------------ BODY, EVT

    /** BODY-5: every body sent chunked. */
    public static final class AlwaysChunked extends MutantTarget {
        public AlwaysChunked() {
            super("always chunked", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void applyFraming(Headers headers, int status, long length) {
                    headers.delete("content-length");
                    headers.set("transfer-encoding", "chunked");
                }
            });
        }
    }

    /** EVT-1: a scheduled event ignores its task failures. */
    public static final class ScheduledIgnoresTaskFailure extends MutantTarget {
        public ScheduledIgnoresTaskFailure() {
            super("scheduled ignores task failures", (config, id, spec) -> new InvocationImpl(config, id, spec) {
                @Override
                protected void onTaskRejected(TaskState task) {
                    exceptions.add(LoggedException.of(LoggedException.ASYNC, task.failure));
                }
            });
        }
    }

    static RuntimeConfig withLimit(RuntimeConfig c, Limit limit) {
        return new RuntimeConfig(c.loop(), c.origin(), c.globalOutbound(), limit, c.bindings(), c.http(), c.captureSites(), c.hangDetection());
    }
}
