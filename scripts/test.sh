#!/usr/bin/env bash
# The whole test suite: quality gates, then every test level. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
export PYTHONWARNDEFAULTENCODING=1

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
bash scripts/keyring_tests.sh
