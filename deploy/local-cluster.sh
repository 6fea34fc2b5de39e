#!/usr/bin/env bash
# Distributed mode on one machine without Docker: one scheduler (leader by advisory lock)
# and N Celery workers, each a plain process with its pid and log under $RUN_DIR.
#   deploy/local-cluster.sh start [N]   start the scheduler and N workers (default 2)
#   deploy/local-cluster.sh stop        stop what `start` started (by pid file)
#   deploy/local-cluster.sh status      list the processes and whether they run
# Needs PLANFLOW_DATABASE_URL (PostgreSQL) and PLANFLOW_REDIS_URL in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-var/cluster}
PLANFLOW=${PLANFLOW:-.venv/bin/planflow}
export PLANFLOW_MODE=distributed
mkdir -p "$RUN_DIR"

spawn() {  # name, args...
  local name=$1; shift
  nohup "$PLANFLOW" "$@" >>"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  echo "started $name (pid $!)"
}

case "${1:-start}" in
  start)
    : "${PLANFLOW_DATABASE_URL:?set PLANFLOW_DATABASE_URL to a PostgreSQL URL}"
    "$PLANFLOW" db upgrade
    spawn scheduler scheduler
    for i in $(seq 1 "${2:-2}"); do
      spawn "worker$i" worker --concurrency 1 --pool solo --hostname "worker$i@%h"
    done
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
  *) echo "usage: $0 start [N] | stop | status" >&2; exit 2 ;;
esac
