#!/bin/sh
# Pass-through cost of the embedded fault injector (chaos.jar, run as its own process) against the real
# toxiproxy-server, measured with wrk in the same run, interleaved: HTTP GETs to a constant Vert.x upstream,
# directly and through a toxic-free proxy of each.
# Usage: perf/bench-chaos.sh [rounds] [seconds]            defaults: 5 10
# Env:   TOXIPROXY_SERVER  the real server binary (default: toxiproxy-server on PATH, else ~/go/bin/server)
#        CONNECTIONS       wrk connections for the throughput runs (default 32); latency runs use 1
#        SKIP_BUILD=1      use the jars already built
# Prints per run: req/s, p50 and p99 (ms), proxy CPU seconds per 100k requests; then medians, the added p50
# latency at one connection, and ratios embedded / real. Everything listens on 127.0.0.1; all children stop on exit.
set -eu
cd "$(dirname "$0")/.."
. perf/lib.sh
rounds=${1:-5}
seconds=${2:-10}
conns=${CONNECTIONS:-32}
out=$(pwd)/perf/results/chaos
mkdir -p "$out"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
real=${TOXIPROXY_SERVER:-$(command -v toxiproxy-server || echo "$HOME/go/bin/server")}
[ -x "$real" ] || { echo "bench: no real toxiproxy-server at $real (go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0)" >&2; exit 1; }
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -q -B package -DskipTests

up_port=18500; emb_api=18501; real_api=18502; emb_port=18511; real_port=18512
pids=""
trap bench_cleanup EXIT INT TERM

java -cp perf/target/perf.jar dev.faultline.perf.ConstantServer $up_port >"$out/upstream.log" 2>&1 &
pids="$pids $!"
java -jar chaos/target/chaos.jar --host 127.0.0.1 --port $emb_api >"$out/embedded.log" 2>&1 &
emb_pid=$!
pids="$pids $emb_pid"
"$real" -host 127.0.0.1 -port $real_api >"$out/real.log" 2>&1 &
real_pid=$!
pids="$pids $real_pid"

wait_http "http://127.0.0.1:$up_port/"
wait_http "http://127.0.0.1:$emb_api/version"
wait_http "http://127.0.0.1:$real_api/version"
for pair in "$emb_api $emb_port" "$real_api $real_port"; do
    set -- $pair
    curl -s -o /dev/null -X POST "http://127.0.0.1:$1/proxies" \
        -d "{\"name\":\"bench\",\"listen\":\"127.0.0.1:$2\",\"upstream\":\"127.0.0.1:$up_port\"}"
done

bench_rounds "$rounds" "$seconds" "$conns" "direct http://127.0.0.1:$up_port/ -" \
    "embedded http://127.0.0.1:$emb_port/ $emb_pid" "real http://127.0.0.1:$real_port/ $real_pid"
bench_table direct embedded real
echo "throughput ratio embedded/real: $(ratio "$(col embedded tput 3)" "$(col real tput 3)")"
echo "CPU per request ratio embedded/real: $(ratio "$(col embedded tput 6)" "$(col real tput 6)")"
