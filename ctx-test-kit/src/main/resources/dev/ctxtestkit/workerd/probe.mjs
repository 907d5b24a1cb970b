// ctx-test-kit probe worker for JavaScript runtimes (workerd, Cloudflare, Miniflare).
//
// Mirrors dev.ctxtestkit.conformance.probe.JavaProbe + ProbeRouter: every request carries its scenario in
// `x-ctx-scenario` (base64url, no padding, of the ScenarioJson form) and its run id in `x-ctx-run`. Requests of one
// run share module-level state (invocation counter, ctx objects seen, saved ctx, held task resolvers). The handler
// performs the scenario's steps and reports what JavaScript saw, in its response body and in beacons
// (POST http://probe-beacons.invalid/__beacon/<tag>) that the worker's globalOutbound delivers to the mock origin.

const SCENARIO_HEADER = "x-ctx-scenario";
const RUN_HEADER = "x-ctx-run";
const BEACON_ORIGIN = "http://probe-beacons.invalid";
const BEACON_PREFIX = "/__beacon/";
const MAX_RUNS = 256;
const THREAD = "js";

// ---------------------------------------------------------------------------------------------------------------
// Module-level state: runId -> RunState, least recently used first (Map keeps insertion order).

const runs = new Map();

function newRunState(scenario, runId) {
  return {
    scenario, // like ProbeRouter, the scenario of the run's first request is kept for the whole run
    runId,
    invocations: 0,
    seenContexts: new Set(),
    savedCtx: undefined,
    held: [],
  };
}

function stateFor(runId, scenario) {
  if (runId == null) {
    return newRunState(scenario, null);
  }
  let state = runs.get(runId);
  if (state) {
    runs.delete(runId); // move to the most recently used end
  } else {
    state = newRunState(scenario, runId);
  }
  runs.set(runId, state);
  while (runs.size > MAX_RUNS) {
    runs.delete(runs.keys().next().value);
  }
  return state;
}

// ---------------------------------------------------------------------------------------------------------------
// Scenario decoding and validation (the fields ScenarioJson.fromMap requires).

const STEP_OPS = new Set(["passThrough", "waitUntil", "waitUntilMany", "waitUntilNull", "sleep", "readBody", "throw",
  "abort", "beacon", "setTimeout", "log", "saveCtx", "useSavedCtx", "releaseHeld", "hang", "respond"]);
const OUTCOMES = new Set(["resolve", "reject", "never", "held"]);
const RESPOND_BODIES = new Set(["report", "text", "stream", "none"]);

class ScenarioError extends Error {}

function decodeBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new ScenarioError("not base64url (A-Z a-z 0-9 - _, no padding)");
  }
  let b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  b64 += "=".repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ScenarioError("decoded bytes are not UTF-8");
  }
}

