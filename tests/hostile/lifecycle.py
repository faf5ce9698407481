"""Helpers for ending sidecars the hard ways: timing the end, orphans, leftover files."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.e2e.harness import Sidecar
from tests.fakes.tracker import FakeTrackerServer

END_LIMIT_S = 2.0  # `docs/interface.md` §1: everything ends within 2 s
KEPT = b"the file that was already there\n"
SERVER_LOG = r"/attachments/302/server\.log$"


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def gone(pid: int) -> bool:
    """Exited (a zombie waiting for a reaper counts: it runs nothing and holds no pipe)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def wait_gone(pid: int, limit_s: float) -> float:
    """Seconds until `pid` ended; fails past `limit_s`."""
    started = time.monotonic()
    while not gone(pid):
        elapsed = time.monotonic() - started
        assert elapsed < limit_s, f"pid {pid} still running after {elapsed:.2f} s"
        time.sleep(0.01)
    return time.monotonic() - started


def end(sidecar: Sidecar, ending: str) -> float:
    """Ask the sidecar to end the way the shell would (`eof`: stdin closed; else SIGTERM)."""
    started = time.monotonic()
    if ending == "eof":
        sidecar.close_stdin()
    else:
        sidecar.proc.send_signal(signal.SIGTERM)
    return started


def ended_within(sidecar: Sidecar, started: float, limit_s: float = END_LIMIT_S) -> int:
    """The exit code, asserting the process ended within `limit_s` of `started`."""
    code = sidecar.proc.wait(timeout=limit_s + 5)
    elapsed = time.monotonic() - started
    assert elapsed < limit_s, f"ended after {elapsed:.2f} s"
    return code


def wait_for_request(fake: FakeTrackerServer, method: str, path: str, limit_s: float = 10) -> None:
    """Until the fake has received a matching request (it is then in flight)."""
    deadline = time.monotonic() + limit_s
    while not fake.requests_to(method, path):
        assert time.monotonic() < deadline, f"no {method} {path} arrived"
        time.sleep(0.01)


def leftovers(*folders: Path) -> list[str]:
    """Temporary files (downloads' `.part`, anything else hidden) left in the folders."""
    return [
        str(p) for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()
    ]


def quiet_env(tmp: Path) -> dict[str, str]:
    """A private TMPDIR (checked for leftovers) and HOME for one sidecar."""
    (tmp / "tmp").mkdir(exist_ok=True)
    return {"TMPDIR": str(tmp / "tmp"), "HOME": str(tmp / "home")}


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not gone(pid)
