package dev.ctxtestkit.property;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.Outcome;
import dev.ctxtestkit.runtime.TaskResult;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.PriorityQueue;

/**
 * What the spec predicts for a schedule, computed from the {@link Scenario} alone: a small discrete-event
 * interpretation of its steps and tasks in virtual time, following the rules the properties name (WU-5 … WU-11,
 * LIM-1, LIM-4, LIM-5, PT-3, PT-4, PT-7, ABT-1 … ABT-5, ERR-6, ERR-7, ERR-9, ERR-10, EVT-1). The properties compare a
 * target's observations with it, so they are exact statements about a given schedule rather than loose invariants.
 *
 * <p>It covers the shapes {@link ScheduleGenerator} makes: one invocation, fetch or scheduled; steps
 * {@code passThrough}, {@code waitUntil}, {@code waitUntilNull}, {@code sleep}, {@code readBody} (at most one),
 * {@code throw}, {@code abort}, {@code beacon}, {@code log} and {@code respond}; tasks that resolve, reject or never settle, with
 * beacons, nested children and an abort. Anything else is refused with {@link UnsupportedOperationException}.
 *
 * <h2>Ties</h2>
 * In virtual time, two things due at the same instant run in the order they were scheduled, which the model follows;
 * but a task's beacon is real loopback I/O, and work due at the instant of an I/O races with its completion. So a
 * schedule is <em>unambiguous</em> only when every task timer and every timer of positive delay (handler sleeps,
 * stream chunks, the limit) is due at an instant of its own, none at 0 (the handler's start). {@link #ambiguity()}
 * names the first clash; the generator nudges delays until there is none, and the shrinker skips candidates that
 * have one. Only unambiguous schedules run deterministically, and only for them is the model exact. A target observed
 * in real time needs more than distinct instants, because a body read or a beacon's round trip takes real time:
 * {@link #ambiguity(long)} asks for a minimum separation (50 ms for the over-HTTP schedules).
 */
public final class ScheduleModel {
    /** The chunk size of the request bodies the in-process reference target feeds its handler (a larger body spans chunks). */
    public static final int REQUEST_CHUNK = 16 * 1024;
    /** The body of the ERR-9 response. */
    public static final String ERROR_BODY = "Internal Server Error";

    /** How the client's response comes about. */
    public enum ResponseKind {
        /** {@code respond} with a text body. */ TEXT,
        /** {@code respond} without a body. */ NONE,
        /** The probe's JSON report: its bytes are not predicted. */ REPORT,
        /** A streamed body, complete or cut short. */ STREAM,
        /** ERR-9: {@code 500 Internal Server Error}. */ ERROR_500,
        /** PT-6: the mock origin's answer relayed after fail-open. */ FAIL_OPEN_RELAY,
        /** PT-8: a bare {@code 500} after a fail-open whose fallback failed or had no origin. */ FAIL_OPEN_500
    }

    /** The predicted response. {@code body} is null when not predicted ({@link ResponseKind#REPORT}). */
    public record ExpectedResponse(ResponseKind kind, int status, byte[] body, boolean truncated, long headersAtMs,
                                   long completedAtMs) {
        public String describe() {
            return status + " " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + (body == null ? "" : " body '" + new String(body, StandardCharsets.UTF_8) + "'")
                    + (truncated ? " (truncated)" : "") + " headers at +" + headersAtMs + " ms, complete at +" + completedAtMs + " ms";
        }
    }

