"""Build the frozen sidecar: one executable, `dist/ytracker-sidecar-<target-triple>[.exe]`.

Usage: `python build/build.py [--mode onefile|onedir] [--force]` from the repo's virtualenv with
the `build` extra installed (`bash build/build.sh` does both). Progress goes to stderr; the path
of the binary is the only line on stdout, so scripts can capture it.

Owns: the target triple (Tauri's `externalBin` naming), the generated `sidecar._build_info`
module (git revision; it lives in the scratch folder and inside the bundle, never in the
source tree), the input fingerprint that skips a rebuild when nothing changed, and a smoke run
of `--version`. The freezer's configuration is in `ytracker-sidecar.spec`; its scratch folder is
`.pyinstaller/` at the repo root. The product binary gets its third-party notices beside it
(`notices.py`, generated for this platform's build environment).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import notices  # build/notices.py: this script's folder is first on sys.path

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "build"
SCRATCH = REPO / ".pyinstaller"
DIST = REPO / "dist"
SPEC = HERE / "ytracker-sidecar.spec"
# Everything whose change can change the binary (build/ minus its docs); the venv's packages
# are added by name and version.
INPUTS = [REPO / "sidecar", HERE, REPO / "pyproject.toml"]


MODES = ("onefile", "onedir", "onefile-importtime", "onedir-importtime")


def log(message: str) -> None:
    print(f"build: {message}", file=sys.stderr, flush=True)


# -- naming ----------------------------------------------------------------------------------


def target_triple() -> str:
    """The Rust host triple (what Tauri expects), else one derived from this Python."""
    try:
        out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return derived_triple(platform.machine(), sys.platform, platform.libc_ver()[0])
    match = re.search(r"^host: (\S+)$", out, re.MULTILINE)
    if match is None:
        return derived_triple(platform.machine(), sys.platform, platform.libc_ver()[0])
    return match.group(1)


def derived_triple(machine: str, os_name: str, libc: str) -> str:
    arch = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "x86": "i686"}.get(
        machine.lower(), machine.lower()
    )
    if os_name == "darwin":
        return f"{arch}-apple-darwin"
    if os_name == "win32":
        return f"{arch}-pc-windows-msvc"
    return f"{arch}-unknown-linux-{'gnu' if libc == 'glibc' else 'musl'}"


def binary_name(mode: str) -> str:
    """`ytracker-sidecar-<triple>` for the product; variants for measurements get a suffix."""
    name = f"ytracker-sidecar-{target_triple()}"
    return name if mode == "onefile" else f"{name}-{mode}"


def binary_path(mode: str) -> Path:
    """Where the built executable lands (variants stay in the scratch folder)."""
    suffix = ".exe" if sys.platform == "win32" else ""
    name = binary_name(mode)
    if mode == "onefile":
        return DIST / f"{name}{suffix}"
    if mode.startswith("onedir"):
        return SCRATCH / "dist" / name / f"{name}{suffix}"
    return SCRATCH / "dist" / f"{name}{suffix}"


# -- provenance and caching --------------------------------------------------------------------


def git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def git_revision() -> str:
    """Short HEAD, marked `-dirty` when the inputs differ from it."""
    head = git("rev-parse", "--short=12", "HEAD")
    if not head:
        return "unknown"
    changed = git("status", "--porcelain", "--", "sidecar", "build", "pyproject.toml")
    return f"{head}-dirty" if changed else head


def input_files() -> list[Path]:
    files: list[Path] = []
    for item in INPUTS:
        found = item.rglob("*") if item.is_dir() else [item]
        files += [f for f in found if f.is_file() and "__pycache__" not in f.parts]
    return sorted(f for f in files if f.name != "_build_info.py" and f.suffix != ".md")


def fingerprint(mode: str) -> str:
    digest = hashlib.sha256(f"{mode} {sys.version} {platform.platform()}".encode())
    for path in input_files():
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    dists = importlib.metadata.distributions()
    packages = sorted(f"{d.metadata['Name']}=={d.version}" for d in dists)
    digest.update("\n".join(packages).encode())
    return digest.hexdigest()


def stamp_path(mode: str) -> Path:
    return SCRATCH / f"{binary_name(mode)}.fingerprint"


def up_to_date(mode: str, print_: str) -> bool:
    stamp = stamp_path(mode)
    return binary_path(mode).is_file() and stamp.is_file() and stamp.read_text("utf-8") == print_


# -- the build --------------------------------------------------------------------------------


def write_build_info(revision: str) -> Path:
    path = SCRATCH / "gen" / "_build_info.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'"""Generated by build/build.py; only ever inside the bundle."""\n\n'
        f"GIT_REVISION = {revision!r}\n",
        encoding="utf-8",
    )
    return path


def run_pyinstaller(mode: str, build_info: Path) -> None:
    distpath = DIST if mode == "onefile" else SCRATCH / "dist"
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm"]
    command += ["--workpath", str(SCRATCH / "work" / mode), "--distpath", str(distpath)]
    command += ["--log-level", "WARN", "--", "--name", binary_name(mode)]
    command += ["--mode", mode.removesuffix("-importtime"), "--build-info", str(build_info)]
    if mode.endswith("-importtime"):
        command.append("--importtime")
    subprocess.run(command, cwd=REPO, check=True)


def smoke_test(binary: Path, revision: str) -> None:
    """The binary starts, and `--version` carries the revision it was built from."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    if f"git {revision}" not in out.stdout:
        raise SystemExit(f"build: unexpected --version output: {out.stdout!r}")
    log(out.stdout.strip())


def build(mode: str, force: bool) -> Path:
    binary = binary_path(mode)
    print_ = fingerprint(mode)
    if not force and up_to_date(mode, print_):
        log(f"{binary.relative_to(REPO)} is up to date (inputs unchanged)")
        return binary
    revision = git_revision()
    log(f"freezing {binary_name(mode)} ({mode}, git {revision}) with PyInstaller")
    stamp_path(mode).unlink(missing_ok=True)
    run_pyinstaller(mode, write_build_info(revision))
    smoke_test(binary, revision)
    stamp_path(mode).write_text(print_, encoding="utf-8")
    log(f"{binary.relative_to(REPO)}: {binary.stat().st_size / 1e6:.1f} MB")
    return binary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=MODES, default="onefile", help="variants: measurements")
    parser.add_argument("--force", action="store_true", help="rebuild even if inputs are unchanged")
    parser.add_argument("--clean", action="store_true", help="remove the scratch folder first")
    args = parser.parse_args(argv)
    if args.clean:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    binary = build(args.mode, args.force)
    if args.mode == "onefile":
        log(f"{notices.write_next_to(binary).relative_to(REPO)}: third-party notices")
    print(binary)


if __name__ == "__main__":
    main()
