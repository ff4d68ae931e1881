#!/usr/bin/env bash
# Creates .venv with Python 3.11 and installs SPMP with its development extras (only when needed).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> Membuat lingkungan Python (.venv)"
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
stamp=.venv/.spmp-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> Memasang SPMP dan dependensinya"
  .venv/bin/pip install --quiet -e '.[dev]'
  touch "$stamp"
fi
