#!/usr/bin/env bash
# Regenerates the lock files in requirements/ from pyproject.toml: hashed, universal
# (every OS and Python >= 3.11 in one file, with markers) requirements files that plain pip
# installs with --require-hashes. Run it after changing a dependency; `--upgrade` takes the
# newest versions the ranges allow, `--upgrade-package NAME` just one. Commit the result.
#
# The sets share one resolution (all.txt is only a constraint), so a package has the same
# version in every set and sets can be installed on top of each other.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
uv="$(tools_uv)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
compile() {  # compile <output> <args...>
  local out="$1"
  shift
  "$uv" pip compile --quiet --universal --generate-hashes --python-version 3.11 \
    --no-emit-index-url --custom-compile-command "bash scripts/lock.sh" "$@" -o "$out"
}
step "resolving every set together"
compile "$tmp/all.txt" pyproject.toml requirements/backend.in --all-extras "$@"
step "writing requirements/backend.txt"
compile requirements/backend.txt requirements/backend.in -c "$tmp/all.txt"
sed -i.bak -e "s#-c $tmp/all.txt#-c (the shared resolution)#" requirements/backend.txt
rm -f requirements/backend.txt.bak
for set in runtime dev bench build; do
  extra=()
  [ "$set" != runtime ] && extra=(--extra "$set")
  step "writing requirements/$set.txt"
  compile "requirements/$set.txt" pyproject.toml requirements/backend.in "${extra[@]}" \
    -c "$tmp/all.txt"
  # The constraint file is a temporary path: keep the files' "via" notes reproducible.
  sed -i.bak -e "s#-c $tmp/all.txt#-c (the shared resolution)#" "requirements/$set.txt"
  rm -f "requirements/$set.txt.bak"
done
step "writing requirements/tools.txt"
compile requirements/tools.txt requirements/tools.in
