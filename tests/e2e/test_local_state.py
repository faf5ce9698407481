"""Config and timer end to end: a spawned sidecar, its `config.json`, and `timer-tick`.

None of these commands needs a session or Tracker; they answer even while a Tracker call hangs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import start_signed_in

DEFAULTS = {
    "timer_notification_interval": 15,
    "workday_hours": 8,
    "workday_start_time": "09:00",
    "workday_end_time": "17:00",
}
IDLE = {"active": False, "issue_key": None, "issue_summary": None, "start_time": None, "elapsed": 0}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"  # the `spawn` fixture's YTRACKER_CONFIG_DIR


@pytest.fixture
def sidecar(spawn: SpawnFn) -> Sidecar:
    return spawn("--secrets", "memory")


def ticks(sidecar: Sidecar) -> list[dict[str, Any]]:
    return [n["params"] for n in sidecar.notifications if n["method"] == "timer-tick"]


# -- config -----------------------------------------------------------------------------------


def test_get_config_without_a_file_gives_the_defaults(sidecar: Sidecar, config_dir: Path) -> None:
    assert sidecar.result("get_config") == DEFAULTS
    assert not config_dir.exists()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (
            {
                "timer_notification_interval": 0,
                "workday_hours": 30,
                "workday_start_time": " 08:30 ",
                "workday_end_time": "25:00",
            },
            {**DEFAULTS, "timer_notification_interval": 1, "workday_hours": 24}
            | {"workday_start_time": "08:30"},
        ),
        ({"workday_hours": 0}, {**DEFAULTS, "workday_hours": 1}),
        ({"workday_hours": 6, "unknown": True}, {**DEFAULTS, "workday_hours": 6}),
        ({"workday_hours": 300}, DEFAULTS),  # not a u8: the whole file is unusable
        ("not json at all", DEFAULTS),
        ([1, 2], DEFAULTS),
    ],
)
def test_get_config_normalises_what_the_file_holds(
    sidecar: Sidecar, config_dir: Path, stored: Any, expected: dict[str, Any]
) -> None:
    config_dir.mkdir()
    text = stored if isinstance(stored, str) else json.dumps(stored)
    (config_dir / "config.json").write_text(text)
    assert sidecar.result("get_config") == expected


def test_save_config_writes_the_normalised_file(sidecar: Sidecar, config_dir: Path) -> None:
    config = {
        "timer_notification_interval": 0,
        "workday_hours": 7,
        "workday_start_time": "bad",
        "workday_end_time": " 18:15 ",
    }
    assert sidecar.result("save_config", {"config": config}) is None
    expected = {
        "timer_notification_interval": 1,
        "workday_hours": 7,
        "workday_start_time": "09:00",
        "workday_end_time": "18:15",
    }
    assert json.loads((config_dir / "config.json").read_text()) == expected
    assert sidecar.result("get_config") == expected
    assert [p.name for p in config_dir.iterdir()] == ["config.json"]


def test_save_config_fills_missing_keys_with_defaults(sidecar: Sidecar, config_dir: Path) -> None:
    assert sidecar.result("save_config", {"config": {"workday_hours": 10}}) is None
    assert sidecar.result("get_config") == {**DEFAULTS, "workday_hours": 10}


@pytest.mark.parametrize(
    "config",
    [{"workday_hours": 300}, {"workday_hours": -1}, {"timer_notification_interval": "15"}],
)
def test_save_config_with_a_wrong_type_is_invalid_params(
    sidecar: Sidecar, config_dir: Path, config: dict[str, Any]
) -> None:
    error = sidecar.error("save_config", {"config": config})
    assert error["code"] == -32602
    assert next(iter(config)) in error["message"]
    assert not config_dir.exists()


def test_a_config_dir_that_cannot_be_written(spawn: SpawnFn, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the config folder should be")
    sidecar = spawn("--secrets", "memory", env={"YTRACKER_CONFIG_DIR": str(blocker / "sub")})
    assert sidecar.result("get_config") == DEFAULTS  # get_config never fails
    error = sidecar.error("save_config", {"config": DEFAULTS})
    assert error["data"]["kind"] == "local_io"
    assert "Not a directory" in error["message"]


def test_local_commands_answer_while_a_tracker_call_hangs(
    spawn: SpawnFn, fake_tracker: Any
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    fake_tracker.faults.add("GET", r"/attachments$", delay_s=3.0)
    slow = sidecar.request("get_attachments", {"issueKey": "TEST-1"})
    fast = sidecar.request("get_config")
    first = sidecar.wait_for(lambda m: "method" not in m and m.get("id") in (slow, fast))
    assert first["id"] == fast and first["result"] == DEFAULTS
    assert len(sidecar.response(slow)["result"]) == 2


# -- timer ------------------------------------------------------------------------------------


def test_the_timer_is_idle_at_start(sidecar: Sidecar) -> None:
    assert sidecar.result("get_timer_state") == IDLE
    assert sidecar.result("stop_timer") == [0, None]
    assert ticks(sidecar) == [IDLE]  # stop broadcasts even when idle


def test_start_and_stop_with_a_tick_on_each_change(sidecar: Sidecar) -> None:
    before = int(time.time())
    params = {"issueKey": "TEST-1", "issueSummary": "Login crashes"}
    assert sidecar.result("start_timer", params) is None
    state = sidecar.result("get_timer_state")
    after = int(time.time())
    assert (state["active"], state["issue_key"], state["issue_summary"]) == (
        True,
        "TEST-1",
        "Login crashes",
    )
    assert before <= state["start_time"] <= after and 0 <= state["elapsed"] <= 2
    [tick] = ticks(sidecar)
    assert tick == {**state, "elapsed": 0}
    elapsed, key = sidecar.result("stop_timer")
    assert key == "TEST-1" and 0 <= elapsed <= int(time.time()) - before + 1
    assert ticks(sidecar)[-1] == IDLE and len(ticks(sidecar)) == 2
    assert sidecar.result("get_timer_state") == IDLE


def test_start_replaces_a_running_timer(sidecar: Sidecar) -> None:
    sidecar.result("start_timer", {"issueKey": "TEST-1", "issueSummary": "one"})
    sidecar.result("start_timer", {"issueKey": "OPS-2"})  # the summary may be omitted
    state = sidecar.result("get_timer_state")
    assert (state["issue_key"], state["issue_summary"]) == ("OPS-2", None)
    assert [t["issue_key"] for t in ticks(sidecar)] == ["TEST-1", "OPS-2"]
    assert sidecar.result("stop_timer")[1] == "OPS-2"


def test_start_timer_needs_an_issue_key(sidecar: Sidecar) -> None:
    error = sidecar.error("start_timer", {"issueSummary": "x"})
    assert error["code"] == -32602 and "issueKey" in error["message"]
    assert sidecar.result("get_timer_state") == IDLE
