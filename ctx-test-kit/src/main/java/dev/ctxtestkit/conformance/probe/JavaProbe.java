package dev.ctxtestkit.conformance.probe;

import dev.ctxtestkit.conformance.internal.Json;
import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.conformance.scenario.Step;
import dev.ctxtestkit.conformance.scenario.TaskSpec;
import dev.ctxtestkit.runtime.Body;
import dev.ctxtestkit.runtime.BodyPipe;
import dev.ctxtestkit.runtime.Context;
import dev.ctxtestkit.runtime.Env;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.ScheduledEvent;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.runtime.WorkerEntrypoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java probe worker: performs a {@link Scenario}'s steps as a handler would, and reports what it saw (props,
 * ctx identity, threads, bytes read, results of calls) in its response body and in beacons it sends to the origin
 * ({@code POST /__beacon/<tag>}, section 16 of the spec). One probe per worker instance: its fields are the
 * "module-level state" that survives from one invocation to the next.
 */
public final class JavaProbe {
    /** The path prefix of beacons. */
    public static final String BEACON_PREFIX = "/__beacon/";
    /** The host beacons name; with a global outbound configured it does not matter where it points. */
    public static final String BEACON_ORIGIN = "http://probe-beacons.invalid";

    /** The header that carries a run's id, on probe requests and on the beacons they cause. */
    public static final String RUN_HEADER = "x-ctx-run";

    private final Scenario scenario;
    private final String runId;
    private final AtomicInteger invocations = new AtomicInteger();
    private final Set<Context> seenContexts = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<CompletableFuture<Void>> held = new ArrayList<>();
    private Context savedCtx;

    public JavaProbe(Scenario scenario) {
        this(scenario, null);
    }

    /** A probe whose beacons carry {@value #RUN_HEADER}{@code : runId}, so a shared origin can tell runs apart. */
    public JavaProbe(Scenario scenario, String runId) {
        this.scenario = scenario;
        this.runId = runId;
    }

    /** The probe as a worker, in the scenario's form (EVT-5). */
    public Worker worker() {
        if (scenario.form() == Scenario.Form.CLASS) {
            return Worker.entrypoint(() -> new WorkerEntrypoint() {
                @Override
                public CompletionStage<Response> fetch(Request request) {
                    return JavaProbe.this.fetch(request, env(), ctx());
                }

                @Override
                public CompletionStage<?> scheduled(ScheduledEvent event) {
                    return JavaProbe.this.scheduled(env(), ctx());
                }
            });
        }
        return Worker.fetch(this::fetch).withScheduled((event, env, ctx) -> scheduled(env, ctx));
    }

    CompletionStage<Response> fetch(Request request, Env env, Context ctx) {
        return new Run(request, env, ctx).start();
    }

    CompletionStage<?> scheduled(Env env, Context ctx) {
        return new Run(null, env, ctx).start().thenApply(response -> null);
    }

    /** One invocation's interpretation of the steps. */
    private final class Run {
        private final Request request;
        private final Env env;
        private final Context ctx;
        private final int invocation;
        private final Map<String, Object> report = new LinkedHashMap<>();
        private final Set<String> threads = new LinkedHashSet<>();
        private long bytesRead;

        Run(Request request, Env env, Context ctx) {
            this.request = request;
            this.env = env;
            this.ctx = ctx;
            this.invocation = invocations.incrementAndGet();
            report.put("invocation", invocation);
            report.put("props", new LinkedHashMap<>(ctx.props()));
            synchronized (seenContexts) {
                report.put("ctxSeenBefore", !seenContexts.add(ctx));
            }
        }

        CompletionStage<Response> start() {
            threads.add(Thread.currentThread().getName());
            return runFrom(0);
        }

        private CompletionStage<Response> runFrom(int index) {
            List<Step> steps = scenario.steps();
            for (int i = index; i < steps.size(); i++) {
                Step step = steps.get(i);
                if (step.invocation() != 0 && step.invocation() != invocation) {
                    continue;
                }
                threads.add(Thread.currentThread().getName());
                if (step instanceof Step.Respond respond) {
                    return CompletableFuture.completedFuture(respond(respond));
                }
                CompletionStage<Void> awaited = perform(step);
                if (awaited != null) {
                    int next = i + 1;
                    return awaited.thenCompose(v -> runFrom(next));
                }
            }
            return CompletableFuture.completedFuture(reportResponse(200));
        }

