"""PyInstaller runtime hook: onefile extraction folders must not pile up in the temp dir.

A onefile launcher unpacks the bundle into `<tmp>/_MEIxxxxxx` and removes that folder when the
program exits. A launcher killed hard (SIGKILL, TerminateProcess: Tauri's `kill()`) cannot, and
leaks the folder (~9 MB). PyInstaller's bootloader cannot reuse one folder across runs, so this
hook, run in the program before any of its code, cleans up after earlier runs instead:

1. It marks our folder as in use: `LOCK_NAME` inside it, created and locked exclusively for the
   life of the process (the OS drops the lock however the process ends).
2. It removes sibling folders that hold a `LOCK_NAME` nobody has locked: their program is gone.
3. It removes sibling folders left by a launcher killed while unpacking: they hold
   `MARKER_NAME` (the first file our launcher unpacks, see the spec) but no `LOCK_NAME`, and
   have not changed for `PARTIAL_AFTER_S` (unpacking takes a fraction of a second, and the
   program locks its folder right after). Empty `_MEI*` folders that old go too.
   A folder still being unpacked, or whose program has not reached this hook, is younger; any
   other application's folder lacks the marker (and is not empty), so neither is touched.

Removal runs in a daemon thread that starts its work `CLEANUP_DELAY_S` after the program does
(it competed with the start for the interpreter; shutil, which it needs, loads then too), off
the path to the first answers. Owns nothing else; must not import the application.
"""

from __future__ import annotations

import os
import sys
import threading
import time

LOCK_NAME = ".ytracker-sidecar.lock"
MARKER_NAME = ".ytracker-sidecar.bundle"
PARTIAL_AFTER_S = 600
CLEANUP_DELAY_S = 1.0

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
    except FileNotFoundError:
        return _is_partial(folder)
    except OSError:  # not ours, or already being removed
        return False
    try:
        return _try_lock(fd)
    finally:
        os.close(fd)  # releases the lock: removal below tolerates a concurrent cleaner


def _is_partial(folder: str) -> bool:
    """Ours, or empty, without a lock file, and unchanged for so long its launcher must be dead."""
    try:
        if time.time() - os.stat(folder).st_mtime <= PARTIAL_AFTER_S:
            return False
        names = os.listdir(folder)
    except OSError:
        return False
    return not names or MARKER_NAME in names


def _remove_abandoned(own: str) -> None:
    time.sleep(CLEANUP_DELAY_S)
    import shutil

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
    except OSError:  # a full or odd temp dir: run anyway, just without the cleanup, and
        try:  # without the marker, lest a later start take our folder for a dead partial one
            os.unlink(os.path.join(own, MARKER_NAME))
        except OSError:
            pass
        return
    threading.Thread(
        target=_remove_abandoned, args=(own,), name="extraction-cleanup", daemon=True
    ).start()


_install()
