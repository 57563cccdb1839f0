#!/usr/bin/env bash
# Runs every check: installs what is missing (Python packages into .venv, Debian's chromium for the
# browser tests when we are root), then ruff, mypy and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v -E "^(WARNING|  )" || true

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium and chromium-driver for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
      || echo "Could not install chromium; browser tests will say why they skip (outside CI)."
  else
    echo "chromium is not installed and cannot be installed here (not root); browser tests will skip."
  fi
fi

# Every check runs even when an earlier one fails, so one run shows everything that is wrong.
status=0
echo "== ruff"; .venv/bin/ruff check . || status=1
echo "== mypy"; .venv/bin/mypy || status=1
echo "== pytest"; .venv/bin/python -m pytest "$@" || status=1
exit "$status"