        /** Performs a step; returns a stage to await, or null to go straight on. */
        private CompletionStage<Void> perform(Step step) {
            if (step instanceof Step.PassThrough) {
                ctx.passThroughOnException();
            } else if (step instanceof Step.WaitUntil w) {
                ctx.waitUntil(runTask(w.task()));
            } else if (step instanceof Step.WaitUntilMany w) {
                List<CompletableFuture<Void>> all = new ArrayList<>();
                for (int k = 0; k < w.count(); k++) {
                    CompletableFuture<Void> task = env.timers().sleep(Duration.ofMillis(w.delayMs())).toCompletableFuture();
                    all.add(task);
                    ctx.waitUntil(task);
                }
                ctx.waitUntil(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                        .thenCompose(v -> beacon(w.tag(), Map.of("completed", all.stream().filter(CompletableFuture::isDone).count()))));
            } else if (step instanceof Step.WaitUntilNull) {
                try {
                    ctx.waitUntil(null);
                    report.put("waitUntilNull", "accepted");
                } catch (RuntimeException e) {
                    report.put("waitUntilNull", describe(e));
                }
            } else if (step instanceof Step.Sleep s) {
                return env.timers().sleep(Duration.ofMillis(s.ms()));
            } else if (step instanceof Step.Hang) {
                return new CompletableFuture<>(); // nothing will ever complete it (ERR-3)
            } else if (step instanceof Step.ReadBody r) {
                return readBody(r);
            } else if (step instanceof Step.Throw t) {
                if (!t.async()) {
                    throw new ProbeError(t.message());
                }
                return env.timers().sleep(Duration.ZERO).thenCompose(v -> CompletableFuture.failedFuture(new ProbeError(t.message())));
            } else if (step instanceof Step.Abort a) {
                if (a.reason() == null) {
                    ctx.abort();
                } else {
                    ctx.abort(a.reason());
                }
            } else if (step instanceof Step.Beacon b) {
                return beacon(b.tag(), snapshot());
            } else if (step instanceof Step.SetTimeout t) {
                env.timers().setTimeout(() -> beacon(t.tag(), Map.of("timer", t.ms())), Duration.ofMillis(t.ms()));
            } else if (step instanceof Step.Log l) {
                switch (l.level()) {
                    case "warn" -> env.console().warn(l.message());
                    case "error" -> env.console().error(l.message());
                    default -> env.console().log(l.message());
                }
            } else if (step instanceof Step.SaveCtx) {
                savedCtx = ctx;
            } else if (step instanceof Step.UseSavedCtx) {
                useSavedCtx();
            } else if (step instanceof Step.ReleaseHeld) {
                List<CompletableFuture<Void>> release;
                synchronized (held) {
                    release = new ArrayList<>(held);
                    held.clear();
                }
                release.forEach(f -> f.complete(null));
                report.put("released", release.size());
            }
            return null;
        }

        private CompletionStage<Void> readBody(Step.ReadBody r) {
            if (request == null) {
                return null;
            }
            if (r.mode() == Step.ReadBody.Mode.FULL) {
                return request.bytes().thenAccept(b -> {
                    bytesRead += b.length;
                    report.put("bytesRead", bytesRead);
                });
            }
            return readExactly(request.body().reader(), r.bytes()).thenAccept(n -> {
                bytesRead += n;
                report.put("bytesRead", bytesRead);
            });
        }

        /**
         * Reads {@code wanted} bytes, or up to the end if the body is shorter, in as many reads as its chunks need: how
         * much a partial read consumes must not depend on how the transport happened to cut the body (PT-7).
         */
        private CompletionStage<Integer> readExactly(dev.ctxtestkit.runtime.BodyReader reader, int wanted) {
            return reader.read(wanted).thenCompose(chunk -> {
                int got = chunk == null ? 0 : chunk.length;
                if (chunk == null || got >= wanted) {
                    return CompletableFuture.completedFuture(got);
                }
                return readExactly(reader, wanted - got).thenApply(more -> got + more);
            });
        }

