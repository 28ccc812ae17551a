#!/bin/sh
# What a run's profiling costs: two identical word-game servers, one with async-profiler recording as the harness
# records a phase (CPU samples every 10 ms, with the itimer/wall fallback, plus allocation samples every 512 KiB),
# one without; wrk against GET /status of each, interleaved, medians.
# Usage: perf/bench-profiler-overhead.sh [rounds] [seconds]      defaults: 5 10
# Env:   CONNECTIONS (default 32; latency runs use 1), SKIP_BUILD=1 to use the jars already built.
set -eu
cd "$(dirname "$0")/.."
. perf/lib.sh
rounds=${1:-5}
seconds=${2:-10}
conns=${CONNECTIONS:-32}
out=$(pwd)/perf/results/profiler-overhead
mkdir -p "$out"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -q -B package -DskipTests

plain=18750; profiled=18751
pids=""
stop_profiler() {
    [ -n "${prof_pid:-}" ] && java -cp perf/target/perf.jar one.profiler.AsyncProfilerLoader profiler stop \
        -f "$out/profiled.jfr" "$prof_pid" >/dev/null 2>&1 || true
    bench_cleanup
}
trap stop_profiler EXIT INT TERM

java -jar wordgame-server/target/wordgame-server.jar --host 127.0.0.1 --port $plain --access-log=false \
    >"$out/plain.log" 2>&1 &
plain_pid=$!
pids="$pids $plain_pid"
java -jar wordgame-server/target/wordgame-server.jar --host 127.0.0.1 --port $profiled --access-log=false \
    >"$out/profiled.log" 2>&1 &
prof_pid=$!
pids="$pids $prof_pid"
wait_http "http://127.0.0.1:$plain/health"
wait_http "http://127.0.0.1:$profiled/health"
for p in $plain_pid $prof_pid; do
    kill -0 "$p" 2>/dev/null || { echo "bench: a word-game server did not start (port taken?); see $out/" >&2; exit 1; }
done

# the same command line the harness uses per phase (dev.faultline.perf.profile.AsyncProfiler)
java -cp perf/target/perf.jar one.profiler.AsyncProfilerLoader profiler start -e cpu -i 10ms --alloc 512k \
    -f "$out/profiled.jfr" "$prof_pid" >"$out/asprof.log" 2>&1 ||
    { echo "bench: async-profiler did not start; see $out/asprof.log" >&2; exit 1; }

bench_rounds "$rounds" "$seconds" "$conns" "plain http://127.0.0.1:$plain/status $plain_pid" \
    "profiled http://127.0.0.1:$profiled/status $prof_pid"
bench_table plain profiled
echo "throughput ratio profiled/plain: $(ratio "$(col profiled tput 3)" "$(col plain tput 3)")"
echo "CPU per request ratio profiled/plain: $(ratio "$(col profiled tput 6)" "$(col plain tput 6)")"
