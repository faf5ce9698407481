#!/usr/bin/env bash
# The long wire-fuzz run of the hostile suite (issue 8): the tests of
# tests/hostile/test_fuzz_wire.py under hypothesis profile "long" (~120,000 examples in all,
# random, ~25 minutes), with per-test statistics. See tests/hostile/README.md.
# Extra arguments go to pytest (e.g. -x, or -k spawned). YTRACKER_FUZZ_PROFILE=dev is shorter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
export YTRACKER_FUZZ_PROFILE="${YTRACKER_FUZZ_PROFILE:-long}"
exec .venv/bin/python -m pytest -q -p no:cacheprovider --hypothesis-show-statistics \
  tests/hostile/test_fuzz_wire.py "$@"
