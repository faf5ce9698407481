"""PyInstaller runtime hook: onefile extraction folders must not pile up in the temp dir.

A onefile launcher unpacks the bundle into `<tmp>/_MEIxxxxxx` and removes that folder when the
program exits. A launcher killed hard (SIGKILL, TerminateProcess: Tauri's `kill()`) cannot, and
leaks ~35 MB per run. PyInstaller's bootloader cannot reuse one folder across runs, so this
hook, run in the program before any of its code, cleans up after earlier runs instead:

1. It marks our folder as in use: `LOCK_NAME` inside it, created and locked exclusively for the
   life of the process (the OS drops the lock however the process ends).
2. It removes sibling folders that hold a `LOCK_NAME` nobody has locked: their program is gone.
   A folder still being unpacked, or whose program has not reached this hook, has no
   `LOCK_NAME` yet, so it is never touched; nor is any other application's folder.

Removal runs in a daemon thread, off the path to the first answer. Owns nothing else; must not
import the application.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading

LOCK_NAME = ".ytracker-sidecar.lock"

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


def _hold_own_lock(folder: str) -> None:
    """Create and lock `LOCK_NAME` in our folder; the descriptor stays open until exit."""
    final = os.path.join(folder, LOCK_NAME)
    if sys.platform == "win32":  # an open file cannot be renamed there; the window is tiny
        _try_lock(os.open(final, os.O_CREAT | os.O_RDWR))
        return
    # Locked under a temporary name first, so no cleaner ever sees our lock file unlocked.
    staging = final + f".{os.getpid()}"
    fd = os.open(staging, os.O_CREAT | os.O_RDWR, 0o600)
    _try_lock(fd)
    os.replace(staging, final)


def _is_abandoned(folder: str) -> bool:
    """True when `folder` holds our lock file and no live process holds its lock."""
    try:
        fd = os.open(os.path.join(folder, LOCK_NAME), os.O_RDWR)
    except OSError:  # not ours, not yet started, or already being removed
        return False
    try:
        return _try_lock(fd)
    finally:
        os.close(fd)  # releases the lock: removal below tolerates a concurrent cleaner


def _remove_abandoned(own: str) -> None:
    parent = os.path.dirname(own)
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        folder = os.path.join(parent, name)
        if name.startswith("_MEI") and name != os.path.basename(own) and _is_abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _install() -> None:
    own = os.path.normpath(getattr(sys, "_MEIPASS", ""))
    if not os.path.basename(own).startswith("_MEI"):  # not a onefile extraction folder
        return
    try:
        _hold_own_lock(own)
    except OSError:
        return  # a read-only or odd temp dir: run anyway, just without the cleanup
    threading.Thread(
        target=_remove_abandoned, args=(own,), name="extraction-cleanup", daemon=True
    ).start()


_install()
