# Shared helpers of the perf/ benchmark scripts (POSIX sh; sourced, not run).
# Callers set: out (results directory), pids (children to stop on exit).

# Stops every child in $pids: TERM, then KILL after half a second.
bench_cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
}

# Waits until a URL answers (10 s at most).
wait_http() {
    i=0
    until curl -s -o /dev/null "$1"; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "bench: $1 did not answer; see $out/" >&2; exit 1; }
        sleep 0.1
    done
}

# CPU seconds (utime + stime) of a process and its direct children (nginx workers), or 0 for "-".
cpu_tree() {
    [ "$1" = - ] && { echo 0; return; }
    for p in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
        [ -r "/proc/$p/stat" ] && awk '{ print $14 + $15 }' "/proc/$p/stat"
    done | awk '{ s += $1 } END { printf "%.2f", s / 100 }'
}

# A wrk latency figure (e.g. 512.00us, 1.2ms, 3s) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

# wrk_run NAME URL PID CONNS SECONDS -> "req/s p50_ms p99_ms cpu_s_per_100k" (CPU of PID's process tree)
wrk_run() {
    log="$out/wrk-$1.log"
    c0=$(cpu_tree "$3")
    wrk -t1 -c"$4" -d"$5"s --latency "$2" >"$log" 2>&1
    c1=$(cpu_tree "$3")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
    total=$(awk '/requests in/ { print $1 }' "$log")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$log")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$log")")
    per=$(awk -v a="$c0" -v b="$c1" -v n="$total" 'BEGIN { printf "%.3f", (b - a) * 100000 / n }')
    echo "$rps $p50 $p99 $per"
}

# The median of numbers on stdin.
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# col TARGET MODE FIELD: the median of a field of $rows (lines "target mode rps p50 p99 cpu").
col() {
    awk -v t="$1" -v m="$2" -v k="$3" '$1 == t && $2 == m { print $k }' "$rows" | median
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# bench_rounds ROUNDS SECONDS CONNS "name url pid" ... : interleaved throughput (CONNS) and latency (1 conn) runs;
# one line per run into $rows ("target mode rps p50 p99 cpu").
bench_rounds() {
    n=$1; secs=$2; conns=$3
    shift 3
    targets=$(printf '%s\n' "$@")
    rows=$out/rows.txt
    : >"$rows"
    echo "warm-up"
    printf '%s\n' "$targets" | while read -r name url pid; do
        wrk -t1 -c"$conns" -d"${WARMUP:-30}"s "$url" >/dev/null 2>&1
    done
    printf '%-10s %-4s %-5s %10s %8s %8s %11s\n' target mode round req/s p50ms p99ms cpu_s/100k
    r=1
    while [ "$r" -le "$n" ]; do
        for mode in tput lat; do
            c=$conns
            [ $mode = lat ] && c=1
            printf '%s\n' "$targets" | while read -r name url pid; do
                set -- $(wrk_run "$name-$mode-$r" "$url" "$pid" "$c" "$secs")
                printf '%-10s %-4s %-5s %10s %8s %8s %11s\n' "$name" $mode $r "$1" "$2" "$3" "$4"
                echo "$name $mode $1 $2 $3 $4" >>"$rows"
            done
        done
        r=$((r + 1))
    done
}

# bench_table FIRST_TARGET TARGET... : medians, with the added p50 at one connection against the first target.
bench_table() {
    base=$1
    echo
    printf '%-10s %12s %10s %11s %12s %14s\n' median req/s p99ms cpu_s/100k p50ms@1conn added_p50_us
    for t in "$@"; do
        added=$(awk -v a="$(col "$t" lat 4)" -v b="$(col "$base" lat 4)" 'BEGIN { printf "%.0f", (a - b) * 1000 }')
        printf '%-10s %12s %10s %11s %12s %14s\n' "$t" "$(col "$t" tput 3)" "$(col "$t" tput 5)" \
            "$(col "$t" tput 6)" "$(col "$t" lat 4)" "$added"
    done
}
