#!/bin/sh
# JMH benchmark of the word-game logic (wordgame-server/src/test/java/.../bench/GameBenchmark.java).
# Usage: perf/bench-wordgame-jmh.sh [JMH options]   default: -f 3 -wi 3 -i 5 -w 1s -r 1s
# Results: JSON in perf/results/wordgame-jmh.json (git-ignored), table on stdout.
set -eu
cd "$(dirname "$0")/.."
mkdir -p perf/results
args=${*:-"-f 3 -wi 3 -i 5 -w 1s -r 1s"}
./mvnw -q -B -pl wordgame-server test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
cp="wordgame-server/target/test-classes:wordgame-server/target/classes:$(cat wordgame-server/target/test-classpath.txt)"
# shellcheck disable=SC2086
exec java -cp "$cp" org.openjdk.jmh.Main GameBenchmark $args -rf json -rff perf/results/wordgame-jmh.json
