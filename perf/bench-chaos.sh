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
rounds=${1:-5}
seconds=${2:-10}
conns=${CONNECTIONS:-32}
out=perf/results/chaos
mkdir -p "$out"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
real=${TOXIPROXY_SERVER:-$(command -v toxiproxy-server || echo "$HOME/go/bin/server")}
[ -x "$real" ] || { echo "bench: no real toxiproxy-server at $real (go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0)" >&2; exit 1; }
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -q -B package -DskipTests

up_port=18500; emb_api=18501; real_api=18502; emb_port=18511; real_port=18512
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

java -cp perf/target/perf.jar dev.faultline.perf.ConstantServer $up_port >"$out/upstream.log" 2>&1 &
pids="$pids $!"
java -jar chaos/target/chaos.jar --host 127.0.0.1 --port $emb_api >"$out/embedded.log" 2>&1 &
emb_pid=$!
pids="$pids $emb_pid"
"$real" -host 127.0.0.1 -port $real_api >"$out/real.log" 2>&1 &
real_pid=$!
pids="$pids $real_pid"

wait_http() {
    i=0
    until curl -s -o /dev/null "$1"; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "bench: $1 did not answer; see $out/" >&2; exit 1; }; sleep 0.1
    done
}
wait_http "http://127.0.0.1:$up_port/"
wait_http "http://127.0.0.1:$emb_api/version"
wait_http "http://127.0.0.1:$real_api/version"
for pair in "$emb_api $emb_port" "$real_api $real_port"; do
    set -- $pair
    curl -s -o /dev/null -X POST "http://127.0.0.1:$1/proxies" \
        -d "{\"name\":\"bench\",\"listen\":\"127.0.0.1:$2\",\"upstream\":\"127.0.0.1:$up_port\"}"
done

cpu() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }

# run NAME PORT PID CONNS SECONDS -> "rps p50 p99 cpu_per_100k"
run() {
    log="$out/wrk-$1.log"
    c0=0; [ "$3" = - ] || c0=$(cpu "$3")
    wrk -t1 -c"$4" -d"$5"s --latency "http://127.0.0.1:$2/" >"$log" 2>&1
    c1=0; [ "$3" = - ] || c1=$(cpu "$3")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
    total=$(awk '/requests in/ { print $1 }' "$log")
    p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$log")")
    p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$log")")
    per=$(awk -v a="$c0" -v b="$c1" -v n="$total" 'BEGIN { printf "%.3f", (b - a) * 100000 / n }')
    echo "$rps $p50 $p99 $per"
}

rows=$out/rows.txt
: >"$rows"
echo "warm-up"
for t in direct embedded real; do
    case $t in direct) p=$up_port;; embedded) p=$emb_port;; real) p=$real_port;; esac
    wrk -t1 -c"$conns" -d3s "http://127.0.0.1:$p/" >/dev/null 2>&1
done
printf '%-9s %-4s %-5s %10s %8s %8s %11s\n' target mode round req/s p50ms p99ms cpu_s/100k
r=1
while [ "$r" -le "$rounds" ]; do
    for mode in tput lat; do
        c=$conns; [ $mode = lat ] && c=1
        for t in direct embedded real; do
            case $t in direct) p=$up_port; pid=-;; embedded) p=$emb_port; pid=$emb_pid;; real) p=$real_port; pid=$real_pid;; esac
            set -- $(run "$t-$mode-$r" $p $pid $c "$seconds")
            printf '%-9s %-4s %-5s %10s %8s %8s %11s\n' $t $mode $r "$1" "$2" "$3" "$4"
            echo "$t $mode $1 $2 $3 $4" >>"$rows"
        done
    done
    r=$((r + 1))
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v t="$1" -v m="$2" -v k="$3" '$1 == t && $2 == m { print $k }' "$rows" | median; }
echo
printf '%-9s %12s %10s %10s %11s %16s\n' median req/s p99ms cpu_s/100k p50ms@1conn added_p50_us@1conn
for t in direct embedded real; do
    added=$(awk -v a="$(col $t lat 4)" -v b="$(col direct lat 4)" 'BEGIN { printf "%.0f", (a - b) * 1000 }')
    printf '%-9s %12s %10s %10s %11s %16s\n' $t "$(col $t tput 3)" "$(col $t tput 5)" "$(col $t tput 6)" "$(col $t lat 4)" "$added"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "throughput ratio embedded/real: $(ratio "$(col embedded tput 3)" "$(col real tput 3)")"
echo "CPU per request ratio embedded/real: $(ratio "$(col embedded tput 6)" "$(col real tput 6)")"
