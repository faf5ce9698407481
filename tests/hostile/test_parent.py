"""Parents that misbehave (issue 14, items 9 and 19): one that stops reading stdout while it goes
on sending, and one that closes stdin with thousands of requests in flight.

A parent that stops reading (a hung UI thread) must not make the sidecar buffer an answer for
every request it goes on sending: the unsent answers are bounded, new requests are not taken
until they drain, and nothing is lost when the parent reads again. Peak RSS growth is printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import REPO, check_jsonrpc, sidecar_command
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.lifecycle import quiet_env
from tests.hostile.test_load import MiB, Proc

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

SHUTTING_DOWN = -32802
TEST_1 = {"issueKey": "TEST-1"}
REQUESTS = 3_000
QUIET_S = 1.0  # no request taken for this long: the sidecar has stopped reading
# The unsent answers stop at 1 MiB plus what was already started; 3,000 answers of the OpenRPC
# document (67 KiB each) would be about 200 MiB.
GROWTH_BOUND = 48 * MiB


class Parent:
    """A sidecar process and the parent's ends of its pipes, read only when the test says."""

    def __init__(self, tmp_path: Path) -> None:
        env = {
            **os.environ,
            "YTRACKER_CONFIG_DIR": str(tmp_path / "config"),
            "YTRACKER_TRAY_INTERVAL_S": "0",
        }
        self.stderr = (tmp_path / "stderr.log").open("wb")
        self.proc = subprocess.Popen(
            [*sidecar_command(), "--secrets", "memory"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            cwd=REPO,
        )
        self.written = 0

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        message: dict[str, Any] = json.loads(self.proc.stdout.readline())
        check_jsonrpc(message)
        return message

    def response(self) -> dict[str, Any]:
        """The next response; notifications on the way are skipped."""
        while "method" in (message := self.read()):
            pass
        return message

    def send_all(self, count: int) -> None:
        """Each request in its own write, counting those the pipe took (it blocks when full)."""
        for n in range(count):
            self.send({"jsonrpc": "2.0", "id": n, "method": "rpc.discover"})
            self.written = n + 1

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.stderr.close()


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_quiet(parent: Parent, limit_s: float = 120) -> None:
    """Until neither the parent gets a request through nor the sidecar uses CPU for QUIET_S:
    it has done all it will do with what it has taken."""
    deadline = time.monotonic() + limit_s
    seen, since = (-1, -1), time.monotonic()
    while time.monotonic() < deadline:
        now = (parent.written, cpu_ticks(parent.proc.pid))
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= QUIET_S:
            return
        time.sleep(0.05)


def test_a_parent_that_stops_reading_costs_a_bounded_buffer(tmp_path: Path) -> None:
    parent = Parent(tmp_path)
    try:
        assert parent.read()["method"] == "ready"
        parent.send({"jsonrpc": "2.0", "id": "warm", "method": "rpc.discover"})
        assert parent.response()["id"] == "warm"  # the document exists: the baseline holds it
        proc = Proc(parent.proc.pid)
        base = proc.rss
        proc.reset_peak()
        writer = threading.Thread(target=parent.send_all, args=(REQUESTS,), daemon=True)
        writer.start()
        wait_quiet(parent)
        growth, taken = proc.peak - base, parent.written
        print(
            f"stopped taking requests after {taken} of {REQUESTS}; peak RSS growth "
            f"{growth / MiB:.1f} MiB over {base / MiB:.1f} MiB"
        )
        assert writer.is_alive() and taken < REQUESTS  # the sidecar stopped reading stdin
        assert growth < GROWTH_BOUND
        ids = [parent.response()["id"] for _ in range(REQUESTS)]  # the parent reads again
        writer.join(30)
        assert sorted(ids) == list(range(REQUESTS))  # every request answered, once
        assert parent.proc.stdin is not None
        parent.proc.stdin.close()
        assert parent.proc.wait(10) == 0
    finally:
        parent.close()


IN_FLIGHT = 5_000
EXIT_GUARD_S = 15.0  # a hang guard; the time itself is printed and measured in bench


def test_stdin_eof_with_thousands_in_flight_ends_promptly(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    """5,000 Tracker calls in flight (held by the fake), then EOF: every one is answered
    -32802 once, and the process ends; the time from EOF to exit is printed."""
    sidecar = start_signed_in(spawn, fake_tracker, env=quiet_env(tmp_path))
    assert sidecar.result("get_issue", {"issueKey": "TEST-1"})["key"] == "TEST-1"  # warm
    fake_tracker.faults.add("GET", r"^/v3/issues/TEST-1$", action="hold", times=IN_FLIGHT)
    lines = [
        json.dumps(
            {"jsonrpc": "2.0", "id": f"q{n}", "method": "get_issue", "params": TEST_1}
        ).encode()
        for n in range(IN_FLIGHT)
    ]
    sidecar.send_raw(b"\n".join(lines) + b"\n")
    assert sidecar.result("ping") == "pong"  # read after them: all 5,000 are in flight
    started = time.monotonic()
    sidecar.close_stdin()
    code = sidecar.proc.wait(EXIT_GUARD_S)
    elapsed = time.monotonic() - started
    print(f"{IN_FLIGHT} requests in flight: stdin EOF to exit {elapsed:.2f} s")
    assert code == 0
    answers = [m for m in sidecar.drain_stdout() if str(m.get("id")).startswith("q")]
    assert sorted(m["id"] for m in answers) == sorted(f"q{n}" for n in range(IN_FLIGHT))
    assert {m["error"]["code"] for m in answers} == {SHUTTING_DOWN}
    fake_tracker.faults.clear()
