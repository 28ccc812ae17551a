#!/bin/sh
# JMH benchmark of the word-game server's TLS handshake, in memory with SSLEngine, per server key type (RSA 2048,
# RSA 4096, ECDSA P-256), TLS version and full/resumed handshake
# (wordgame-server/src/test/java/.../bench/TlsHandshakeBenchmark.java), then a summary: server µs per handshake,
# server handshakes per server CPU-ms, per-fork ranges, ratios RSA_4096/RSA_2048 and RSA_2048/EC_P256.
# Usage: perf/bench-tls-jmh.sh [JMH options]   default: -f 2 -wi 3 -i 3 -w 1s -r 2s
#   e.g. perf/bench-tls-jmh.sh -f 1 -wi 1 -i 2 -p mode=full -p protocol=TLSv1.3
# Results: JSON in perf/results/tls-jmh.json (git-ignored), JMH's table and the summary on stdout.
set -eu
cd "$(dirname "$0")/.."
mkdir -p perf/results
args=${*:-"-f 2 -wi 3 -i 3 -w 1s -r 2s"}
./mvnw -q -B -pl wordgame-server test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
cp="wordgame-server/target/test-classes:wordgame-server/target/classes:$(cat wordgame-server/target/test-classpath.txt)"
# shellcheck disable=SC2086
exec java -cp "$cp" dev.faultline.wordgame.bench.TlsHandshakeBenchmark $args -rf json -rff perf/results/tls-jmh.json
