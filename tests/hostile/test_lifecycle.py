"""Lifecycle under stress: stdin closed mid-request, SIGTERM mid-download, the parent killed,
`shutdown` with work in flight. Each sidecar must end within 2 s with exit code 0, answer what
it had accepted (finished, or -32802 when cancelled at exit), leave no temporary file (its
TMPDIR and the download folder are checked) and no child process behind. Two sidecars sharing
one OS keyring entry are in `test_lifecycle_keyring.py` (they need the real Secret Service).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest

from sidecar.rpc import Endpoint, MemoryTransport, RequestContext, Router
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import REPO, Sidecar, check_jsonrpc, sidecar_command
from tests.e2e.signed_in import LOGIN, start_signed_in
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.lifecycle import (
    KEPT,
    SERVER_LOG,
    children_of,
    ended_within,
    leftovers,
    quiet_env,
    wait_for_request,
    wait_gone,
)
from tests.hostile.secret_audit import AUDIT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

SHUTTING_DOWN = -32802
HELD = r"^/v3/issues/TEST-1$"


def stalled_download(sidecar: Sidecar, fake: FakeTrackerServer, dest: Path) -> int:
    """Start downloading server.log to `dest`, stalled by the fake after the headers; its
    request id once the temporary file is open (the first `$/progress`)."""
    fake.faults.add("GET", SERVER_LOG, action="stall_body")
    params = {"issueKey": "TEST-1", "attachmentId": "302", "destPath": str(dest)}
    request_id: int = sidecar.request("download_attachment", params)
    assert sidecar.notification("$/progress")["params"]["id"] == request_id
    return request_id


def test_stdin_closed_mid_request(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, env=quiet_env(tmp_path))
    fake_tracker.faults.add("GET", HELD, delay_s=10)
    request_id = sidecar.request("get_issue", {"issueKey": "TEST-1"})
    wait_for_request(fake_tracker, "GET", HELD)
    started = time.monotonic()
    sidecar.close_stdin()
    assert ended_within(sidecar, started) == 0
    messages = sidecar.drain_stdout()
    answers = [m for m in messages if m.get("id") == request_id]
    assert [a["error"]["code"] for a in answers] == [SHUTTING_DOWN], messages
    assert leftovers(tmp_path / "tmp") == []


def test_sigterm_mid_download(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, env=quiet_env(tmp_path))
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "server.log").write_bytes(KEPT)
    request_id = stalled_download(sidecar, fake_tracker, folder / "server.log")
    assert len(leftovers(folder)) == 2  # the temporary file exists: the check below can fail
    children = children_of(sidecar.proc.pid)
    started = time.monotonic()
    sidecar.proc.send_signal(signal.SIGTERM)
    assert ended_within(sidecar, started) == 0
    answers = [m for m in sidecar.drain_stdout() if m.get("id") == request_id]
    assert [a["error"]["code"] for a in answers] == [SHUTTING_DOWN]
    assert leftovers(folder) == [str(folder / "server.log")]
    assert (folder / "server.log").read_bytes() == KEPT
    assert leftovers(tmp_path / "tmp") == []
    assert [c for c in children if not wait_gone(c, 2.0)] == []


# Sends each request once the one before it is answered: a request that needs the session
# fails at once while a sign-in sent with it is still running (answers come in any order).
PARENT = """
import json, subprocess, sys, time
cmd, out, err, requests = json.loads(sys.argv[1])
child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=open(out, "wb"),
                         stderr=open(err, "wb"), cwd=sys.argv[2])
print(child.pid, flush=True)
for n, request in enumerate(requests):
    if n:
        while b'"id":%d,' % n not in open(out, "rb").read():
            time.sleep(0.01)
    child.stdin.write(json.dumps(request).encode() + b"\\n")
    child.stdin.flush()
