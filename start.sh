#!/bin/sh
# The Faultline stack in containers (docker-compose.yml).
#   ./start.sh          build (Maven on this machine if a JDK is here, then the images), start, wait until every
#                       service answers (deadline: FAULTLINE_WAIT seconds, default 300), print the URLs
#   ./start.sh down     stop and remove the containers (add -v to drop Prometheus's and Grafana's volumes too)
#   ./start.sh --help
set -eu
cd "$(dirname "$0")"

die() {
    echo "start.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
}

compose() {
    if docker compose version >/dev/null 2>&1; then
        docker compose "$@"
    elif command -v docker-compose >/dev/null 2>&1; then
        # docker-compose 1.x builds with BuildKit only when asked (the Dockerfile's cache mount needs it)
        COMPOSE_DOCKER_CLI_BUILD=1 DOCKER_BUILDKIT=1 docker-compose "$@"
    else
        die "neither 'docker compose' (the Compose plugin) nor 'docker-compose' is installed"
    fi
}

need_docker() {
    command -v docker >/dev/null 2>&1 ||
        die "docker is not installed; the container stack needs a Docker engine (https://docs.docker.com/engine/install/). Without one, run the stack on loopback: see README.md"
    docker info >/dev/null 2>&1 ||
        die "cannot reach the Docker engine (is it running, and may this user use it?); 'docker info' says why"
}

# Secrets for the stack, made once and kept in .env (read by compose; ignored by git), never printed.
ensure_env() {
    [ -f .env ] && return 0
    umask 077
    {
        echo "FAULTLINE_ADMIN_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
        echo "GRAFANA_ADMIN_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    } > .env
    echo "start.sh: wrote .env with a new admin token and Grafana admin password"
}

http_ok() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
    else
        wget -q -O /dev/null -T 2 "$1" 2>/dev/null
    fi
}

# name url: what must answer before the stack counts as up
CHECKS="wordgame http://127.0.0.1:1337/health
proxy http://127.0.0.1:8080/health
proxy-metrics http://127.0.0.1:9100/metrics
toxiproxy http://127.0.0.1:8474/version
prober http://127.0.0.1:9300/health
prometheus http://127.0.0.1:9090/-/ready
alertmanager http://127.0.0.1:9093/-/ready
grafana http://127.0.0.1:3000/api/health
loki http://127.0.0.1:3100/ready
tempo http://127.0.0.1:3200/ready"

wait_healthy() {
    deadline=$(( $(date +%s) + ${FAULTLINE_WAIT:-300} ))
    while :; do
        pending=""
        while read -r name url; do
            http_ok "$url" || pending="$pending $name"
        done <<EOF_CHECKS
$CHECKS
EOF_CHECKS
        [ -z "$pending" ] && return 0
        if [ "$(date +%s)" -ge "$deadline" ]; then
            compose ps >&2 || true
            die "not healthy within ${FAULTLINE_WAIT:-300} s:$pending (docker compose logs <service> says why)"
        fi
        sleep 2
    done
}

up() {
    need_docker
    command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 || die "curl or wget is needed to wait for health"
    ensure_env
    if command -v java >/dev/null 2>&1; then
        echo "start.sh: building the jars (./mvnw package; the images build the same jars again)"
        ./mvnw -B -q -pl wordgame-server,proxy,chaos,prober -am package -DskipTests
    else
        echo "start.sh: no JDK here; the images build the jars themselves"
    fi
    echo "start.sh: building the images and starting the stack"
    compose up -d --build
    echo "start.sh: waiting for every service to answer"
    wait_healthy
    cat <<EOF_URLS

Faultline stack is up (all ports on 127.0.0.1):
  Grafana        http://localhost:3000   dashboards in folder Faultline: service overview, proxy resilience, fault
                                          injection, prober, JVM; Explore: Loki logs and Tempo traces
                                          (anonymous viewer; admin password in .env)
  Prometheus     http://localhost:9090   queries, targets (/targets), alert rules (/alerts)
  Alertmanager   http://localhost:9093   firing alerts (runbooks: deploy/ALERTS.md)
  proxy          http://localhost:8080   the word-game API through the proxy (POST /new, POST /guess, GET /status)
                 http://localhost:9100/metrics
  word-game      http://localhost:1337   the server directly (/health, /status, /metrics; /admin/* needs the token in .env)
  Toxiproxy API  http://localhost:8474   add toxics to link "upstream" (proxy -> server); link "edge" on :8667 -> proxy
  prober         http://localhost:9300/metrics
  Loki, Tempo    http://localhost:3100, http://localhost:3200 (APIs; use them through Grafana)

Play:   curl -s -X POST localhost:8080/new
Fault:  curl -s -X POST localhost:8474/proxies/upstream/toxics -d '{"type":"latency","attributes":{"latency":1500}}'
Stop:   ./start.sh down
EOF_URLS
}

case "${1:-up}" in
    up)
        [ $# -le 1 ] || die "up takes no arguments (see --help)"
        up
        ;;
    down)
        shift
        need_docker
        [ -f .env ] || { FAULTLINE_ADMIN_TOKEN=unused GRAFANA_ADMIN_PASSWORD=unused; export FAULTLINE_ADMIN_TOKEN GRAFANA_ADMIN_PASSWORD; }
        compose down "$@"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        die "unknown command \"$1\" (see --help)"
        ;;
esac
