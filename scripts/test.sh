#!/usr/bin/env bash
# The test command: installs what is missing, then runs the whole suite on SQLite and on PostgreSQL,
# each in a throw-away database of its own. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

# Browser tests drive Debian's Chromium (a test tool's own browser download does not work here).
if [ ! -x /usr/bin/chromium ]; then
  echo "==> Memasang Chromium (Debian)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
  else sudo apt-get install -y -qq chromium >/dev/null; fi
fi

# PostgreSQL: start the local cluster if it is stopped.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "==> Menyalakan PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

mkdir -p test-artifacts
status=0
echo "==> Tes pada SQLite"
SPMP_TEST_DATABASE=sqlite .venv/bin/pytest -q -p no:cacheprovider "$@" || status=1
echo "==> Tes pada PostgreSQL"
SPMP_TEST_DATABASE=postgresql .venv/bin/pytest -q -p no:cacheprovider "$@" || status=1
exit $status