function field(obj, key, type, where) {
  if (!(key in obj)) {
    throw new ScenarioError(`scenario JSON: missing field '${where}${key}'`);
  }
  const v = obj[key];
  const ok = type === "object" ? v !== null && typeof v === "object" && !Array.isArray(v)
    : type === "array" ? Array.isArray(v)
    : typeof v === type;
  if (!ok) {
    throw new ScenarioError(`scenario JSON: field '${where}${key}' must be ${type === "object" ? "an object" : type === "array" ? "an array" : "a " + type}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function optBool(obj, key, where) {
  const v = obj[key];
  if (v == null) return false;
  if (typeof v !== "boolean") {
    throw new ScenarioError(`scenario JSON: field '${where}${key}' must be true or false, got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkTask(t, where) {
  if (t === null || typeof t !== "object" || Array.isArray(t)) {
    throw new ScenarioError(`scenario JSON: field '${where}' must be an object`);
  }
  const w = where + ".";
  field(t, "tag", "string", w);
  const delay = field(t, "delayMs", "number", w);
  if (delay < 0) throw new ScenarioError(`task '${t.tag}': delayMs must not be negative: ${delay}`);
  const outcome = field(t, "outcome", "string", w);
  if (!OUTCOMES.has(outcome.toLowerCase())) {
    throw new ScenarioError(`'${outcome}' is not one of [resolve, reject, never, held]`);
  }
  for (const k of ["beacon", "finallyBeacon", "readBody", "abort"]) optBool(t, k, w);
  field(t, "children", "array", w).forEach((c, i) => checkTask(c, `${w}children[${i}]`));
}

function checkScenario(s) {
  if (s === null || typeof s !== "object" || Array.isArray(s)) {
    throw new ScenarioError("scenario JSON: the top level must be an object");
  }
  field(s, "name", "string", "");
  const steps = field(s, "steps", "array", "");
  steps.forEach((step, i) => {
    const w = `steps[${i}].`;
    if (step === null || typeof step !== "object") throw new ScenarioError(`scenario JSON: ${w.slice(0, -1)} must be an object`);
    const op = field(step, "op", "string", w);
    if (!STEP_OPS.has(op)) throw new ScenarioError(`unknown step op '${op}'`);
    if ("invocation" in step) field(step, "invocation", "number", w);
    switch (op) {
      case "waitUntil": checkTask(step.task, w + "task"); break;
      case "waitUntilMany":
        field(step, "tag", "string", w);
        if (field(step, "count", "number", w) < 1) throw new ScenarioError(`waitUntilMany: count must be at least 1: ${step.count}`);
        field(step, "delayMs", "number", w);
        break;
      case "sleep": field(step, "ms", "number", w); break;
      case "readBody":
        if (!["partial", "full"].includes(field(step, "mode", "string", w).toLowerCase())) {
          throw new ScenarioError(`'${step.mode}' is not one of [partial, full]`);
        }
        field(step, "bytes", "number", w);
        break;
      case "throw": field(step, "message", "string", w); optBool(step, "async", w); break;
      case "beacon": field(step, "tag", "string", w); break;
      case "setTimeout": field(step, "ms", "number", w); field(step, "tag", "string", w); break;
      case "log": field(step, "level", "string", w); field(step, "message", "string", w); break;
      case "respond":
        field(step, "status", "number", w);
        if (!RESPOND_BODIES.has(field(step, "body", "string", w))) {
          throw new ScenarioError(`respond.body must be report, text, stream or none: ${step.body}`);
        }
        field(step, "chunks", "number", w);
        field(step, "chunkDelayMs", "number", w);
        field(step, "errorAfter", "number", w);
        if (step.taskWhileStreaming != null) checkTask(step.taskWhileStreaming, w + "taskWhileStreaming");
        break;
    }
  });
  return s;
}

function decodeScenario(header) {
  const json = decodeBase64Url(header);
  let parsed;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new ScenarioError(`not JSON: ${e.message}`);
  }
  return checkScenario(parsed);
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers.

function sleep(ms) {
  if (typeof scheduler !== "undefined" && typeof scheduler.wait === "function") {
    return scheduler.wait(Number(ms));
  }
  return new Promise((resolve) => setTimeout(resolve, Number(ms)));
}

function describe(e) {
  if (e instanceof Error || (e && typeof e === "object" && "name" in e && "message" in e)) {
    return `${e.name}: ${e.message}`;
  }
  return String(e);
}

function text400(message) {
  return new Response(message, { status: 400 });
}

// ---------------------------------------------------------------------------------------------------------------
// One invocation's interpretation of the steps (JavaProbe.Run).

class Run {
  constructor(state, request, env, ctx) {
    this.state = state;
    this.request = request;
    this.env = env;
    this.ctx = ctx;
    this.invocation = ++state.invocations;
    this.bytesRead = 0;
    this.reader = null;
    this.report = {};
    this.report.invocation = this.invocation;
    let props = {};
    try {
      props = ctx.props ?? {};
    } catch (e) {
      props = { error: describe(e) };
    }
    this.report.props = props;
    const seen = state.seenContexts.has(ctx);
    state.seenContexts.add(ctx);
    this.report.ctxSeenBefore = seen;
  }

  // Runs the steps from `index`: returns a Response synchronously when no step needs awaiting, else a Promise.
  // A synchronous `throw` step therefore throws out of fetch() itself, like JavaProbe.
  runFrom(index) {
    const steps = this.state.scenario.steps;
    for (let i = index; i < steps.length; i++) {
      const step = steps[i];
      const inv = step.invocation ?? 0;
      if (inv !== 0 && inv !== this.invocation) {
        continue;
      }
      if (step.op === "respond") {
        return this.respond(step);
      }
      const awaited = this.perform(step);
      if (awaited != null) {
        return awaited.then(() => this.runFrom(i + 1));
      }
    }
    return this.reportResponse(200);
  }

  // Performs a step; returns a promise to await, or null to go straight on.
  perform(step) {
    const ctx = this.ctx;
    switch (step.op) {
      case "passThrough":
        ctx.passThroughOnException();
        return null;
      case "waitUntil":
        ctx.waitUntil(this.runTask(step.task));
        return null;
      case "waitUntilMany": {
        const all = [];
        let completed = 0;
        for (let k = 0; k < step.count; k++) {
          const task = sleep(step.delayMs).then(() => { completed++; });
          all.push(task);
          ctx.waitUntil(task);
        }
        ctx.waitUntil(Promise.all(all).then(() => this.beacon(step.tag, { completed })));
        return null;
      }
      case "waitUntilNull":
        try {
          ctx.waitUntil(null);
          this.report.waitUntilNull = "accepted";
        } catch (e) {
          this.report.waitUntilNull = describe(e);
        }
        return null;
      case "sleep":
        return sleep(step.ms);
      case "hang":
        // Nothing will ever settle this, and nothing else is pending because of it: hang detection (ERR-3).
        return new Promise(() => {});
      case "readBody":
        return this.readBody(step);
      case "throw":
        if (!step.async) {
          throw new Error(step.message);
        }
        return sleep(0).then(() => { throw new Error(step.message); });
      case "abort":
        if (step.reason == null) {
          ctx.abort();
        } else {
          ctx.abort(step.reason);
        }
        return null;
      case "beacon":
        return this.beacon(step.tag, this.snapshot());
      case "setTimeout":
        // A plain timer, not a task (LIM-7): nothing keeps the invocation alive for it.
        setTimeout(() => { this.beacon(step.tag, { timer: step.ms }).catch(() => {}); }, Number(step.ms));
        return null;
      case "log":
        if (step.level === "warn") console.warn(step.message);
        else if (step.level === "error") console.error(step.message);
        else console.log(step.message);
        return null;
      case "saveCtx":
        this.state.savedCtx = ctx;
        return null;
      case "useSavedCtx":
        this.useSavedCtx();
        return null;
      case "releaseHeld": {
        const release = this.state.held.splice(0);
        release.forEach((resolve) => resolve());
        this.report.released = release.length;
        return null;
      }
      default:
        throw new Error(`unknown step op '${step.op}'`);
    }
  }

  readBody(step) {
    const request = this.request;
    if (request == null) {
      return null;
    }
    if (String(step.mode).toLowerCase() === "full") {
      return request.arrayBuffer().then((buf) => {
        this.bytesRead += buf.byteLength;
        this.report.bytesRead = this.bytesRead;
      });
    }
    // partial: exactly `bytes` bytes (all of them, if the body is shorter), in as many reads as the chunks need, so
    // that what is left does not depend on how the transport cut the body. A BYOB reader never takes more than it is
    // asked for (workerd's request body is a byte stream); where BYOB is unavailable, whole chunks from a default
    // reader until `bytes` are reached, so the last may overshoot. The reader is kept (never cancelled or released),
    // so the unread remainder stays in the stream (PT-7).
    const max = Math.max(1, Number(step.bytes) || 1);
    if (this.reader == null) {
      if (request.body == null) {
        this.report.bytesRead = this.bytesRead;
        return null;
      }
      try {
        this.reader = { byob: true, r: request.body.getReader({ mode: "byob" }) };
      } catch {
        this.reader = { byob: false, r: request.body.getReader() };
      }
    }
    const reader = this.reader;
    const readMore = (wanted) => {
      const read = reader.byob ? reader.r.read(new Uint8Array(wanted)) : reader.r.read();
      return read.then(({ value, done }) => {
        const got = value == null ? 0 : value.byteLength;
        this.bytesRead += got;
        this.report.bytesRead = this.bytesRead;
        return done || got >= wanted ? null : readMore(wanted - got);
      });
    };
    return readMore(max);
  }

  useSavedCtx() {
    const saved = this.state.savedCtx;
    if (saved == null) {
      this.report.savedCtx = "none saved";
      return;
    }
    try {
      saved.waitUntil(Promise.resolve());
      this.report.savedCtx = "accepted";
    } catch (e) {
      this.report.savedCtx = describe(e);
    }
  }

  runTask(task) {
    const result = (async () => {
      await sleep(task.delayMs);
      const info = task.readBody ? await this.readInTask() : {};
      if (task.beacon) {
        await this.beacon(task.tag, info);
      }
      for (const child of task.children ?? []) {
        this.ctx.waitUntil(this.runTask(child));
      }
      if (task.abort) {
        this.ctx.abort(`task ${task.tag} aborted the invocation`);
      }
      switch (String(task.outcome).toLowerCase()) {
        case "reject":
          throw new Error(task.message ?? task.tag);
        case "never":
          await new Promise(() => {});
          break;
        case "held":
          await new Promise((resolve) => { this.state.held.push(resolve); });
          break;
        default: // resolve
          break;
      }
    })();
    if (task.finallyBeacon) {
      // A continuation of the task, not a task of its own: nothing new is registered.
      const after = () => this.beacon(`${task.tag}-finally`, {});
      result.then(after, after).catch(() => {});
    }
    return result;
  }

  async readInTask() {
    try {
      const text = await this.request.text();
      return { readBody: `read ${text.length} chars` };
    } catch (e) {
      return { readBody: describe(e) };
    }
  }

  async beacon(tag, info) {
    const body = { ...info, tag, invocation: this.invocation, thread: THREAD };
    const headers = { "content-type": "application/json" };
    if (this.state.runId != null) {
      headers[RUN_HEADER] = this.state.runId;
    }
    // With a BEACONS service binding, beacons go there: the globalOutbound is also the fail-open target (PT-5), and a
    // scenario whose fallback is refused must still be able to report what its tasks did.
    const send = this.env && this.env.BEACONS ? (url, init) => this.env.BEACONS.fetch(url, init) : fetch;
    const response = await send(BEACON_ORIGIN + BEACON_PREFIX + tag, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    if (response.body) {
      await response.body.cancel();
    }
  }

  snapshot() {
    const copy = { ...this.report };
    copy.threads = [THREAD];
    copy.bytesRead = this.bytesRead;
    return copy;
  }

  respond(step) {
    switch (step.body) {
      case "text":
        return new Response(step.text ?? "", { status: step.status });
      case "none":
        return new Response(null, { status: step.status });
      case "stream":
        return this.stream(step);
      default:
        return this.reportResponse(step.status);
    }
  }

  reportResponse(status) {
    return new Response(JSON.stringify(this.snapshot()), {
      status,
      headers: { "content-type": "application/json" },
    });
  }

  stream(step) {
    const chunk = new TextEncoder().encode(step.text == null ? "chunk" : step.text);
    const chunks = step.chunks;
    const errorAfter = step.errorAfter;
    let done = false;
    const body = new ReadableStream({
      start: (controller) => {
        if (chunks === 0) {
          done = true;
          controller.close();
          return;
        }
        for (let k = 1; k <= chunks; k++) {
          const number = k;
          setTimeout(() => {
            if (done) return;
            if (errorAfter > 0 && number > errorAfter) {
              done = true;
              controller.error(new Error(`stream broke after chunk ${errorAfter}`));
              return;
            }
            try {
              controller.enqueue(chunk.slice());
            } catch {
              done = true; // the client went away and the stream was cancelled
              return;
            }
            if (number === 1 && step.taskWhileStreaming != null) {
              this.ctx.waitUntil(this.runTask(step.taskWhileStreaming));
            }
            if (number === chunks) {
              done = true;
              controller.close();
            }
          }, Number(step.chunkDelayMs) * (k - 1));
        }
      },
      cancel: () => {
        done = true;
      },
    });
    return new Response(body, { status: step.status });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The router (ProbeRouter).

export default {
  fetch(request, env, ctx) {
    const encoded = request.headers.get(SCENARIO_HEADER);
    if (encoded == null) {
      return text400(`this is the ctx-test-kit probe worker: send a scenario in the ${SCENARIO_HEADER} header `
        + `(base64url of its JSON) and a run id in ${RUN_HEADER}\n`);
    }
    let scenario;
    try {
      scenario = decodeScenario(encoded.trim());
    } catch (e) {
      return text400(`bad ${SCENARIO_HEADER}: ${e.message}\n`);
    }
    const state = stateFor(request.headers.get(RUN_HEADER), scenario);
    return new Run(state, request, env, ctx).runFrom(0);
  },
};

