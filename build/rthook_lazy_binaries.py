"""PyInstaller runtime hook: big, late extension modules come from a per-version user cache.

A onefile launcher inflates every bundled binary into a fresh temp folder on every start.
cryptography's Rust core (~12 MB, imported only by the Linux Secret Service keyring backend,
after `ready`) was a third of that work, ~100 ms of each start. So the spec stores such modules
in `lazy-binaries.zip`, compressed by the zip and copied as-is by the launcher, and this hook
imports each one from `<user cache>/ytracker-sidecar/lazy-<content id>/`, unpacking it there
on its first import ever; later runs, and other instances, reuse the file. Unpacking writes a
temporary name and renames it, so a reader never sees half a file. When the cache cannot be
written, the module is unpacked into this run's extraction folder instead.

Owns: the cache location and the finder. Must not import the application.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import shutil
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

ARCHIVE = "lazy-binaries.zip"
STALE_AFTER_S = 30 * 24 * 3600  # other builds' folders unused this long are removed


def cache_root() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ytracker-sidecar"


def module_name(member: str) -> str:
    """`pkg/sub/_ext.abi3.so` → `pkg.sub._ext`."""
    folder, _, file = member.rpartition("/")
    return ".".join([*folder.split("/"), file.split(".")[0]]) if folder else file.split(".")[0]


class LazyExtensionFinder:
    """A meta path finder for the extension modules in `archive` (consulted last)."""

    def __init__(self, archive: Path) -> None:
        self._archive = archive
        with zipfile.ZipFile(archive) as zf:
            self._members = {module_name(info.filename): info for info in zf.infolist()}
            self._id = zf.comment.decode("ascii")

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        info = self._members.get(fullname)
        if info is None:
            return None
        file = self._unpacked(info)
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)

    def _unpacked(self, info: zipfile.ZipInfo) -> Path:
        folder = cache_root() / f"lazy-{self._id}"
        try:
            file = self._unpack(info, folder)
        except OSError:  # read-only or full home: this run's extraction folder will do
            return self._unpack(info, Path(sys._MEIPASS) / "_lazy")
        _forget_stale(folder)
        return file

    def _unpack(self, info: zipfile.ZipInfo, folder: Path) -> Path:
        file = folder / info.filename
        if file.is_file() and file.stat().st_size == info.file_size:
            return file
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = file.with_name(f"{file.name}.{os.getpid()}.partial")
        with zipfile.ZipFile(self._archive) as zf, zf.open(info) as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(partial, file)
        return file

    def invalidate_caches(self) -> None:
        pass


def _forget_stale(current: Path) -> None:
    """Mark `current` as used; remove other builds' folders nobody used for a long while."""
    now = time.time()
    try:
        os.utime(current, (now, now))
        for other in current.parent.glob("lazy-*"):
            if other != current and now - other.stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        pass  # housekeeping only


def _install() -> None:
    archive = Path(getattr(sys, "_MEIPASS", "")) / ARCHIVE
    if archive.is_file():
        sys.meta_path.append(LazyExtensionFinder(archive))


_install()