    /**
     * A predicted task. {@code tag} is the task's tag, {@code handler} for the scheduled handler's own stage (EVT-1) or
     * {@code null-task} for {@code waitUntil(null)}. {@code settledAtMs} and {@code result} are null for a task still
     * pending when nothing is left to run (an unlimited limit).
     */
    public record ExpectedTask(String tag, long registeredAtMs, Long settledAtMs, TaskResult result) {
        /** The part of a task record the properties compare: {@code +reg..+settled result}. */
        public String key() {
            return "+" + registeredAtMs + ".." + (settledAtMs == null ? "?" : "+" + settledAtMs) + " "
                    + (result == null ? "pending" : result.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /**
     * Two timers due at the same instant, or closer than a required separation (see the class comment): {@code first}
     * was scheduled before {@code second}; the later of the two is due at {@code atMs}, {@code gapMs} after the other.
     */
    public record Ambiguity(long atMs, long gapMs, Owner first, Owner second) {
        @Override
        public String toString() {
            return first + " and " + second + (gapMs == 0 ? " are both due at +" + atMs + " ms" : " are due only " + gapMs + " ms apart, at +" + atMs + " ms");
        }
    }

    /** What scheduled a timer, so that the generator can nudge it. */
    public record Owner(Kind kind, int stepIndex, String taskTag) {
        public enum Kind { START, SLEEP, TASK, CHUNK, LIMIT }

        @Override
        public String toString() {
            return switch (kind) {
                case START -> "the handler's start";
                case SLEEP -> "sleep step #" + stepIndex;
                case TASK -> "task " + taskTag;
                case CHUNK -> "a stream chunk of step #" + stepIndex;
                case LIMIT -> "the limit";
            };
        }
    }

    private final Scenario scenario;
    private final boolean fetch;
    private final Optional<Long> limitMs;
    private final byte[] requestBody;

    // ------------------------------------------------------------------ results
    private ExpectedResponse response;
    private boolean failOpen;
    private byte[] remainder;
    private Long invocationEndMs;
    private boolean drainEnded;
    private FinishReason finishReason;
    private Long finishedAtMs;
    private Outcome outcome = Outcome.OK;
    private Integer status;
    private final List<TaskNode> tasks = new ArrayList<>();
    private final Map<String, Long> beacons = new LinkedHashMap<>();
    private int asyncExceptions;
    private int handlerExceptions;
    private boolean rejectionsHappened;
    private final List<long[]> occupants = new ArrayList<>();
    private final List<Owner> occupantOwners = new ArrayList<>();

    // ------------------------------------------------------------------ simulation state
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::at).thenComparingLong(Timer::seq));
    private long sequence;
    private long now;
    private boolean handlerStageOver;
    private boolean headersSent;
    private boolean responseDone;
    private boolean flag;
    private boolean aborted;
    private boolean bodyRead;
    private long consumed;
    private int pending;
    private boolean firstTaskFailureSeen;
    private TaskNode stageTask;
    private boolean stageSettled;
    private boolean stageRejected;
    private boolean exceptionEscaped;
    private Long flagSetAtMs;
    private boolean errorAfterHeaders;
    private Step.Respond stream;
    private int streamStep;
    private final ByteArrayOutputStream streamed = new ByteArrayOutputStream();
    private long headersAt;

    private record Timer(long at, long seq, Runnable action) { }

    private static final class TaskNode {
        final String tag;
        final TaskSpec spec;
        final long registeredAt;
        Long settledAt;
        TaskResult result;

        TaskNode(String tag, TaskSpec spec, long registeredAt) {
            this.tag = tag;
            this.spec = spec;
            this.registeredAt = registeredAt;
        }

        ExpectedTask expected() {
            return new ExpectedTask(tag, registeredAt, settledAt, result);
        }
    }

    private ScheduleModel(Scenario scenario) {
        this.scenario = scenario;
        this.fetch = scenario.event() == Scenario.Event.FETCH;
        this.limitMs = (scenario.limit() == null ? Limit.DEFAULT : Limit.parse(scenario.limit())).duration().map(d -> d.toMillis());
        this.requestBody = scenario.request().body();
    }

    /**
     * Interprets {@code scenario}.
     *
     * @throws UnsupportedOperationException for a shape the model does not cover (see the class comment)
     */
    public static ScheduleModel of(Scenario scenario) {
        checkSupported(scenario);
        ScheduleModel model = new ScheduleModel(scenario);
        model.simulate();
        return model;
    }