        private void useSavedCtx() {
            if (savedCtx == null) {
                report.put("savedCtx", "none saved");
                return;
            }
            try {
                savedCtx.waitUntil(CompletableFuture.completedFuture(null));
                report.put("savedCtx", "accepted");
            } catch (RuntimeException e) {
                report.put("savedCtx", describe(e));
            }
        }

        private CompletionStage<Void> runTask(TaskSpec task) {
            CompletableFuture<Void> result = new CompletableFuture<>();
            env.timers().sleep(Duration.ofMillis(task.delayMs()))
                    .thenCompose(v -> task.readBody() ? readInTask() : CompletableFuture.completedFuture(Map.<String, Object>of()))
                    .thenCompose(info -> {
                        threads.add(Thread.currentThread().getName());
                        return task.beacon() ? beacon(task.tag(), info) : CompletableFuture.<Void>completedFuture(null);
                    })
                    .thenRun(() -> {
                        for (TaskSpec child : task.children()) {
                            ctx.waitUntil(runTask(child));
                        }
                        if (task.abort()) {
                            ctx.abort("task " + task.tag() + " aborted the invocation");
                        }
                    })
                    .whenComplete((v, error) -> {
                        if (error != null) {
                            result.completeExceptionally(error);
                            return;
                        }
                        switch (task.outcome()) {
                            case RESOLVE -> result.complete(null);
                            case REJECT -> result.completeExceptionally(new ProbeError(task.message()));
                            case NEVER -> { }
                            case HELD -> {
                                synchronized (held) {
                                    held.add(result);
                                }
                            }
                        }
                    });
            if (task.finallyBeacon()) {
                result.whenCompleteAsync((v, e) -> beacon(task.tag() + "-finally", Map.of()), env.executor());
            }
            return result;
        }

        private CompletionStage<Map<String, Object>> readInTask() {
            return request.text().handle((text, error) -> Map.of("readBody",
                    error == null ? "read " + text.length() + " chars" : describe(unwrap(error))));
        }

        private CompletionStage<Void> beacon(String tag, Map<String, Object> info) {
            Map<String, Object> body = new LinkedHashMap<>(info);
            body.put("tag", tag);
            body.put("invocation", invocation);
            body.put("thread", Thread.currentThread().getName());
            Headers headers = Headers.of("content-type", "application/json");
            if (runId != null) {
                headers.set(RUN_HEADER, runId);
            }
            Request beacon = new Request("POST", BEACON_ORIGIN + BEACON_PREFIX + tag, headers, Body.of(Json.write(body)));
            return env.fetch(beacon).thenAccept(response -> { });
        }

        private Map<String, Object> snapshot() {
            Map<String, Object> copy = new LinkedHashMap<>(report);
            copy.put("threads", new ArrayList<>(threads));
            copy.put("bytesRead", bytesRead);
            return copy;
        }

        private Response respond(Step.Respond respond) {
            switch (respond.body()) {
                case "text":
                    return Response.text(respond.status(), respond.text());
                case "none":
                    return Response.empty(respond.status());
                case "stream":
                    return stream(respond);
                default:
                    return reportResponse(respond.status());
            }
        }

        private Response reportResponse(int status) {
            byte[] json = Json.write(snapshot()).getBytes(StandardCharsets.UTF_8);
            return new Response(status, Headers.of("content-type", "application/json"), Body.of(json));
        }

        private Response stream(Step.Respond respond) {
            BodyPipe pipe = new BodyPipe();
            byte[] chunk = (respond.text() == null ? "chunk" : respond.text()).getBytes(StandardCharsets.UTF_8);
            for (int k = 1; k <= respond.chunks(); k++) {
                int number = k;
                env.timers().setTimeout(() -> {
                    if (respond.errorAfter() > 0 && number > respond.errorAfter()) {
                        pipe.error(new ProbeError("stream broke after chunk " + respond.errorAfter()));
                        return;
                    }
                    pipe.write(chunk);
                    if (number == 1 && respond.taskWhileStreaming() != null) {
                        ctx.waitUntil(runTask(respond.taskWhileStreaming()));
                    }
                    if (number == respond.chunks()) {
                        pipe.close();
                    }
                }, Duration.ofMillis(respond.chunkDelayMs() * (k - 1)));
            }
            if (respond.chunks() == 0) {
                pipe.close();
            }
            return Response.stream(respond.status(), pipe.source());
        }
    }

    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
