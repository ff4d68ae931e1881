#!/usr/bin/env bash
# The run command: environment, install, migrate, reference + demo data, scheduler and web server on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export SPMP_INSTANCE_PATH=${SPMP_INSTANCE_PATH:-$PWD/instance}
HOST=${SPMP_HOST:-127.0.0.1}
PORT=${SPMP_PORT:-5000}
echo "==> Migrasi basis data"
.venv/bin/spmp db upgrade
echo "==> Data rujukan dan data demo"
.venv/bin/spmp demo seed
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
if .venv/bin/spmp scheduler --help >/dev/null 2>&1; then
  echo "==> Penjadwal (scheduler) berjalan di latar belakang; log: $SPMP_INSTANCE_PATH/scheduler.log"
  .venv/bin/spmp scheduler >"$SPMP_INSTANCE_PATH/scheduler.log" 2>&1 &
  pids+=($!)
fi
echo "==> SPMP siap di http://$HOST:$PORT  (Ctrl+C untuk berhenti)"
.venv/bin/spmp web --host "$HOST" --port "$PORT"