    /** Whether {@link #of} covers {@code scenario}. */
    public static boolean supports(Scenario scenario) {
        try {
            checkSupported(scenario);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    private static void checkSupported(Scenario scenario) {
        if (scenario.invocations() != 1) {
            throw new UnsupportedOperationException("the schedule model covers one invocation, not " + scenario.invocations());
        }
        int reads = 0;
        for (Step step : scenario.steps()) {
            if (step.invocation() > 1) {
                throw new UnsupportedOperationException("a step for invocation " + step.invocation() + " in a one-invocation scenario");
            }
            if (step instanceof Step.ReadBody) {
                reads++;
            } else if (step instanceof Step.WaitUntil w) {
                checkTask(w.task());
            } else if (step instanceof Step.Respond r) {
                if (r.taskWhileStreaming() != null) {
                    checkTask(r.taskWhileStreaming());
                }
                if (r.body().equals("stream") && scenario.event() != Scenario.Event.FETCH) {
                    throw new UnsupportedOperationException("a streamed response in a scheduled event");
                }
                if (r.body().equals("stream") && r.chunks() < 1) {
                    throw new UnsupportedOperationException("a streamed response without chunks");
                }
            } else if (!(step instanceof Step.PassThrough || step instanceof Step.WaitUntilNull || step instanceof Step.Sleep
                    || step instanceof Step.Throw || step instanceof Step.Abort || step instanceof Step.Log || step instanceof Step.Beacon)) {
                throw new UnsupportedOperationException("the schedule model does not cover " + step.getClass().getSimpleName() + " steps");
            }
        }
        for (Step step : scenario.steps()) {
            if (step instanceof Step.ReadBody r && r.mode() == Step.ReadBody.Mode.PARTIAL && r.bytes() < 1) {
                throw new UnsupportedOperationException("a partial read of fewer than 1 byte");
            }
        }
        if (reads > 1) {
            throw new UnsupportedOperationException("more than one readBody step (a second read fails: BODY-1)");
        }
    }

    private static void checkTask(TaskSpec task) {
        if (task.outcome() == TaskSpec.Outcome.HELD) {
            throw new UnsupportedOperationException("held tasks need several invocations");
        }
        if (task.finallyBeacon() || task.readBody()) {
            throw new UnsupportedOperationException("task " + task.tag() + ": finally-beacons and body reads in tasks are not modelled");
        }
        task.children().forEach(ScheduleModel::checkTask);
    }

    // ------------------------------------------------------------------ answers

    public Scenario scenario() {
        return scenario;
    }

    public boolean isFetch() {
        return fetch;
    }

    /** The first clash of two timers at one instant, if any (see the class comment). */
    public Optional<Ambiguity> ambiguity() {
        return ambiguity(1);
    }

    /**
     * The first pair of timers less than {@code minSeparationMs} apart, if any. {@code 1} asks for distinct instants,
     * enough in virtual time; a target observed in real time needs a margin for its jitter (see
     * {@link ScheduleGenerator.Options#minSeparationMs()}).
     */
    public Optional<Ambiguity> ambiguity(long minSeparationMs) {
        long horizon = finishedAtMs == null ? Long.MAX_VALUE : finishedAtMs + minSeparationMs - 1;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < occupants.size(); i++) {
            if (occupants.get(i)[0] <= horizon) { // a timer due later was cancelled before it was due
                order.add(i);
            }
        }
        order.sort(Comparator.comparingLong((Integer i) -> occupants.get(i)[0]).thenComparingInt(i -> i));
        for (int k = 1; k < order.size(); k++) {
            long previous = occupants.get(order.get(k - 1))[0];
            long at = occupants.get(order.get(k))[0];
            if (at - previous < minSeparationMs) {
                int a = order.get(k - 1);
                int b = order.get(k);
                return Optional.of(new Ambiguity(at, at - previous, occupantOwners.get(Math.min(a, b)), occupantOwners.get(Math.max(a, b))));
            }
        }
        return Optional.empty();
    }

    /** The client's response; empty for a scheduled event. */
    public Optional<ExpectedResponse> response() {
        return Optional.ofNullable(response);
    }

    /** PT-3: whether the invocation fails open. */
    public boolean failsOpen() {
        return failOpen;
    }

    /** PT-7: the body the fallback request carries (empty when none), when it fails open. */
    public byte[] remainder() {
        return remainder == null ? new byte[0] : remainder.clone();
    }

    /** PT-3 (b): whether an exception escaped the handler stage (a throw or an abort before the response). */
    public boolean exceptionEscapedHandlerStage() {
        return exceptionEscaped;
    }

    /** PT-3 (a): when the handler first called {@code passThroughOnException()}, if it did before its stage ended. */
    public Optional<Long> flagSetAtMs() {
        return Optional.ofNullable(flagSetAtMs);
    }

    /** PT-4: whether the body failed after the headers had been sent (a stream error, or an abort while streaming). */
    public boolean errorAfterHeaders() {
        return errorAfterHeaders;
    }

    /** Why the model expects fail-open or not, in the words of PT-3 and PT-4. */
    public String failOpenReason() {
        if (!fetch) {
            return "a scheduled event never fails open (PT-2)";
        }
        String flagText = flagSetAtMs == null ? "passThroughOnException() was never called before the handler stage ended"
                : "the flag was set at +" + flagSetAtMs + " ms";
        if (failOpen) {
            return flagText + " and an exception escaped the handler stage at +" + invocationEndMs + " ms before any headers were sent (PT-3)";
        }
        if (errorAfterHeaders) {
            return "the body failed after the headers had been sent (PT-4)" + (flagSetAtMs == null ? "" : ", although " + flagText);
        }
        if (!exceptionEscaped) {
            return "no exception escaped the handler stage (PT-3 b)" + (flagSetAtMs == null ? "" : ", although " + flagText);
        }
        return flagText + " (PT-3 a)";
    }

    /** How many request body bytes the handler read before its stage ended. */
    public long consumedBytes() {
        return consumed;
    }

    /** LIM-1: invocation end, in ms since the start. */
    public long invocationEndMs() {
        return invocationEndMs == null ? -1 : invocationEndMs;
    }

    /** Whether the drain ends (it does not when the limit is unlimited and a task never settles). */
    public boolean finishes() {
        return drainEnded;
    }

    public FinishReason finishReason() {
        return finishReason;
    }

    /** When the drain ends, in ms since the start, or -1 when it does not. */
    public long finishedAtMs() {
        return finishedAtMs == null ? -1 : finishedAtMs;
    }

    /** ERR-6, EVT-1. */
    public Outcome outcome() {
        return outcome;
    }

    /** ERR-7, PT-9: the status the record carries. */
    public OptionalInt recordedStatus() {
        return status == null ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /** ERR-10: one entry per registration, in registration order. */
    public List<ExpectedTask> tasks() {
        return tasks.stream().map(TaskNode::expected).toList();
    }

    /** The beacons that reach the origin, by tag, with their times. */
    public Map<String, Long> beacons() {
        return Map.copyOf(beacons);
    }

    /** How many {@code Uncaught (async)} exceptions the record lists: task rejections and aborts after the handler stage. */
    public int asyncExceptions() {
        return asyncExceptions;
    }

    /** How many {@code Uncaught (in response)} exceptions the record lists. */
    public int handlerExceptions() {
        return handlerExceptions;
    }

    /** The instants at which tasks reject, in ms since the start, ascending. */
    public List<Long> rejectionTimesMs() {
        return tasks.stream().filter(t -> t.result == TaskResult.REJECTED).map(t -> t.settledAt).sorted().toList();
    }

    /** Whether some task actually rejects (before any limit or abort cuts it off). */
    public boolean someTaskRejects() {
        return rejectionsHappened;
    }

    /** The limit in ms after invocation end, or empty when unlimited (LIM-4). */
    public Optional<Long> limitMs() {
        return limitMs;
    }

    // ------------------------------------------------------------------ simulation

    private void occupy(long at, Owner owner) {
        occupants.add(new long[] {at});
        occupantOwners.add(owner);
    }

    private void schedule(long delay, Owner owner, Runnable action) {
        if (owner != null) {
            occupy(now + delay, owner);
        }
        timers.add(new Timer(now + delay, sequence++, action));
    }

    private void simulate() {
        occupy(0, new Owner(Owner.Kind.START, -1, null));
        if (fetch) {
            runSegment(0);
        } else {
            runScheduledFirstSegment();
        }
        while (!drainEnded && !timers.isEmpty()) {
            Timer timer = timers.poll();
            now = timer.at();
            timer.action().run();
        }
        if (!drainEnded) {
            finishedAtMs = null;
        }
    }

    /** Runs the handler's steps from {@code index} until it awaits or ends. */
    private void runSegment(int index) {
        List<Step> steps = scenario.steps();
        for (int i = index; i < steps.size(); i++) {
            Step step = steps.get(i);
            if (step instanceof Step.PassThrough) {
                if (!flag) {
                    flagSetAtMs = now;
                }
                flag = true;
            } else if (step instanceof Step.WaitUntil w) {
                register(w.task());
            } else if (step instanceof Step.WaitUntilNull) {
                TaskNode node = new TaskNode("null-task", null, now);
                node.settledAt = now;
                node.result = TaskResult.RESOLVED;
                tasks.add(node);
            } else if (step instanceof Step.Sleep s) {
                int next = i + 1;
                schedule(s.ms(), s.ms() > 0 ? new Owner(Owner.Kind.SLEEP, i, null) : null, () -> runSegment(next));
                return;
            } else if (step instanceof Step.ReadBody r) {
                read(r);
            } else if (step instanceof Step.Throw t) {
                if (t.async()) {
                    schedule(0, null, this::handlerThrew);
                } else {
                    handlerThrew();
                }
                return;
            } else if (step instanceof Step.Abort) {
                abort();
                return;
            } else if (step instanceof Step.Respond r) {
                respond(r, i);
                return;
            } else if (step instanceof Step.Beacon b) {
                // Awaited loopback I/O at the handler's instant: nothing else is due then, so it completes first.
                beacons.putIfAbsent(b.tag(), now);
            }
            // Log: no effect on anything the model predicts.
        }
        respondWithReport();
    }

    private void read(Step.ReadBody r) {
        if (!fetch || bodyRead) {
            return;
        }
        bodyRead = true;
        long left = requestBody.length - consumed;
        consumed += r.mode() == Step.ReadBody.Mode.FULL ? left : Math.min(left, r.bytes());
    }

    /** runScheduled: the first segment runs inside the handler call; its stage then runs as a task (EVT-1). */
    private void runScheduledFirstSegment() {
        runSegment(0);
        if (handlerStageOver) {
            return; // a synchronous throw or an abort ended it
        }
        handlerStageOver = true;
        responseDone = true;
        stageTask = new TaskNode("handler", null, now);
        tasks.add(stageTask);
        if (stageSettled) {
            stageTask.settledAt = now;
            stageTask.result = stageRejected ? TaskResult.REJECTED : TaskResult.RESOLVED;
            if (stageRejected) {
                taskRejected();
            }
        } else {
            pending++;
        }
        invocationEnd();
    }

    /** The scheduled handler's stage completed: resolved, or rejected with {@code rejected}. */
    private void stageCompleted(boolean rejected) {
        if (stageTask == null) {
            stageSettled = true; // within the first segment: settled as soon as it is registered
            stageRejected = rejected;
            return;
        }
        if (stageTask.result != null) {
            return;
        }
        settle(stageTask, rejected ? TaskResult.REJECTED : TaskResult.RESOLVED);
    }

    private void respondWithReport() {
        if (!fetch) {
            stageCompleted(false);
            return;
        }
        sendResponse(ResponseKind.REPORT, 200, null);
    }

    private void respond(Step.Respond r, int stepIndex) {
        if (!fetch) {
            stageCompleted(false);
            return;
        }
        switch (r.body()) {
            case "text" -> sendResponse(ResponseKind.TEXT, r.status(), r.text().getBytes(StandardCharsets.UTF_8));
            case "none" -> sendResponse(ResponseKind.NONE, r.status(), new byte[0]);
            case "report" -> sendResponse(ResponseKind.REPORT, r.status(), null);
            default -> startStream(r, stepIndex);
        }
    }

    private void sendResponse(ResponseKind kind, int code, byte[] body) {
        handlerStageOver = true;
        headersSent = true;
        status = code;
        response = new ExpectedResponse(kind, code, body, false, now, now);
        responseDone = true;
        invocationEnd();
    }

    private void startStream(Step.Respond r, int stepIndex) {
        handlerStageOver = true;
        headersSent = true;
        status = r.status();
        headersAt = now;
        stream = r;
        streamStep = stepIndex;
        byte[] chunk = (r.text() == null ? "chunk" : r.text()).getBytes(StandardCharsets.UTF_8);
        for (int k = 1; k <= r.chunks(); k++) {
            int number = k;
            long delay = r.chunkDelayMs() * (k - 1);
            schedule(delay, delay > 0 ? new Owner(Owner.Kind.CHUNK, stepIndex, null) : null, () -> chunk(number, chunk));
        }
    }

    private void chunk(int number, byte[] chunk) {
        if (responseDone) {
            return;
        }
        if (stream.errorAfter() > 0 && number > stream.errorAfter()) {
            streamFailed();
            return;
        }
        streamed.writeBytes(chunk);
        if (number == 1 && stream.taskWhileStreaming() != null) {
            register(stream.taskWhileStreaming());
        }
        if (number == stream.chunks()) {
            response = new ExpectedResponse(ResponseKind.STREAM, stream.status(), streamed.toByteArray(), false, headersAt, now);
            responseDone = true;
            invocationEnd();
        }
    }

    /** PT-4: an error after the headers truncates the body; the stage has ended, so no fail-open. */
    private void streamFailed() {
        errorAfterHeaders = true;
        handlerExceptions++;
        outcome = Outcome.EXCEPTION;
        status = null;
        response = new ExpectedResponse(ResponseKind.STREAM, stream.status(), streamed.toByteArray(), true, headersAt, now);
        responseDone = true;
        invocationEnd();
    }

    private void handlerThrew() {
        if (!fetch) {
            if (stageTask == null && !handlerStageOver) {
                // runScheduled's catch: a synchronous throw of the first segment.
                handlerStageOver = true;
                responseDone = true;
                handlerExceptions++;
                outcome = Outcome.EXCEPTION;
                invocationEnd();
                return;
            }
            stageCompleted(true);
            return;
        }
        handlerFailed();
    }

    /** PT-3: fail open when the flag was set and no headers were sent; else ERR-9. */
    private void handlerFailed() {
        if (handlerStageOver) {
            return;
        }
        handlerStageOver = true;
        exceptionEscaped = true;
        handlerExceptions++;
        outcome = Outcome.EXCEPTION;
        status = null;
        if (flag && !headersSent) {
            failOpen = true;
            remainder = Arrays.copyOfRange(requestBody, (int) consumed, requestBody.length);
            response = scenario.origin().mode() == Scenario.OriginSpec.Mode.MOCK
                    ? new ExpectedResponse(ResponseKind.FAIL_OPEN_RELAY, scenario.origin().status() == 0 ? 299 : scenario.origin().status(),
                    scenario.origin().body().getBytes(StandardCharsets.UTF_8), false, now, now)
                    : new ExpectedResponse(ResponseKind.FAIL_OPEN_500, 500, new byte[0], false, now, now);
        } else {
            headersSent = true;
            response = new ExpectedResponse(ResponseKind.ERROR_500, 500, ERROR_BODY.getBytes(StandardCharsets.US_ASCII), false, now, now);
        }
        responseDone = true;
        invocationEnd();
    }

    /** ABT-1, ABT-2, ABT-3, ABT-5. */
    private void abort() {
        if (drainEnded) {
            return;
        }
        aborted = true;
        cancelPending();
        if (!handlerStageOver) {
            if (fetch) {
                handlerFailed();
            } else {
                handlerStageOver = true;
                responseDone = true;
                handlerExceptions++;
                outcome = Outcome.EXCEPTION;
                invocationEnd();
            }
        } else if (fetch && !responseDone && headersSent && invocationEndMs == null) {
            streamFailed();
        } else {
            asyncExceptions++;
            outcome = Outcome.EXCEPTION;
            status = null;
        }
        invocationEnd();
        endDrain(FinishReason.ABORTED);
    }

    private void register(TaskSpec spec) {
        TaskNode node = new TaskNode(spec.tag(), spec, now);
        tasks.add(node);
        pending++;
        schedule(spec.delayMs(), new Owner(Owner.Kind.TASK, -1, spec.tag()), () -> expire(node));
    }

    private void expire(TaskNode node) {
        if (node.result != null) {
            return;
        }
        TaskSpec spec = node.spec;
        if (spec.beacon()) {
            beacons.put(spec.tag(), now);
        }
        for (TaskSpec child : spec.children()) {
            register(child);
        }
        if (spec.abort()) {
            abort();
        }
        if (node.result != null) {
            return; // cancelled by its own abort
        }
        switch (spec.outcome()) {
            case RESOLVE -> settle(node, TaskResult.RESOLVED);
            case REJECT -> settle(node, TaskResult.REJECTED);
            default -> { }
        }
    }

    private void settle(TaskNode node, TaskResult result) {
        node.settledAt = now;
        node.result = result;
        if (result == TaskResult.REJECTED) {
            taskRejected();
        }
        pending--;
        checkDrained();
    }

    /** WU-6, WU-7, WU-9: recorded, nothing else, except a scheduled event's outcome (EVT-1). */
    private void taskRejected() {
        rejectionsHappened = true;
        asyncExceptions++;
        if (!fetch && !firstTaskFailureSeen) {
            firstTaskFailureSeen = true;
            outcome = Outcome.EXCEPTION;
        }
    }

    /** LIM-1. */
    private void invocationEnd() {
        if (invocationEndMs != null) {
            return;
        }
        invocationEndMs = now;
        limitMs.ifPresent(limit -> schedule(limit, new Owner(Owner.Kind.LIMIT, -1, null), this::limitReached));
        checkDrained();
    }

    /** WU-11: the drain ends only when no task is pending. */
    private void checkDrained() {
        if (invocationEndMs != null && !drainEnded && pending == 0) {
            endDrain(aborted ? FinishReason.ABORTED : FinishReason.DRAINED);
        }
    }

    /** LIM-4, LIM-5. */
    private void limitReached() {
        if (drainEnded) {
            return;
        }
        cancelPending();
        if (!fetch && outcome == Outcome.OK) {
            outcome = Outcome.CANCELED;
        }
        endDrain(FinishReason.LIMIT);
    }

    private void cancelPending() {
        for (TaskNode node : tasks) {
            if (node.result == null) {
                node.result = TaskResult.CANCELLED;
                node.settledAt = now;
            }
        }
        pending = 0;
    }

    private void endDrain(FinishReason reason) {
        if (drainEnded) {
            return;
        }
        drainEnded = true;
        finishReason = reason;
        finishedAtMs = now;
        timers.clear(); // LIM-7, LIM-9: the invocation's timers die with it
    }
}
