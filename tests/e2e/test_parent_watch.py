"""No orphan outlives its app: the sidecar ends when the process that started it ends, even
while someone else still holds its stdin open (no EOF ever comes).

The test plays three roles: it starts a stand-in app (a small Python process) that starts the
sidecar with the test's pipes as its stdin and stdout, keeps the write end of that stdin
itself, then kills the app with SIGKILL. The sidecar, now someone else's child, must notice
and exit: its stdout pipe reaching EOF says it has (nobody else holds the write end).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.e2e.harness import REPO, sidecar_command

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the watch is POSIX only")

STAND_IN_APP = """
import subprocess, sys, time
stdin, stdout, stderr = (int(fd) for fd in sys.argv[1:4])
child = subprocess.Popen(sys.argv[4:], stdin=stdin, stdout=stdout, stderr=stderr)
print(child.pid, flush=True)
time.sleep(600)
"""


@contextmanager
def lines_of(fd: int) -> Iterator[queue.Queue[bytes | None]]:
    """Lines read from `fd` by a thread; None once it reaches EOF."""
    lines: queue.Queue[bytes | None] = queue.Queue()

    def pump() -> None:
        with os.fdopen(fd, "rb") as stream:
            for line in stream:
                lines.put(line)
        lines.put(None)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    yield lines


# Where there is no pidfd (macOS, Linux < 5.3) the watch checks once a second instead.
WITHOUT_PIDFD = [
    sys.executable,
    "-c",
    "import os, runpy; del os.pidfd_open; runpy.run_module('sidecar', run_name='__main__')",
]


@pytest.mark.parametrize("way", ["pidfd", "poll"])
def test_the_sidecar_exits_when_its_app_dies_though_its_stdin_stays_open(
    tmp_path: Path, way: str
) -> None:
    if way == "poll" and os.environ.get("YTRACKER_SIDECAR_BIN"):
        pytest.skip("the poll path is forced through the source")
    if way == "pidfd" and not hasattr(os, "pidfd_open"):
        pytest.skip("no pidfd here: the poll case covers this system")
    stdin_r, stdin_w = os.pipe()  # the test keeps stdin_w: the sidecar never sees EOF
    stdout_r, stdout_w = os.pipe()
    stderr_path = tmp_path / "sidecar.stderr"
    stderr_fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT, 0o600)
    fds = (stdin_r, stdout_w, stderr_fd)
    program = WITHOUT_PIDFD if way == "poll" else sidecar_command()
    command = [*program, "--secrets", "memory", "--config-dir", str(tmp_path)]
    app = subprocess.Popen(
        [sys.executable, "-c", STAND_IN_APP, *map(str, fds), *command],
        stdout=subprocess.PIPE,
        pass_fds=fds,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    for fd in fds:
        os.close(fd)  # now only the app and the sidecar hold them
    sidecar_pid = 0
    try:
        assert app.stdout is not None
        sidecar_pid = int(app.stdout.readline())
        with lines_of(stdout_r) as lines:
            ready = lines.get(timeout=30)
            assert ready is not None and json.loads(ready)["method"] == "ready"
            app.kill()
            app.wait(timeout=10)
            # EOF on its stdout: the sidecar has exited (without the watch it waits forever).
            assert lines.get(timeout=30) is None
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if app.stdout is not None:
            app.stdout.close()
        if sidecar_pid:
            with suppress(ProcessLookupError):
                os.kill(sidecar_pid, signal.SIGKILL)  # gone already unless the test failed
        os.close(stdin_w)
    logged = [json.loads(line) for line in stderr_path.read_text().splitlines()]
    # A onefile build runs under its launcher, so what it watches is the launcher's parent.
    frozen = os.environ.get("YTRACKER_SIDECAR_BIN")
    watched = "the launcher's parent" if frozen else "the parent process"
    assert [e["msg"] for e in logged if "has ended; stopping" in e["msg"]] == [
        f"{watched} (pid {app.pid}) has ended; stopping"
    ]
