#!/usr/bin/env bash
# Distributed mode on one machine without Docker, every process a plain one with its pid
# and log under $RUN_DIR:
#   haproxy on $LB_PORT → the API processes on $API_PORTS (health check GET /readyz every
#   second), $WORKERS Celery workers, $SCHEDULERS schedulers (one leads by PostgreSQL
#   advisory lock, the others stand by) and, unless SINK_PORT=none, an SMTP sink (aiosmtpd
#   writing every message it accepts to the Maildir $RUN_DIR/sink) that the processes mail to.
#
#   deploy/local-cluster.sh start        migrate, then start the cluster
#   deploy/local-cluster.sh stop         stop what `start` started (by pid file)
#   deploy/local-cluster.sh status       list the processes and whether they run
#   deploy/local-cluster.sh kill NAME    kill -9 one process (a fault drill), e.g. api1, worker2
#
# Needs PLANFLOW_DATABASE_URL (PostgreSQL) and PLANFLOW_REDIS_URL in the environment, and
# haproxy (Debian package; `make haproxy` installs it). PLANFLOW_SECRET_KEY is generated
# once under $RUN_DIR when unset. Every other PLANFLOW_ setting is passed on as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-var/cluster}
PLANFLOW=${PLANFLOW:-.venv/bin/planflow}
PYTHON=${PYTHON:-.venv/bin/python}
LB_PORT=${LB_PORT:-8100}
API_PORTS=${API_PORTS:-8101 8102}
WORKERS=${WORKERS:-2}
SCHEDULERS=${SCHEDULERS:-2}
SINK_PORT=${SINK_PORT:-2525}
# haproxy's health check: every CHECK_INTERVAL, down after 2 failures, up after 2 successes.
CHECK_INTERVAL=${CHECK_INTERVAL:-1s}
export PLANFLOW_MODE=distributed
mkdir -p "$RUN_DIR"

spawn() {  # name, command...
  local name=$1; shift
  nohup "$@" >>"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  echo "started $name (pid $!)"
}

haproxy_cfg() {
  cat <<EOF
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  # A refused connection (a dead API process) is retried on another server; an idempotent
  # read also when the process died holding it. A write is never replayed.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  option forwardfor
frontend planflow
  bind 127.0.0.1:$LB_PORT
  default_backend api
backend api
  balance roundrobin
  http-request disable-l7-retry unless METH_GET || METH_HEAD
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter $CHECK_INTERVAL fall 2 rise 2
EOF
  local n=0
  for port in $API_PORTS; do
    n=$((n + 1))
    echo "  server api$n 127.0.0.1:$port check"
  done
}

case "${1:-start}" in
  start)
    : "${PLANFLOW_DATABASE_URL:?set PLANFLOW_DATABASE_URL to a PostgreSQL URL}"
    : "${PLANFLOW_REDIS_URL:?set PLANFLOW_REDIS_URL}"
    command -v haproxy >/dev/null || { echo "haproxy is missing: make haproxy" >&2; exit 1; }
    if [ -z "${PLANFLOW_SECRET_KEY:-}" ]; then
      [ -s "$RUN_DIR/secret_key" ] || "$PYTHON" -c \
        'import secrets; print(secrets.token_urlsafe(48))' >"$RUN_DIR/secret_key"
      PLANFLOW_SECRET_KEY=$(cat "$RUN_DIR/secret_key")
      export PLANFLOW_SECRET_KEY
    fi
    # haproxy is the only client the API processes see: believe its X-Forwarded-For.
    export PLANFLOW_TRUSTED_PROXIES=${PLANFLOW_TRUSTED_PROXIES:-'["127.0.0.1"]'}
    if [ "$SINK_PORT" != none ]; then
      # aiosmtpd makes the Maildir (new/, cur/, tmp/) unless the directory exists already.
      spawn sink "$PYTHON" -m aiosmtpd -n -l "127.0.0.1:$SINK_PORT" \
        -c aiosmtpd.handlers.Mailbox "$RUN_DIR/sink"
      export PLANFLOW_MAIL_BACKEND=smtp PLANFLOW_SMTP_HOST=127.0.0.1 PLANFLOW_SMTP_PORT=$SINK_PORT
      export PLANFLOW_SMTP_SECURITY=none
    fi
    "$PLANFLOW" db upgrade
    n=0
    for port in $API_PORTS; do
      n=$((n + 1))
      spawn "api$n" "$PLANFLOW" serve --host 127.0.0.1 --port "$port"
    done
    for i in $(seq 1 "$WORKERS"); do
      spawn "worker$i" "$PLANFLOW" worker --concurrency 1 --pool solo --hostname "worker$i@%h"
    done
    for i in $(seq 1 "$SCHEDULERS"); do
      spawn "scheduler$i" "$PLANFLOW" scheduler
    done
    haproxy_cfg >"$RUN_DIR/haproxy.cfg"
    haproxy -c -f "$RUN_DIR/haproxy.cfg" >"$RUN_DIR/haproxy-check.log" 2>&1 \
      || { cat "$RUN_DIR/haproxy-check.log" >&2; exit 1; }
    spawn haproxy haproxy -db -f "$RUN_DIR/haproxy.cfg"
    echo "balancer: http://127.0.0.1:$LB_PORT"
    ;;
  stop)
    for pidfile in "$RUN_DIR"/*.pid; do
      [ -e "$pidfile" ] || continue
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    done
    ;;
  status)
    for pidfile in "$RUN_DIR"/*.pid; do
      [ -e "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      if kill -0 "$pid" 2>/dev/null; then state=running; else state=dead; fi
      echo "$(basename "$pidfile" .pid) $pid $state"
    done
    ;;
  kill)
    name=${2:?name a process: deploy/local-cluster.sh status lists them}
    pidfile="$RUN_DIR/$name.pid"
    [ -e "$pidfile" ] || { echo "no process $name under $RUN_DIR" >&2; exit 2; }
    kill -9 "$(cat "$pidfile")"
    echo "killed $name (pid $(cat "$pidfile"))"
    ;;
  *) echo "usage: $0 start | stop | status | kill NAME" >&2; exit 2 ;;
esac
