#!/usr/bin/env bash
# Installs the project into .venv and runs it on embedded defaults (no MONGODB_URI needed).
# With no arguments it runs `segments serve`; any arguments are passed to `segments` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v -E "^(WARNING|  )" || true
if [ "$#" -eq 0 ]; then
  set -- serve
fi
exec .venv/bin/segments "$@"
