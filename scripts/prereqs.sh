# Sourced by the scripts: one-line checks for what the machine must have, each failing early
# with what is missing and how to get it (Debian/Ubuntu and Fedora), instead of a deep
# traceback minutes later. Also `step`, the one progress line per step on stderr.

step() { printf '== %s\n' "$*" >&2; }

quiet() {  # run a command, showing its output only when it fails
  local log status=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || status=$?
  [ "$status" = 0 ] || cat "$log" >&2
  rm -f "$log"
  return "$status"
}

# pip from the given venv, installing only what a hashed lock file names (nothing resolved).
# Packages published only as source are built by the locked backends (requirements/backend.txt,
# installed first), never by whatever a build-isolation environment would fetch.
pip_locked() {  # pip_locked <python> <lock file>
  quiet "$1" -m pip install --disable-pip-version-check --require-hashes --no-deps \
    --no-build-isolation -r "$2"
}

missing() {  # missing <what> <debian packages> <fedora packages>
  printf 'ytracker-sidecar: %s is missing. Debian/Ubuntu: sudo apt-get install %s; Fedora: sudo dnf install %s\n' \
    "$1" "$2" "$3" >&2
  exit 1
}

# The Python that makes .venv: $PYTHON, else python3; >= 3.11 with venv and ensurepip.
need_python() {
  local py="$1"
  command -v "$py" >/dev/null || missing "Python >= 3.11 ($py)" python3 python3
  local version
  version="$("$py" -c 'import sys; print(*sys.version_info[:3], sep=".")' 2>/dev/null)" \
    || missing "a working Python >= 3.11 ($py does not run)" python3 python3
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || missing "Python >= 3.11 ($py is $version)" python3.11 python3.11
  "$py" -c 'import venv, ensurepip' 2>/dev/null || missing "Python's venv module" python3-venv python3
}

need_node() {
  command -v node >/dev/null && command -v npm >/dev/null || missing "Node.js >= 18 with npm" "nodejs npm" "nodejs npm"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 18 ? 1 : 0)' \
    || missing "Node.js >= 18 (this is $(node -v))" nodejs nodejs
}

# PyInstaller bundles libpython and reads ELF files with binutils (Linux only).
need_freezer() {
  local py="$1"
  [ "$(uname -s)" = Linux ] || return 0
  command -v objdump >/dev/null || missing "binutils (objdump, for the freezer)" binutils binutils
  "$py" - <<'PY' 2>/dev/null || missing "a Python built with a shared libpython (for the freezer; pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared)" "libpython3-dev" "python3-libs"
import ctypes.util, glob, os, sys, sysconfig
v = "%d.%d" % sys.version_info[:2]
libdir = sysconfig.get_config_var("LIBDIR") or ""
sys.exit(not (glob.glob(os.path.join(libdir, f"libpython{v}*.so*")) or ctypes.util.find_library(f"python{v}")))
PY
}

# uv, from its own hashed lock, in .venv-tools (never in the project's venv).
tools_uv() {
  local tools=.venv-tools stamp
  stamp="$tools/.stamp-$(sha256sum requirements/tools.txt | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    step "installing the locked maintainer tools into $tools"
    rm -rf "$tools"
    need_python "${PYTHON:-python3}"
    "${PYTHON:-python3}" -m venv "$tools"
    pip_locked "$tools/bin/python" requirements/tools.txt
    touch "$stamp"
  fi
  echo "$tools/bin/uv"
}
