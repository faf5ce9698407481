"""The tray state built from the tray's issues and a timer snapshot, as the old app's menu was."""

from __future__ import annotations

from typing import Any

import msgspec

from sidecar.api.issues import Issue, Priority, Status
from sidecar.api.local import TimerState
from sidecar.tray.menu import tray_state

IDLE = TimerState(active=False, issue_key=None, issue_summary=None, start_time=None, elapsed=0)


def issue(key: str, summary: str = "Something", status: str = "open") -> Issue:
    return Issue(
        key=key,
        summary=summary,
        description="",
        status=Status(key=status, display=status.title()),
        priority=Priority(key="normal", display="Normal"),
        issue_type=None,
        assignee=None,
        tags=[],
        followers=[],
        tracked_seconds=None,
    )


def running(key: str, summary: str | None = None, elapsed: int = 3900) -> TimerState:
    return TimerState(
        active=True, issue_key=key, issue_summary=summary, start_time=1, elapsed=elapsed
    )


def shape(menu: list[Any]) -> list[Any]:
    """(id, label, enabled, action) per item, submenus nested."""
    return [
        (m["id"], m["label"], m["enabled"], m["action"], shape(m["items"]))
        if m["items"]
        else (m["id"], m["label"], m["enabled"], m["action"])
        for m in menu
    ]


def test_idle_without_issues() -> None:
    state = msgspec.to_builtins(tray_state([], IDLE))
    assert {k: v for k, v in state.items() if k != "menu"} == {
        "title": "YTracker",
        "timerLabel": "Timer idle",
        "timerRunning": False,
        "runningIssueKey": None,
        "issues": [],
        "moreIssues": 0,
    }
    assert shape(state["menu"]) == [
        ("tray_idle_label", "Timer idle", False, None),
        ("tray_separator_1", None, False, None),
        ("tray_no_issues", "No issues found", False, None),
        ("tray_refresh", "Refresh Issues", True, "tray_refresh"),
        ("tray_separator_2", None, False, None),
        ("show", "Show", True, "show"),
        ("quit", "Quit", True, "quit"),
    ]
    assert [m["kind"] for m in state["menu"]][:2] == ["item", "separator"]


def test_running_with_more_than_twelve_issues_a_blank_summary_and_the_running_one_disabled() -> (
    None
):
    issues = [issue(f"TEST-{n}", f"Issue {n}") for n in range(1, 15)]
    issues[1] = issue("TEST-2", "  ")
    state = msgspec.to_builtins(tray_state(issues, running("TEST-3", "Issue  3")))
    assert state["title"] == "YT: TEST-3 (1h 05m)"
    assert state["timerLabel"] == "Running: TEST-3 — Issue 3 (1h 05m)"
    assert (state["timerRunning"], state["runningIssueKey"], state["moreIssues"]) == (
        True,
        "TEST-3",
        2,
    )
    assert [i["issueKey"] for i in state["issues"]] == [f"TEST-{n}" for n in range(1, 13)]
    assert state["issues"][1] == {"issueKey": "TEST-2", "label": "TEST-2", "enabled": True}
    assert state["issues"][2] == {
        "issueKey": "TEST-3",
        "label": "TEST-3: Issue 3",
        "enabled": False,
    }
    top = shape(state["menu"])
    assert top[:3] == [
        ("tray_running_label", "Running: TEST-3 — Issue 3 (1h 05m)", False, None),
        ("tray_stop_timer", "Stop Timer", True, "tray_stop_timer"),
        ("tray_separator_1", None, False, None),
    ]
    submenu = state["menu"][3]
    assert (submenu["id"], submenu["kind"], submenu["label"], submenu["enabled"]) == (
        "tray_start_submenu",
        "submenu",
        "Start Timer",
        True,
    )
    entries = submenu["items"]
    assert len(entries) == 13
    assert entries[0] == {
        "id": "tray_issue::TEST-1",
        "kind": "item",
        "label": "TEST-1: Issue 1",
        "enabled": True,
        "action": "tray_start_timer",
        "issueKey": "TEST-1",
        "items": [],
    }
    assert entries[2]["enabled"] is False
    assert (entries[12]["id"], entries[12]["label"], entries[12]["enabled"]) == (
        "tray_more_issues",
        "+2 more issues…",
        False,
    )
    assert [m[0] for m in top[4:]] == ["tray_refresh", "tray_separator_2", "show", "quit"]


def test_exactly_twelve_issues_have_no_more_line() -> None:
    issues = [issue(f"TEST-{n}") for n in range(1, 13)]
    state = tray_state(issues, IDLE)
    assert state.more_issues == 0
    assert [item.id for item in state.menu[2].items][-1] == "tray_issue::TEST-12"
    assert all(item.enabled for item in state.menu[2].items)
