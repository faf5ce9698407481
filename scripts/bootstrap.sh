#!/usr/bin/env bash
# Creates (or refreshes) the local virtual environment .venv with the package and the given
# extras. Re-installs only when pyproject.toml changed, so repeated runs are quick.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  .venv/bin/python -c "import sidecar, aiohttp, msgspec" # fail loudly if the install did not take
  touch "$stamp"
fi
