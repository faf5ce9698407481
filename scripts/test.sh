#!/usr/bin/env bash
# The whole test suite: quality gates, then every test level. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
# Everything the run needs, checked before the first long step (README: Prerequisites).
need_python "${PYTHON:-python3}"
need_node
need_freezer "${PYTHON:-python3}"
bash scripts/bootstrap.sh dev

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy --strict"
.venv/bin/mypy sidecar
echo "== pytest"
.venv/bin/python -m pytest -q -m "not keyring_integration and not live"
echo "== frontend-contract: npm ci, tsc --noEmit --strict, build, node --test"
(
  cd frontend-contract
  stamp="node_modules/.ci-$(sha256sum package-lock.json | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
  npx tsc --noEmit --strict -p tsconfig.json
  rm -rf dist
  npx tsc -p tsconfig.json
  node --test dist/test/*.test.js
)
echo "== examples/electron and examples/tauri: npm ci, tsc, node --test (real sidecar; no Electron, no Rust)"
for example in examples/electron examples/tauri; do
  (
    cd "$example"
    stamp="node_modules/.ci-$(sha256sum package-lock.json | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
      # --ignore-scripts: Electron's installer would download Electron (only its types are used);
      # --omit=optional: the Tauri CLI's native binary (only its config schema is used).
      npm ci --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error
      touch "$stamp"
    fi
    rm -rf dist
    npx tsc -p tsconfig.json
    node --test dist/test/*.test.js
  )
done
echo "== frozen binary: build (skipped when its inputs are unchanged), then tests/e2e against it"
bin="$(bash build/build.sh)"
# XDG_CACHE_HOME: the binary's per-version library cache goes to the scratch folder, not to
# ~/.cache (nor to a test's HOME, which tests check for stray files). Deselected: its
# `ulimit -f` wrapper also caps the onefile launcher, which then cannot unpack itself.
XDG_CACHE_HOME="$PWD/.pyinstaller/xdg-cache" YTRACKER_SIDECAR_BIN="$bin" \
  .venv/bin/python -m pytest -q tests/e2e \
  -m "not keyring_integration and not live" \
  --deselect tests/e2e/test_attachments.py::test_a_full_disk_is_a_clear_local_io_error
echo "== examples against the frozen binary"
for example in examples/electron examples/tauri; do
  (cd "$example" && XDG_CACHE_HOME="$PWD/../../.pyinstaller/xdg-cache" YTRACKER_SIDECAR_BIN="$bin" \
    node --test dist/test/*.test.js)
done
bash scripts/keyring_tests.sh
echo "== keyring tests against the frozen binary (its bundled Secret Service backend, lazy cryptography)"
YTRACKER_SIDECAR_BIN="$bin" bash scripts/keyring_tests.sh
echo "== benchmark smoke: every scenario once on small data (numbers are printed, not checked)"
bash scripts/bootstrap.sh bench
.venv/bin/python -m bench --quick
