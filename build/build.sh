#!/usr/bin/env bash
# Build the frozen sidecar binary: dist/ytracker-sidecar-<target-triple>[.exe].
# Creates/refreshes .venv with the `build` extra first; arguments go to build/build.py
# (--mode onedir, --force, --clean). Prints the binary's path on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh build >&2
unset PYTHONWARNDEFAULTENCODING # if a caller sets it, PyInstaller's own code floods stderr
exec .venv/bin/python build/build.py "$@"
