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
