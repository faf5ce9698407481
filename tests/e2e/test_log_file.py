"""`--log-file`: the same redacted JSON lines as stderr, in a private file a user can find and
send, with every internal error's incident id next to its traceback."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn, fake_args
from tests.fakes.tracker import CLIENT_SECRET, ORG_ID, TOKEN, FakeTrackerServer

BUGGY = [sys.executable, "-m", "tests.e2e.buggy_sidecar"]


def entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.skipif(
    bool(os.environ.get("YTRACKER_SIDECAR_BIN")), reason="adds a method to the source's table"
)
def test_an_incident_id_leads_to_its_traceback_in_the_log_file_without_secrets(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    log_file = tmp_path / "logs" / "sidecar.log"
    env = {"YTRACKER_CLIENT_ID": "client", "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}
    sidecar = spawn(*fake_args(fake_tracker, "--log-file", str(log_file)), env=env, program=BUGGY)
    login = {"token": TOKEN, "orgId": ORG_ID, "orgType": "yandex360"}
    assert sidecar.result("login_with_token", login) is True
    error = sidecar.error("test_crash")
    incident = error["data"]["incidentId"]
    assert error == {
        "code": -32603,
        "message": f"Internal error (incident {incident})",
        "data": {"kind": "internal", "incidentId": incident},
    }
    assert sidecar.stop() == 0

    [found] = [e for e in entries(log_file) if incident in e["msg"]]
    assert found["level"] == "error"
    assert found["msg"] == f"rpc: internal error in test_crash (id 2), incident {incident}"
    assert "in crash_with_the_token" in found["traceback"]
    assert found["traceback"].endswith("RuntimeError: could not frobnicate with token [redacted]")
    text = log_file.read_text(encoding="utf-8")
    assert TOKEN not in text and CLIENT_SECRET not in text
    assert TOKEN not in sidecar.stderr  # stderr is redacted the same way
    assert [e["msg"] for e in entries(log_file)] == [
        json.loads(line)["msg"] for line in sidecar.stderr.splitlines()
    ]  # the same lines as stderr
    if sys.platform != "win32":
        assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_the_environment_twin_names_the_file_too(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    log_file = tmp_path / "sidecar.log"
    args = fake_args(fake_tracker, "--log-level", "debug")
    sidecar = spawn(*args, env={"YTRACKER_LOG_FILE": str(log_file)})
    assert sidecar.result("ping") == "pong"
    assert sidecar.stop() == 0
    assert any(e["msg"].startswith("rpc ping id=1") for e in entries(log_file)), entries(log_file)


def test_a_log_file_that_cannot_be_opened_stops_the_start(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    log_file = blocker / "logs" / "sidecar.log"
    sidecar = spawn(*fake_args(fake_tracker, "--log-file", str(log_file)))
    assert sidecar.wait() == 2
    assert sidecar.stderr == (
        f"ytracker-sidecar: --log-file: cannot open {log_file}: Not a directory\n"
    )
    assert sidecar.stdout == ""
