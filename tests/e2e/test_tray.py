"""The tray and the notifications end to end: a spawned sidecar on the fake Tracker.

The background refresh is off unless a test sets `--tray-interval-s`; `YTRACKER_TRAY_MINUTE_S`
shortens the tray's minute (reminders, the wrap-up check), so nothing waits real minutes.
Another user's edits are made at the fake over HTTPS with bob's token, as his browser would.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sidecar.handlers.issues import FIELDS
from sidecar.sandbox.model import Issue
from sidecar.sandbox.state import TrackerState
from sidecar.tray.texts import PHRASES
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import LOGIN, expect_request, start_signed_in
from tests.fakes.tracker import ORG_ID, FakeTrackerServer

MINUTE = {"YTRACKER_TRAY_MINUTE_S": "0.2"}
LATE = {"workday_end_time": "23:59"}  # no wrap-up during a test unless it asks for one
TEST_1 = "Login crashes on empty password"


def write_config(tmp_path: Path, **values: Any) -> None:
    folder = tmp_path / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({**LATE, **values}), encoding="utf-8")


def notices(sidecar: Sidecar, kind: str | None = None) -> list[dict[str, Any]]:
    sent = [n["params"] for n in sidecar.notifications if n["method"] == "notify"]
    return [n for n in sent if kind is None or n["kind"] == kind]


def trays(sidecar: Sidecar) -> list[dict[str, Any]]:
    return [n["params"] for n in sidecar.notifications if n["method"] == "tray"]


def wait_for_notice(sidecar: Sidecar, kind: str, count: int = 1) -> list[dict[str, Any]]:
    while len(notices(sidecar, kind)) < count:
        sidecar.notification("notify")
    return notices(sidecar, kind)


def pause(sidecar: Sidecar, seconds: float) -> None:
    """Let the sidecar run (and send what it will) for a while; a ping proves it still serves."""
    time.sleep(seconds)
    assert sidecar.result("ping") == "pong"


def current_minute() -> str:
    now = datetime.now()
    if (now.hour, now.minute) >= (23, 58):
        pytest.skip("the wrap-up test needs the local day to last another minute")
    return now.strftime("%H:%M")


def as_user(fake: FakeTrackerServer, token: str, method: str, path: str, body: Any) -> Any:
    """A request to the fake as another client of Tracker (a browser, another app)."""
    request = urllib.request.Request(
        f"{fake.url}{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"OAuth {token}",
            "X-Org-ID": ORG_ID,
            "Content-Type": "application/json",
        },
    )
    context = ssl.create_default_context(cafile=fake.ca_file)
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        return json.loads(response.read() or b"null")


def add_issues(fake: FakeTrackerServer, *issues: tuple[str, str]) -> None:
    def add(state: TrackerState) -> None:
        for key, summary in issues:
            now = datetime.now(UTC)
            queue, number = key.split("-")
            ident = f"{0x7A00 << 80 | int(number):024x}"
            issue = Issue(ident, key, queue, summary, "bob", now, now, assignee="alice")
            state.issues[key] = issue

    fake.call(add)


# -- tray actions -----------------------------------------------------------------------------


def test_tray_start_with_and_without_a_summary_and_the_tray_stop(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    write_config(tmp_path)
    sidecar = start_signed_in(spawn, fake_tracker)
    assert sidecar.result("get_tray_state")["menu"][2]["label"] == "No issues found"
    state = sidecar.result("tray_refresh")
    assert state == trays(sidecar)[-1]
    assert sidecar.result("tray_start_timer", {"issueKey": "TEST-1"}) is None
    assert notices(sidecar) == [
        {
            "kind": "timer-started",
            "title": "Timer started: TEST-1",
            "body": TEST_1,
            "issueKey": "TEST-1",
        }
    ]
    tick = [n for n in sidecar.notifications if n["method"] == "timer-tick"][-1]["params"]
    assert (tick["active"], tick["issue_key"], tick["issue_summary"]) == (True, "TEST-1", TEST_1)
    running = trays(sidecar)[-1]
    assert running["title"] == "YT: TEST-1 (0m)"
    assert running["timerLabel"] == f"Running: TEST-1 — {TEST_1} (0m)"
    assert [i["enabled"] for i in running["issues"] if i["issueKey"] == "TEST-1"] == [False]

    assert sidecar.result("tray_start_timer", {"issueKey": "TEST-1"}) is None  # already running
    assert len(notices(sidecar)) == 1
    assert sidecar.result("tray_start_timer", {"issueKey": "OPS-3"}) is None  # not in the tray
    assert notices(sidecar)[-1]["body"] == "Tracking time from tray"
    assert sidecar.result("get_timer_state")["issue_summary"] is None

    before = len(sidecar.notifications)
    assert sidecar.result("tray_stop_timer") is None
    after = [(n["method"], n["params"]) for n in sidecar.notifications[before:]]
    assert [method for method, _ in after] == ["timer-tick", "tray", "timer-stopped", "notify"]
    assert after[2][1] == {"issue_key": "OPS-3", "elapsed": after[2][1]["elapsed"]}
    assert after[3][1] == {
        "kind": "timer-stopped",
        "title": "Timer stopped: OPS-3",
        "body": "Tracked 0m",
        "issueKey": "OPS-3",
    }
    assert trays(sidecar)[-1]["title"] == "YTracker"
    count = len(sidecar.notifications)
    assert sidecar.result("tray_stop_timer") is None  # idle: only the (idle) timer-tick
    assert sidecar.result("stop_timer") == [0, None]
    assert {n["method"] for n in sidecar.notifications[count:]} == {"timer-tick"}
    assert sidecar.error("tray_start_timer", {"issueKey": "  "})["message"] == (
        "Issue key must not be empty"
    )


def test_no_notifications_still_keeps_the_tray_and_timer_stopped(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    write_config(tmp_path, timer_notification_interval=1)
    sidecar = start_signed_in(spawn, fake_tracker, "--no-notifications", env=MINUTE)
    sidecar.result("tray_start_timer", {"issueKey": "TEST-1"})
    pause(sidecar, 0.6)  # three reminder intervals
    sidecar.result("tray_stop_timer")
    assert sidecar.notification("timer-stopped")["params"]["issue_key"] == "TEST-1"
    assert notices(sidecar) == []
    assert trays(sidecar)[-1]["title"] == "YTracker"


# -- the background refresh -------------------------------------------------------------------


def test_the_background_refresh_request_and_the_tray_built_from_it(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    write_config(tmp_path)
    add_issues(
        fake_tracker, ("TEST-20", " \n "), *((f"TEST-{n}", f"Extra {n}") for n in range(21, 31))
    )
    sidecar = spawn(*fake_args(fake_tracker, "--tray-interval-s", "300"))
    sidecar.result("start_timer", {"issueKey": "TEST-2", "issueSummary": "Write the user guide"})
    assert sidecar.result("login_with_token", LOGIN) is True
    tray = sidecar.wait_for(lambda m: m.get("method") == "tray" and m["params"]["issues"])
    state = tray["params"]
    myself, search = fake_tracker.requests
    expect_request(myself, "GET", "/v3/myself")
    expect_request(
        search,
        "POST",
        "/v3/issues/_search",
        query={"perPage": "100", "page": "1", "fields": FIELDS},
        json={"filter": {"assignee": "alice", "resolution": "empty()"}},
    )
    keys = ["OPS-2", "TEST-1", "TEST-2", "TEST-5", "TEST-6", *(f"TEST-{n}" for n in range(20, 27))]
    assert [i["issueKey"] for i in state["issues"]] == keys
    assert state["moreIssues"] == 4
    assert state["issues"][1] == {
        "issueKey": "TEST-1",
        "label": f"TEST-1: {TEST_1}",
        "enabled": True,
    }
    assert state["issues"][2]["enabled"] is False  # its timer runs
    assert state["issues"][5] == {"issueKey": "TEST-20", "label": "TEST-20", "enabled": True}
    submenu = state["menu"][3]
    assert submenu["label"] == "Start Timer" and len(submenu["items"]) == 13
    assert submenu["items"][-1]["label"] == "+4 more issues…"
    assert state["title"] == "YT: TEST-2 (0m)"
    assert sidecar.result("get_tray_state") == state
    assert notices(sidecar) == []  # the first refresh is the baseline


def test_the_background_refresh_never_delays_an_interactive_request(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    """Each of the refresh's two requests queues in a 400 ms gap; an interactive request that
    comes later still goes first."""
    write_config(tmp_path)
    sidecar = start_signed_in(spawn, fake_tracker, "--cooldown-ms", "400")
    ids = [sidecar.request("get_issue", {"issueKey": "TEST-1"}), sidecar.request("tray_refresh")]
    time.sleep(0.1)  # the refresh's /myself is queued by now
    ids.append(sidecar.request("get_issue", {"issueKey": "TEST-2"}))
    deadline = time.monotonic() + 15
    while not fake_tracker.requests_to("GET", r"^/v3/myself$"):
        assert time.monotonic() < deadline
        time.sleep(0.005)
    ids.append(sidecar.request("get_issue", {"issueKey": "TEST-3"}))  # while the search waits
    for request_id in ids:
        assert "result" in sidecar.response(request_id)
    assert [r.path for r in fake_tracker.requests] == [
        "/v3/issues/TEST-1",
        "/v3/issues/TEST-2",
        "/v3/myself",
        "/v3/issues/TEST-3",
        "/v3/issues/_search",
    ]


def test_logout_stops_the_loop_and_empties_the_tray(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    write_config(tmp_path)
    sidecar = start_signed_in(spawn, fake_tracker, "--tray-interval-s", "0.2")
    sidecar.wait_for(lambda m: m.get("method") == "tray" and m["params"]["issues"])
    deadline = time.monotonic() + 15
    while len(fake_tracker.requests_to("POST", r"^/v3/issues/_search$")) < 3:
        assert time.monotonic() < deadline, "the background refresh did not repeat"
        time.sleep(0.05)
    assert sidecar.result("logout") is None
    pause(sidecar, 0.3)  # a request already on its way may still land
    stopped = len(fake_tracker.requests)
    pause(sidecar, 1.0)  # five refresh intervals
    assert len(fake_tracker.requests) == stopped
    assert trays(sidecar)[-1]["issues"] == []  # read by the ping's wait
    assert sidecar.result("get_tray_state")["menu"][2]["label"] == "No issues found"
    assert sidecar.error("tray_refresh")["data"]["kind"] == "unauthenticated"


# -- reminders and the wrap-up ----------------------------------------------------------------


def test_a_reminder_after_one_minute(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    write_config(tmp_path, timer_notification_interval=1)
    sidecar = start_signed_in(spawn, fake_tracker, env=MINUTE)
    sidecar.result("start_timer", {"issueKey": "TEST-1", "issueSummary": "Login  crashes"})
    [reminder] = wait_for_notice(sidecar, "timer-reminder")[:1]
    assert reminder == {
        "kind": "timer-reminder",
        "title": "TEST-1",
        "body": "Login  crashes\nTime spent: 0m",
        "issueKey": "TEST-1",
    }
    assert fake_tracker.requests == []


def test_the_wrap_up_below_the_target_comes_once(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    write_config(tmp_path, workday_hours=8, workday_end_time=current_minute())
    sidecar = start_signed_in(spawn, fake_tracker, env=MINUTE)
    [wrap] = wait_for_notice(sidecar, "workday-wrap-up")
    assert (wrap["title"], wrap["issueKey"]) == ("Workday wrap-up", None)
    prefix = "Tracked 0m of 8h 00m today. "
    assert wrap["body"].startswith(prefix) and wrap["body"].removeprefix(prefix) in PHRASES
    assert fake_tracker.requests == []  # no tray issues: nothing to count
    pause(sidecar, 1.0)  # five more checks
    assert len(notices(sidecar, "workday-wrap-up")) == 1


def evening_tz() -> str:
    """A POSIX TZ under which it is now about 20:00 local time: past the store's default end of
    the workday (17:00), before the day ends."""
    hours = (20 - datetime.now(UTC).hour) % 24
    hours = hours - 24 if hours > 12 else hours
    return f"EVE{-hours:+d}"  # POSIX counts west of Greenwich as positive


def test_no_wrap_up_from_defaults_before_the_config_is_read(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    write_config(tmp_path, workday_hours=1)  # the workday ends at 23:59 (LATE)
    sidecar = start_signed_in(spawn, fake_tracker, env={**MINUTE, "TZ": evening_tz()})
    pause(sidecar, 1.0)  # five minute ticks
    assert notices(sidecar, "workday-wrap-up") == []


def test_the_wrap_up_at_the_target_congratulates_once(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    write_config(tmp_path, workday_hours=1)
    sidecar = start_signed_in(spawn, fake_tracker, env=MINUTE)
    sidecar.result("tray_refresh")
    assert sidecar.result("log_work", {"issueKey": "TEST-1", "duration": "2h"}) is None
    config = sidecar.result("get_config")
    sidecar.result("save_config", {"config": {**config, "workday_end_time": current_minute()}})
    [wrap] = wait_for_notice(sidecar, "workday-wrap-up")
    assert (wrap["title"], wrap["body"]) == (
        "Great job today!",
        "You tracked 2h 00m today. Have a good evening!",
    )
    pause(sidecar, 1.0)
    assert len(notices(sidecar, "workday-wrap-up")) == 1
    assert len(fake_tracker.requests_to("POST", r"^/v3/worklog/_search$")) == 1


# -- what changed in your issues --------------------------------------------------------------


def changes_between_two_refreshes(
    spawn: SpawnFn, fake: FakeTrackerServer, tmp_path: Path
) -> Sidecar:
    """Bob starts TEST-2, assigns TEST-4 to alice and takes OPS-2; alice renames TEST-5 in her
    browser; through the sidecar she resolves TEST-1 and renames TEST-6."""
    write_config(tmp_path)
    sidecar = start_signed_in(spawn, fake)
    sidecar.result("tray_refresh")
    as_user(fake, "bob-token", "POST", "/v3/issues/TEST-2/transitions/start_progress/_execute", {})
    as_user(fake, "bob-token", "PATCH", "/v3/issues/TEST-4", {"assignee": "alice"})
    as_user(fake, "test-token", "PATCH", "/v3/issues/TEST-5", {"summary": "Renamed in a browser"})
    sidecar.result(
        "execute_transition",
        {"issueKey": "TEST-1", "transitionId": "resolve", "resolution": "fixed", "comment": None},
    )
    sidecar.result("update_issue", {"issueKey": "TEST-6", "summary": "Renamed by alice"})
    as_user(fake, "bob-token", "PATCH", "/v3/issues/OPS-2", {"assignee": "bob"})
    sidecar.result("tray_refresh")
    return sidecar


def summary(fake: FakeTrackerServer, key: str) -> str:
    return fake.call(lambda state: state.issues[key].summary)


def test_issues_changed_by_others_are_announced_with_their_author(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    sidecar = changes_between_two_refreshes(spawn, fake_tracker, tmp_path)
    # Announced in order, departures last: once OPS-2's arrives, every other was decided.
    announced = wait_for_notice(sidecar, "issues-changed", 3)
    assert [(n["title"], n["body"], n["issueKey"]) for n in announced] == [
        (
            "Status changed: TEST-2",
            "Open → In progress\nWrite the user guide\nby Bob Brown",
            "TEST-2",
        ),
        ("Assigned to you: TEST-4", f"{summary(fake_tracker, 'TEST-4')}\nby Bob Brown", "TEST-4"),
        (
            "Left your issues: OPS-2",
            f"Reassigned to Bob Brown\n{summary(fake_tracker, 'OPS-2')}\nby Bob Brown",
            "OPS-2",
        ),
    ]
    looked_up = sorted(r.path for r in fake_tracker.requests_to("GET", r"/changelog$"))
    assert looked_up == [
        f"/v3/issues/{k}/changelog" for k in ("OPS-2", "TEST-2", "TEST-4", "TEST-5")
    ]


def test_the_sidecars_own_changes_are_never_announced_even_without_a_changelog(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    fake_tracker.faults.add("GET", r"/changelog$", status=403, times=100)
    sidecar = changes_between_two_refreshes(spawn, fake_tracker, tmp_path)
    announced = wait_for_notice(sidecar, "issues-changed", 4)
    assert [n["title"] for n in announced] == [
        "Status changed: TEST-2",
        "Assigned to you: TEST-4",
        "Summary changed: TEST-5",  # her browser edit: without the changelog, nobody can tell
        "Left your issues: OPS-2",
    ]
    assert announced[0]["body"] == "Open → In progress\nWrite the user guide"
    assert announced[3]["body"].startswith("Resolved or reassigned\n")
