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

# Workflow diagrams are drawn on the server by Graphviz (Debian's package). Without it pages still work
# (a note instead of the diagram), so a failed install only warns.
if ! command -v dot >/dev/null; then
  echo "==> Memasang Graphviz (diagram alur kerja)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq graphviz >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq graphviz >/dev/null 2>&1; } || true
  else sudo -n apt-get install -y -qq graphviz >/dev/null 2>&1 || true; fi
  command -v dot >/dev/null || echo "    (Graphviz tidak terpasang: halaman kasus tampil tanpa diagram; apt-get install graphviz)"
fi

# WeasyPrint (the SKP evidence PDF) needs Pango; poppler-utils (pdftotext, pdftoppm) lets the tests read it.
if ! command -v pdftotext >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null 2>&1 || true
  else sudo -n apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null 2>&1 || true; fi
fi
