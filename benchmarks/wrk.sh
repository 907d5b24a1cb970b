#!/usr/bin/env bash
# P5: HTTP load with wrk on loopback against (a) a plain origin (the JDK's HttpServer answering 200 "ok") and (b) the
# reference WorkerServer proxying to it with env.fetch plus one waitUntil task per request (a timer of 0 ms, then of
# 500 ms). Each target gets a short warm-up run (JIT), then the measured run; the summary prints requests/s and the
# p50/p99 latency of each. See benchmarks/README.md.
#
#   benchmarks/wrk.sh                      # wrk -t2 -c32 -d10s --latency per target
#   DURATION=30s CONNECTIONS=64 benchmarks/wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
JAR=benchmarks/target/benchmarks.jar
OUT=${OUT:-benchmarks/target/wrk}

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk is not installed; on Debian/Ubuntu: apt-get update && apt-get install -y wrk" >&2
    exit 2
fi
if [ ! -f "$JAR" ]; then
    mvn -B -q -DskipTests package -pl benchmarks -am
fi
mkdir -p "$OUT"

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

# start NAME MAIN ARGS...: starts a JVM, waits (at most 30 s) for its LISTENING line, sets URL.
start() {
    local name=$1
    shift
    java -Xmx512m -cp "$JAR" "$@" > "$OUT/$name.log" 2>&1 &
    PIDS+=("$!")
    local pid=$!
    for _ in $(seq 300); do
        if grep -q '^LISTENING ' "$OUT/$name.log"; then
            URL=$(grep -m1 '^LISTENING ' "$OUT/$name.log" | awk '{print $2}')
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "$name did not start:" >&2
    cat "$OUT/$name.log" >&2
    exit 1
}

# stop PID: stops a JVM started by start() and waits for it (its shutdown hook prints its counts).
stop() {
    kill "$1"
    wait "$1" 2>/dev/null || true
}

# load NAME URL: warm-up run, then the measured run into $OUT/NAME.wrk.
load() {
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$2" > /dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2" > "$OUT/$1.wrk"
}

summary() {
    local file=$OUT/$1.wrk
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
    p50=$(awk '$1 == "50%" {print $2}' "$file")
    p99=$(awk '$1 == "99%" {print $2}' "$file")
    errors=$(grep -E 'Non-2xx|Socket errors' "$file" | tr -s ' ' | paste -sd ';' - || true)
    printf '%-34s %12s %10s %10s  %s\n' "$1" "$rps" "$p50" "$p99" "${errors:-no errors}"
}

start origin dev.ctxtestkit.bench.PlainOrigin
ORIGIN=$URL
ORIGIN_PID=${PIDS[-1]}
load origin "$ORIGIN/"

start worker-task-0ms dev.ctxtestkit.bench.FetchProxyWorker "$ORIGIN" 0
WORKER_PID=${PIDS[-1]}
load worker-task-0ms "$URL/"
stop "$WORKER_PID"

start worker-task-500ms dev.ctxtestkit.bench.FetchProxyWorker "$ORIGIN" 500
WORKER_PID=${PIDS[-1]}
load worker-task-500ms "$URL/"
stop "$WORKER_PID"

# The same proxy in real workerd (P5, second half), if it is installed (scripts/install-workerd.sh).
WORKERD=no
if ls .tools/workerd/node_modules/@cloudflare/workerd-*/bin/workerd >/dev/null 2>&1 || [ -n "${WORKERD_PATH:-}" ]; then
    WORKERD=yes
    start workerd-task-0ms dev.ctxtestkit.bench.WorkerdProxy "$ORIGIN"
    WORKER_PID=${PIDS[-1]}
    load workerd-task-0ms "$URL/?task=0"
    load workerd-task-500ms "$URL/?task=500"
    stop "$WORKER_PID"
fi
stop "$ORIGIN_PID"
PIDS=()

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up), loopback, $(nproc) cores shared by wrk and the JVMs"
printf '%-34s %12s %10s %10s  %s\n' target requests/s p50 p99 errors
summary origin
summary worker-task-0ms
summary worker-task-500ms
if [ "$WORKERD" = yes ]; then
    summary workerd-task-0ms
    summary workerd-task-500ms
fi
echo
grep -h '^FINISHED' "$OUT"/worker-task-*.log | sed 's/^/worker: /' || true
echo "full wrk output: $OUT/*.wrk"
