#!/usr/bin/env bash
# The canary for pyproject.toml's ranges: the unit, component, end-to-end and hostile suites on
# the NEWEST versions the ranges allow (default) or, with --lowest, on the lowest versions of our
# direct dependencies (the lower bounds we claim), in a scratch venv that is thrown away. A
# breaking release of a dependency is found here before a user finds it. Not part of .ci/run
# (it resolves from the index, so it is not reproducible by design); run it before a release or
# a lock update and note the result. Extra arguments go to pytest. Tests marked `locked` are left
# out: they check committed files generated from the locked versions (the contract's schema text,
# the notices), which other versions make differently by design.
#
#   bash scripts/test_latest.sh            # newest allowed
#   bash scripts/test_latest.sh --lowest   # lowest allowed direct dependencies
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
resolution=highest
if [ "${1:-}" = --lowest ]; then
  resolution=lowest-direct
  shift
fi
py="${PYTHON:-python3}"
need_python "$py"
uv="$(tools_uv)"
scratch="$(mktemp -d -t ytracker-canary-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
step "resolving the $resolution versions pyproject.toml allows (for this machine)"
resolve() {  # resolve <output> <inputs...>
  "$uv" pip compile --quiet --resolution "$resolution" --python "$py" --generate-hashes \
    --no-header "${@:2}" -o "$1"
}
resolve "$scratch/backend.txt" requirements/backend.in
resolve "$scratch/requirements.txt" pyproject.toml requirements/backend.in --extra dev \
  -c "$scratch/backend.txt"
step "installing them into a scratch venv"
"$py" -m venv "$scratch/venv"
pip_locked "$scratch/venv/bin/python" "$scratch/backend.txt"
pip_locked "$scratch/venv/bin/python" "$scratch/requirements.txt"
quiet "$scratch/venv/bin/python" -m pip install --disable-pip-version-check --no-deps \
  --no-build-isolation --no-index -e .
versions="$("$scratch/venv/bin/python" - <<'PY'
import importlib.metadata as md
names = ["aiohttp", "msgspec", "keyring", "truststore", "certifi", "yarl"]
print(", ".join(f"{n} {md.version(n)}" for n in names))
PY
)"
step "pytest on: $versions"
status=0
"$scratch/venv/bin/python" -m pytest -q -p no:cacheprovider \
  -m "not keyring_integration and not live and not locked" "$@" || status=$?
[ "$status" = 0 ] && verdict=passed || verdict=FAILED
step "canary ($resolution) $verdict on $versions"
exit "$status"
