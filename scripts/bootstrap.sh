#!/usr/bin/env bash
# Makes .venv match the lock files in requirements/: the runtime set plus the sets named in $1
# (comma-separated: dev, bench, build), and the package itself, editable. Quick and silent when
# nothing changed; otherwise one line per step on stderr.
#
# It heals: a venv made by another Python (PYTHON=python3.10 once), one whose install broke half
# way, or one built from an older lock is rebuilt from scratch, saying why. Nothing is resolved
# at install time: pip installs exactly the locked versions and checks every hash.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
py="${PYTHON:-python3}"
need_python "$py"
stamp=.venv/.ytracker-lock  # "<set> <hash of its lock file>" per installed set
describe='import sys; print(sys.implementation.name + "-" + ".".join(map(str, sys.version_info[:3])))'
wanted="$("$py" -c "$describe")"

lock_hash() { sha256sum "requirements/$1.txt" | cut -c1-16; }

# Why the existing .venv cannot be kept (empty: keep it).
unusable() {
  local have set hash
  have="$(.venv/bin/python -c "$describe" 2>/dev/null)" || { echo "its interpreter does not run"; return; }
  [ "$have" = "$wanted" ] || { echo "it was made by $have, not $wanted"; return; }
  [ -f "$stamp" ] || { echo "its last install did not finish"; return; }
  while read -r set hash; do
    [ "$hash" != pending ] || { echo "its install of the $set set did not finish"; return; }
    [ "$hash" = "$(lock_hash "$set")" ] || { echo "requirements/$set.txt changed"; return; }
  done <"$stamp"
}

sets="runtime${1:+,$1}"
if [ -e .venv ]; then
  reason="$(unusable)"
  if [ -n "$reason" ]; then
    step "rebuilding .venv: $reason"
    sets="$sets,$( (cut -d' ' -f1 "$stamp" | paste -sd, -) 2>/dev/null || true)"
    rm -rf .venv
  fi
fi
if [ ! -e .venv ]; then
  step "creating .venv with $wanted ($py)"
  "$py" -m venv .venv
fi
installed() { grep -qx "$1 $(lock_hash "$1")" "$stamp" 2>/dev/null; }

if ! installed backend; then
  step "installing the locked build backends (requirements/backend.txt, hashes checked)"
  echo "backend pending" >>"$stamp"
  pip_locked .venv/bin/python requirements/backend.txt
  sed -i.bak "/^backend pending\$/d" "$stamp" && rm -f "$stamp.bak"
  echo "backend $(lock_hash backend)" >>"$stamp"
fi

# Every other set includes the runtime set, so runtime is installed alone only when asked alone.
IFS=, read -r -a wanted_sets <<<"${sets#runtime}"
for set in "${wanted_sets[@]}" runtime; do
  [ -n "$set" ] && ! installed "$set" || continue
  [ -f "requirements/$set.txt" ] || { echo "bootstrap: no lock file requirements/$set.txt" >&2; exit 2; }
  step "installing the locked $set set (requirements/$set.txt, hashes checked)"
  echo "$set pending" >>"$stamp"
  pip_locked .venv/bin/python "requirements/$set.txt"
  if [ ! -f .venv/.ytracker-package ]; then
    # The package itself, built by the locked hatchling: nothing fetched from an index.
    quiet .venv/bin/python -m pip install --disable-pip-version-check --no-deps \
      --no-build-isolation --no-index -e .
    touch .venv/.ytracker-package
  fi
  .venv/bin/python -c "import sidecar, aiohttp, msgspec"  # fail loudly if the install did not take
  sed -i.bak "/^$set pending\$/d" "$stamp" && rm -f "$stamp.bak"
  echo "$set $(lock_hash "$set")" >>"$stamp"
  [ "$set" = runtime ] || installed runtime || echo "runtime $(lock_hash runtime)" >>"$stamp"
done
