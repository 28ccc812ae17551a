#!/bin/sh
# Throughput of the word-game server (POST /new + POST /guess, played to the end of each game) against a bare
# Vert.x server answering a constant, measured by the same Gatling simulation in the same run, interleaved.
# Usage: perf/bench-wordgame-http.sh [rounds] [seconds] [users]      defaults: 3 20 32
# Env: WORDGAME_ARGS  extra flags for the word-game server (default: --access-log=false)
#      SKIP_BUILD=1   use the jars already built
# Prints one row per run (requests, req/s, p50/p99 ms, server CPU seconds per 100k requests), then medians and the
# ratio word-game / constant. Everything listens on 127.0.0.1 only; both servers are stopped on exit.
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-20}
users=${3:-32}
wg_port=18337
const_port=18400
out=perf/results/wordgame-http
mkdir -p "$out"

[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -q -B package -DskipTests

pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM

# shellcheck disable=SC2086
java -jar wordgame-server/target/wordgame-server.jar --host 127.0.0.1 --port $wg_port \
    ${WORDGAME_ARGS:---access-log=false} >"$out/wordgame.log" 2>&1 &
wg_pid=$!
pids="$pids $wg_pid"
java -cp perf/target/perf.jar dev.faultline.perf.ConstantServer $const_port >"$out/constant.log" 2>&1 &
const_pid=$!
pids="$pids $const_pid"

wait_up() {
    i=0
    until curl -s -o /dev/null -X POST "http://127.0.0.1:$1/new"; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "bench: server on port $1 did not start; see $out/" >&2; exit 1; }
        sleep 0.1
    done
}
wait_up $wg_port
wait_up $const_port

cpu_seconds() { # utime + stime of a process, in seconds
    awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"
}

run() { # name port pid seconds -> prints: requests rps p50 p99 cpu_s
    log="$out/gatling-$1.log"
    c0=$(cpu_seconds "$3")
    ./mvnw -q -B -pl perf gatling:test -Dperf.gatling.skip=false \
        -Dgatling.simulationClass=dev.faultline.perf.simulations.WordgameThroughputSimulation \
        -DbaseUrl="http://127.0.0.1:$2" -Dseconds="$4" -Dusers="$users" >"$log" 2>&1 ||
        { echo "bench: gatling failed against $1; see $log" >&2; exit 1; }
    c1=$(cpu_seconds "$3")
    field() { grep "> $1" "$log" | tail -n 1 | awk -F'|' '{ gsub(/[ ,]/, "", $2); print $2 }'; }
    echo "$(field 'request count') $(field 'mean throughput') $(field 'response time 50th') $(field 'response time 99th') $(awk "BEGIN { printf \"%.2f\", $c1 - $c0 }")"
}

echo "warm-up (5 s each)"
run warmup-wordgame $wg_port $wg_pid 5 >/dev/null
run warmup-constant $const_port $const_pid 5 >/dev/null

printf '%-9s %-5s %10s %10s %6s %6s %12s\n' target round requests req/s p50ms p99ms cpu_s/100k
rows=$out/rows.txt
: >"$rows"
r=1
while [ $r -le "$rounds" ]; do
    for t in wordgame constant; do
        if [ $t = wordgame ]; then set -- $(run "$t-$r" $wg_port $wg_pid "$seconds"); else set -- $(run "$t-$r" $const_port $const_pid "$seconds"); fi
        per100k=$(awk "BEGIN { printf \"%.3f\", $5 * 100000 / $1 }")
        printf '%-9s %-5s %10s %10s %6s %6s %12s\n' $t $r "$1" "$2" "$3" "$4" "$per100k"
        echo "$t $2 $3 $4 $per100k" >>"$rows"
    done
    r=$((r + 1))
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { grep "^$1 " "$rows" | awk "{ print \$$2 }" | median; }
echo
printf '%-9s %10s %6s %6s %12s\n' median req/s p50ms p99ms cpu_s/100k
for t in wordgame constant; do
    printf '%-9s %10s %6s %6s %12s\n' $t "$(col $t 2)" "$(col $t 3)" "$(col $t 4)" "$(col $t 5)"
done
echo "throughput ratio wordgame/constant: $(awk "BEGIN { printf \"%.3f\", $(col wordgame 2) / $(col constant 2) }")"
echo "CPU per request ratio wordgame/constant: $(awk "BEGIN { printf \"%.3f\", $(col wordgame 5) / $(col constant 5) }")"
