#!/usr/bin/env bash
# Installs the API fuzzer, schemathesis (PyPI), pinned in infra/versions.json, into a Python venv
# cached outside the clone: $HUIYIN_CACHE/schemathesis-<version>/venv (default ~/.cache/huiyin).
# Idempotent: a venv built from the same recipe (stamp) is reused. Prints what it does.
# Prints nothing when already installed; `fuzz-setup.sh --print` prints the st executable's path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${HUIYIN_CACHE:-$HOME/.cache/huiyin}"
SCHEMATHESIS_VERSION=$(node -p "require('$here/versions.json').schemathesis")
dir="$cache/schemathesis-$SCHEMATHESIS_VERSION"
recipe="schemathesis==$SCHEMATHESIS_VERSION"

say() { printf '[provision] %s\n' "$*"; }

if ! { [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$recipe" ] && [ -x "$dir/venv/bin/st" ]; }; then
  python="${PYTHON:-python3}"
  if ! command -v "$python" >/dev/null 2>&1; then
    printf '[provision] ERROR: %s is required (Python 3.9+, for the schemathesis API fuzzer) but was not found on PATH.\n' "$python" >&2
    exit 1
  fi
  say "installing schemathesis $SCHEMATHESIS_VERSION (API fuzzer, from PyPI) into $dir/venv — first time only…"
  rm -rf "$dir"
  mkdir -p "$dir"
  "$python" -m venv "$dir/venv"
  "$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$recipe"
  echo "$recipe" >"$dir/.stamp"
  say "schemathesis ready: $dir/venv/bin/st"
fi

if [ "${1:-}" = "--print" ]; then echo "$dir/venv/bin/st"; fi