time.sleep(600)
"""


def test_the_parent_killed_ends_the_sidecar(
    fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    """A shell that dies leaves the sidecar an EOF on stdin: it must not outlive it."""
    fake_tracker.faults.add("GET", r"^/v3/issues/TEST-1$", delay_s=10)  # not the tray's call
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    login = {"jsonrpc": "2.0", "id": 1, "method": "login_with_token", "params": LOGIN}
    held = {"jsonrpc": "2.0", "id": 2, "method": "get_issue", "params": {"issueKey": "TEST-1"}}
    cmd = [*sidecar_command(), *fake_args(fake_tracker)]
    env = {**os.environ, **quiet_env(tmp_path), "YTRACKER_CONFIG_DIR": str(tmp_path / "config")}
    env.setdefault("YTRACKER_RETRY_SLEEP_SCALE", "0")
    script_args = json.dumps([cmd, str(out), str(err), [login, held]])
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, script_args, str(REPO)],
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        wait_for_request(fake_tracker, "GET", r"^/v3/issues/TEST-1$")
        parent.kill()
        parent.wait(5)
        wait_gone(pid, 2.0)
    finally:
        parent.kill()
        parent.wait(5)
        parent.stdout.close()  # type: ignore[union-attr]
    AUDIT.harvest(fake_tracker)
    AUDIT.add_files(tmp_path)  # its stdout and stderr are files here
    lines = out.read_bytes().splitlines()
    messages = [json.loads(line) for line in lines]
    for message in messages:
        check_jsonrpc(message)
    assert [m.get("id") for m in messages if "id" in m] == [1, 2]
    assert messages[-1]["error"]["code"] == SHUTTING_DOWN
    assert leftovers(tmp_path / "tmp") == []


def test_shutdown_with_work_in_flight(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, env=quiet_env(tmp_path))
    folder = tmp_path / "downloads"
    folder.mkdir()
    fake_tracker.faults.add("GET", HELD, delay_s=0.5)  # finishes within the 1.5 s grace
    fake_tracker.faults.add("GET", r"^/v3/issues/TEST-2$", delay_s=10)  # does not
    quick = sidecar.request("get_issue", {"issueKey": "TEST-1"})
    slow = sidecar.request("get_issue", {"issueKey": "TEST-2"})
    download = stalled_download(sidecar, fake_tracker, folder / "f.log")
    started = time.monotonic()
    stop = sidecar.request("shutdown")
    late = sidecar.request("ping")
    assert sidecar.response(late, timeout=2)["error"]["code"] == -32600
    assert sidecar.response(stop, timeout=3)["result"] is None
    sidecar.send({"jsonrpc": "2.0", "method": "exit"})
    assert ended_within(sidecar, started) == 0
    assert sidecar.response(quick)["result"]["key"] == "TEST-1"
    assert sidecar.response(slow)["error"]["code"] == SHUTTING_DOWN
    assert sidecar.response(download)["error"]["code"] == SHUTTING_DOWN
    assert sidecar.drain_stdout() == []
    assert leftovers(folder, tmp_path / "tmp") == []


async def test_a_request_in_the_same_burst_as_shutdown_is_refused() -> None:
    """Frames read together: the request after `shutdown` must not slip in before the
    shutdown task first runs (in memory, so the burst is exact)."""
    router = Router()

    async def ping(params: None, ctx: RequestContext) -> str:
        return "pong"

    router.add("ping", ping, None)
    transport = MemoryTransport()
    endpoint = Endpoint(
        router, transport, translate_error=lambda exc: None, logger=logging.getLogger("t")
    )
    for message in ({"id": 1, "method": "shutdown"}, {"id": 2, "method": "ping"}):
        transport.feed(msgspec.json.encode({"jsonrpc": "2.0", **message}))
    transport.feed(msgspec.json.encode({"jsonrpc": "2.0", "method": "exit"}))
    assert await asyncio.wait_for(endpoint.serve(), 5) == 0
    answers = {m["id"]: m for m in map(msgspec.json.decode, transport.frames)}
    assert answers[1]["result"] is None
    assert answers[2]["error"] == {"code": -32600, "message": "Server is shutting down"}
