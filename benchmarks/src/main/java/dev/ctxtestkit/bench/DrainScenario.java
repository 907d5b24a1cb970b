package dev.ctxtestkit.bench;

import dev.ctxtestkit.runtime.FinishReason;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationRecord;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.TaskRecord;
import dev.ctxtestkit.runtime.TaskResult;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerInstance;
import dev.ctxtestkit.testkit.VirtualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The scenario shared by {@link WaitUntilDrainBenchmark} and {@link RetainedHeap}: one fetch whose handler registers
 * {@code tasks} {@code waitUntil} tasks, task {@code i} being {@code env.timers().sleep(1 + i % 10 ms)}, and answers
 * at once; the drain then runs under a {@link VirtualClock}.
 */
final class DrainScenario {
    static final String URL = "http://worker.test/";

    private DrainScenario() {
    }

    /** A worker whose fetch handler registers {@code tasks} sleeps of 1..10 ms and responds immediately. */
    static Worker worker(int tasks) {
        return Worker.fetch((request, env, ctx) -> {
            for (int i = 0; i < tasks; i++) {
                ctx.waitUntil(env.timers().sleep(Duration.ofMillis(1 + i % 10)));
            }
            return CompletableFuture.completedFuture(Response.text("ok"));
        });
    }

    /** A fresh clock and instance, one fetch, drained with {@link VirtualClock#runUntilIdle()}. */
    static InvocationRecord drainOnce(Worker worker, boolean captureSites) {
        VirtualClock clock = new VirtualClock();
        try (WorkerInstance instance = WorkerInstance.builder(worker)
                .eventLoop(clock)
                .captureRegistrationSites(captureSites)
                .build()) {
            Invocation invocation = instance.fetch(IncomingRequest.get(URL));
            clock.runUntilIdle();
            return finishedRecord(invocation);
        }
    }

    /** The record of an invocation that must have finished already (the clock was driven to idle). */
    static InvocationRecord finishedRecord(Invocation invocation) {
        InvocationRecord record = invocation.finished().toCompletableFuture().getNow(null);
        if (record == null) {
            throw new IllegalStateException("invocation #" + invocation.id() + " did not finish after runUntilIdle()");
        }
        return record;
    }

    /** Fails unless every one of the {@code tasks} tasks was registered and resolved, and the drain ended normally. */
    static void check(InvocationRecord record, int tasks, boolean captureSites) {
        if (record == null) {
            throw new IllegalStateException("no invocation record: the benchmark method did not run");
        }
        if (record.tasks().size() != tasks) {
            throw new IllegalStateException("expected " + tasks + " tasks in the record, got " + record.tasks().size());
        }
        if (record.finishReason() != FinishReason.DRAINED) {
            throw new IllegalStateException("expected the drain to end with DRAINED, got " + record.finishReason());
        }
        if (record.status().orElse(-1) != 200) {
            throw new IllegalStateException("expected status 200, got " + record.status());
        }
        for (TaskRecord t : record.tasks()) {
            if (t.result() != TaskResult.RESOLVED) {
                throw new IllegalStateException("task#" + t.index() + " ended " + t.result() + ", expected RESOLVED");
            }
            if (t.registrationSite().isEmpty() == captureSites) {
                throw new IllegalStateException("task#" + t.index() + " has registration site " + t.registrationSite()
                        + " but captureSites=" + captureSites);
            }
        }
        Duration drained = Duration.between(record.invocationEndAt(), record.finishedAt());
        if (!drained.equals(Duration.ofMillis(Math.min(tasks, 10)))) {
            throw new IllegalStateException("expected the drain to take " + Math.min(tasks, 10) + " ms of virtual time, took " + drained);
        }
    }
}
