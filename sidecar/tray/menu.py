"""The tray's state, built from the tray's issue list and a timer snapshot, as the old app did.

Owns: the menu's order and contents (the running label and "Stop Timer" or "Timer idle"; "No
issues found" or a "Start Timer" submenu of the first 12 issues, the running one disabled, and
"+N more issues…"; "Refresh Issues"; "Show"; "Quit"), the item ids of the old app, and the
title. Must not know: where the issues come from or when the state is sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from sidecar.api.issues import Issue
from sidecar.api.local import TimerState
from sidecar.api.tray import TrayAction, TrayIssue, TrayMenuItem, TrayState
from sidecar.tray import texts

MAX_ISSUES = 12
ISSUE_ID_PREFIX = "tray_issue::"


def tray_state(issues: Sequence[Issue], timer: TimerState) -> TrayState:
    running = timer.issue_key if timer.active else None
    listed = [
        TrayIssue(
            issue_key=issue.key,
            label=texts.issue_label(issue.key, issue.summary),
            enabled=issue.key != running,
        )
        for issue in issues[:MAX_ISSUES]
    ]
    more = max(len(issues) - MAX_ISSUES, 0)
    return TrayState(
        title=texts.title(timer),
        timer_label=texts.timer_label(timer),
        timer_running=timer.active,
        running_issue_key=running,
        issues=listed,
        more_issues=more,
        menu=_menu(timer, listed, more),
    )


def _menu(timer: TimerState, listed: list[TrayIssue], more: int) -> list[TrayMenuItem]:
    return [
        *_timer_items(timer),
        _separator(1),
        _issues_item(listed, more),
        _item("tray_refresh", texts.REFRESH, action="tray_refresh"),
        _separator(2),
        _item("show", texts.SHOW, action="show"),
        _item("quit", texts.QUIT, action="quit"),
    ]


def _timer_items(timer: TimerState) -> list[TrayMenuItem]:
    if not timer.active:
        return [_item("tray_idle_label", texts.TIMER_IDLE)]
    return [
        _item("tray_running_label", texts.timer_label(timer)),
        _item("tray_stop_timer", texts.STOP_TIMER, action="tray_stop_timer"),
    ]


def _issues_item(listed: list[TrayIssue], more: int) -> TrayMenuItem:
    if not listed:
        return _item("tray_no_issues", texts.NO_ISSUES)
    entries = [_issue_item(issue) for issue in listed]
    if more:
        entries.append(_item("tray_more_issues", texts.more_issues(more)))
    return TrayMenuItem(
        id="tray_start_submenu",
        kind="submenu",
        label=texts.START_TIMER,
        enabled=True,
        action=None,
        issue_key=None,
        items=entries,
    )


def _issue_item(issue: TrayIssue) -> TrayMenuItem:
    return TrayMenuItem(
        id=ISSUE_ID_PREFIX + issue.issue_key,
        kind="item",
        label=issue.label,
        enabled=issue.enabled,
        action="tray_start_timer",
        issue_key=issue.issue_key,
        items=[],
    )


def _item(ident: str, label: str, *, action: TrayAction | None = None) -> TrayMenuItem:
    """A line of text: enabled exactly when it does something."""
    return TrayMenuItem(
        id=ident,
        kind="item",
        label=label,
        enabled=action is not None,
        action=action,
        issue_key=None,
        items=[],
    )


def _separator(number: int) -> TrayMenuItem:
    return TrayMenuItem(
        id=f"tray_separator_{number}",
        kind="separator",
        label=None,
        enabled=False,
        action=None,
        issue_key=None,
        items=[],
    )
