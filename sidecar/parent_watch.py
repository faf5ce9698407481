"""The parent watch: the sidecar ends when the app that started it has ended (POSIX).

Owns: which process counts as "the app" (our parent; in a PyInstaller onefile build, whose
launcher is our parent, the launcher's parent), and noticing its end: a pidfd the event loop
watches on Linux ≥ 5.3, else a check once a second (`os.getppid()` changing, or the process
being gone). Must not know: what stopping means (the app stops the endpoint as on EOF).

EOF on stdin already ends the process when the app's end closes the pipe. The watch covers the
rest: a stdin the app handed on to another process that outlives it, or a launcher that keeps
the pipe open. Not on Windows: processes are not re-parented there, and what ends a child with
its app is a job object the app (or its forwarder) creates (docs/stopping-the-sidecar.md).
Nor when our parent is already init (pid 1) at start: there is no app to outlive.
Linux's PR_SET_PDEATHSIG is not used: it fires when the *thread* that forked us ends, which in
a Tokio or libuv app is any worker thread, not the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Callable

POLL_S = 1.0


Watched = tuple[int, Callable[[], bool], str]
"""(pid, "is it still the process we watch", what to call it in the log)."""


async def parent_gone(watched: Watched | None) -> str:
    """Return once the watched process has ended, with a phrase saying which it was.

    `watched` comes from `watched_process()`, called before the app is told we are ready: an
    app that ends right after `ready` must not find us reading an already changed parent.
    Never returns when there is nothing to watch.
    """
    if watched is None:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")
    pid, still_ours, what = watched
    if not await _pidfd_gone(pid, still_ours):
        # Nothing to wait on without a pidfd: a cheap check once a second.
        while still_ours():  # noqa: ASYNC110
            await asyncio.sleep(POLL_S)
    return f"{what} (pid {pid})"


def watched_process() -> Watched | None:
    """What to watch, or None (Windows; or our parent is init, so no app to outlive)."""
    if sys.platform == "win32":
        return None
    parent = os.getppid()
    if parent <= 1:
        return None
    if not _is_our_launcher(parent):
        return parent, lambda: os.getppid() == parent, "the parent process"
    app = _parent_of(parent)
    if app is None or app <= 1:  # the launcher is orphaned already, or we cannot tell
        return parent, lambda: os.getppid() == parent, "the launcher"
    return app, lambda: os.getppid() == parent and _alive(app), "the launcher's parent"


async def _pidfd_gone(pid: int, still_ours: Callable[[], bool]) -> bool:
    """Wait on a pidfd (readable once the process ends); False when there is none to use."""
    try:
        fd = os.pidfd_open(pid)  # type: ignore[attr-defined,unused-ignore]
    except (AttributeError, OSError):
        return False
    loop = asyncio.get_running_loop()
    ended = asyncio.Event()
    try:
        loop.add_reader(fd, ended.set)
        if still_ours():  # else it ended (or was replaced) before the pidfd was opened
            await ended.wait()
        return True
    finally:
        with contextlib.suppress(Exception):
            loop.remove_reader(fd)
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _is_our_launcher(pid: int) -> bool:
    """A frozen onefile build runs as the child of its launcher: the same executable."""
    if not getattr(sys, "frozen", False):
        return False
    mine = os.path.realpath(sys.executable)
    try:
        theirs = os.path.realpath(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        theirs = _ps(pid, "comm") or ""  # macOS: no /proc; `comm` is the executable's path
    return theirs == mine


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[1])  # after the command name: state, ppid, ...
    except (OSError, IndexError, ValueError):
        text = _ps(pid, "ppid")
        return int(text) if text and text.isdigit() else None


def _ps(pid: int, field: str) -> str | None:
    """One `ps` field of a process, where there is no /proc (macOS, the BSDs)."""
    try:
        out = subprocess.run(
            ["ps", "-o", f"{field}=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=2,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
