#!/bin/sh
# The connection-storm investigation (perf.md): runs the connection-storm experiment N times, prints the per-phase
# table (medians over the runs, ranges for the key ratios) and saves the word-game server's flame graphs of chosen
# phases of the last run as images under docs/perf/ (headless Chromium).
# Usage: perf/connection-storm.sh [runs]          default 3
# Env:   SKIP_BUILD=1 to use the jars already built; CHROMIUM_BIN (default: chromium on PATH).
set -eu
cd "$(dirname "$0")/.."
runs=${1:-3}
out=$(pwd)/perf/results/connection-storm
mkdir -p "$out"
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -q -B install -DskipTests
: >"$out/runs.txt"
i=0
while [ $i -lt "$runs" ]; do
    i=$((i + 1))
    echo "storm: run $i of $runs" >&2
    (cd gatling && ../mvnw -B gatling:test -Dexperiment=connection-storm -Dreport=false) >"$out/run-$i.log" 2>&1 ||
        echo "storm: run $i: some hypotheses failed (see $out/run-$i.log)" >&2
    dir=$(sed -n 's/^Faultline experiment connection-storm (\(.*\))$/\1/p' "$out/run-$i.log" | tail -n 1)
    [ -n "$dir" ] || { echo "storm: run $i left no run directory; see $out/run-$i.log" >&2; exit 1; }
    echo "$dir" >>"$out/runs.txt"
done
# shellcheck disable=SC2046
java -cp perf/target/perf.jar dev.faultline.perf.report.StormTable $(cat "$out/runs.txt") | tee "$out/table.md"

chromium=${CHROMIUM_BIN:-$(command -v chromium || true)}
if [ -z "$chromium" ]; then
    echo "storm: no chromium: flame graph images not made" >&2
    exit 0
fi
last=$(tail -n 1 "$out/runs.txt")
mkdir -p docs/perf
for phase in rsa2048-cold-start rsa2048 rsa4096 ecdsa rsa2048-session rsa2048-keepalive; do
    html="$last/profiles/$phase/wordgame.html"
    [ -f "$html" ] || continue
    "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,1800 \
        --screenshot="docs/perf/flame-$phase.png" "file://$html" >/dev/null 2>&1 ||
        echo "storm: could not take the screenshot of $html" >&2
done
echo "storm: images in docs/perf/, table in $out/table.md, run directories in $out/runs.txt" >&2
