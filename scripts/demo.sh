#!/usr/bin/env bash
# Runs the sidecar on the embedded demo Tracker and prints a readable transcript of a short
# session: sign-in state, current user, first page of issues, one issue.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh "" >&2
exec .venv/bin/python scripts/demo_session.py "$@"
