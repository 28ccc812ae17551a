#!/bin/sh
# The ingress proxy against nginx and HAProxy (Debian packages), with wrk in the same run, interleaved: HTTP GETs to
# a constant Vert.x upstream, directly and through each proxy (plain forwarding, keep-alive upstream, no logging).
# Usage: perf/bench-proxy.sh [rounds] [seconds]            defaults: 5 10
# Env:   CONNECTIONS (default 32; latency runs use 1), SKIP_BUILD=1 to use the jars already built.
# Prints per run: req/s, p50/p99 (ms), CPU seconds of the proxy (all its processes) per 100k requests; then medians,
# added p50 latency at one connection, and ratios against nginx. Everything listens on 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
. perf/lib.sh
rounds=${1:-5}
seconds=${2:-10}
conns=${CONNECTIONS:-32}
out=$(pwd)/perf/results/proxy
mkdir -p "$out"
for tool in wrk nginx haproxy; do
    command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install -y wrk nginx-light haproxy)" >&2; exit 1; }
done
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -q -B package -DskipTests

up=18600; fl=18601; ng=18602; hp=18603; flm=18611
pids=""
trap bench_cleanup EXIT INT TERM

java -cp perf/target/perf.jar dev.faultline.perf.ConstantServer $up >"$out/upstream.log" 2>&1 &
pids="$pids $!"

cat >"$out/proxy.yml" <<YAML
host: 127.0.0.1
port: $fl
accessLog: false
metrics: {host: 127.0.0.1, port: $flm}
paths:
- path: "/*"
  forwardPort: $up
YAML
java -jar proxy/target/proxy.jar --config "$out/proxy.yml" >"$out/faultline.log" 2>&1 &
fl_pid=$!
pids="$pids $fl_pid"

mkdir -p "$out/nginx"
cat >"$out/nginx/nginx.conf" <<CONF
worker_processes 2;
error_log $out/nginx/error.log warn;
pid $out/nginx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $out/nginx/body;
    proxy_temp_path $out/nginx/proxy;
    fastcgi_temp_path $out/nginx/fastcgi;
    uwsgi_temp_path $out/nginx/uwsgi;
    scgi_temp_path $out/nginx/scgi;
    upstream up { server 127.0.0.1:$up; keepalive 64; }
    server {
        listen 127.0.0.1:$ng;
        location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
CONF
nginx -p "$out/nginx" -c "$out/nginx/nginx.conf" -g 'daemon off;' >"$out/nginx/stdout.log" 2>&1 &
ng_pid=$!
pids="$pids $ng_pid"

cat >"$out/haproxy.cfg" <<CONF
global
    maxconn 8192
    nbthread 2
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend f
    bind 127.0.0.1:$hp
    default_backend b
backend b
    http-reuse always
    server s1 127.0.0.1:$up
CONF
haproxy -f "$out/haproxy.cfg" -db >"$out/haproxy.log" 2>&1 &
hp_pid=$!
pids="$pids $hp_pid"

for p in $up $fl $ng $hp; do wait_http "http://127.0.0.1:$p/"; done

bench_rounds "$rounds" "$seconds" "$conns" "direct http://127.0.0.1:$up/ -" \
    "faultline http://127.0.0.1:$fl/ $fl_pid" "nginx http://127.0.0.1:$ng/ $ng_pid" \
    "haproxy http://127.0.0.1:$hp/ $hp_pid"
bench_table direct faultline nginx haproxy
echo "faultline / nginx: throughput $(ratio "$(col faultline tput 3)" "$(col nginx tput 3)"), CPU per request $(ratio "$(col faultline tput 6)" "$(col nginx tput 6)")"
echo "faultline / haproxy: throughput $(ratio "$(col faultline tput 3)" "$(col haproxy tput 3)"), CPU per request $(ratio "$(col faultline tput 6)" "$(col haproxy tput 6)")"
