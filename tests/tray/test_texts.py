"""The tray's and the notifications' strings, character for character as the old app made them."""

from __future__ import annotations

import pytest

from sidecar.api.local import TimerState
from sidecar.tray import texts
from sidecar.tray.changes import Cause, Change


def running(key: str | None, summary: str | None, elapsed: int) -> TimerState:
    return TimerState(
        active=True, issue_key=key, issue_summary=summary, start_time=1, elapsed=elapsed
    )


IDLE = TimerState(active=False, issue_key=None, issue_summary=None, start_time=None, elapsed=0)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0m"),
        (59, "0m"),
        (60, "1m"),
        (300, "5m"),
        (3599, "59m"),
        (3600, "1h 00m"),
        (3900, "1h 05m"),
        (36000 + 59 * 60 + 59, "10h 59m"),
        (100 * 3600, "100h 00m"),
    ],
)
def test_elapsed_is_minutes_below_an_hour_then_hours_and_two_digit_minutes(
    seconds: int, shown: str
) -> None:
    assert texts.elapsed(seconds) == shown


def test_cut_trims_counts_characters_and_ends_with_an_ellipsis() -> None:
    assert texts.cut("  short  ", 10) == "short"
    assert texts.cut("x" * 10, 10) == "x" * 10
    assert texts.cut("x" * 11, 10) == "x" * 9 + "…"
    assert texts.cut("ёжик в тумане", 5) == "ёжик…"  # characters, not bytes
    assert texts.cut("abc", 1) == "…"
    assert texts.cut("abc", 0) == "…"
    assert texts.cut("", 0) == ""


def test_collapse_joins_every_run_of_whitespace() -> None:
    assert texts.collapse("  a \t b\n\nc  ") == "a b c"


def test_issue_label_collapses_then_cuts_to_60_or_is_the_bare_key() -> None:
    assert texts.issue_label("TEST-1", "Login  crashes\non empty password") == (
        "TEST-1: Login crashes on empty password"
    )
    assert texts.issue_label("TEST-2", "y" * 61) == "TEST-2: " + "y" * 59 + "…"
    assert texts.issue_label("TEST-2", "y" * 60) == "TEST-2: " + "y" * 60
    assert texts.issue_label("TEST-3", " \n\t ") == "TEST-3"


def test_timer_label_and_title_while_running_and_idle() -> None:
    long = running("TEST-1", "word " * 20, 3900)
    assert texts.timer_label(long) == ("Running: TEST-1 — " + ("word " * 10)[:49] + "… (1h 05m)")
    assert texts.timer_label(running("TEST-1", "Fix  it", 300)) == "Running: TEST-1 — Fix it (5m)"
    assert texts.timer_label(running("TEST-1", None, 0)) == "Running: TEST-1 — Timer running (0m)"
    assert texts.timer_label(running("TEST-1", "  ", 0)) == "Running: TEST-1 — Timer running (0m)"
    assert texts.timer_label(running(None, None, 0)) == "Running: Timer — Timer running (0m)"
    assert texts.timer_label(IDLE) == "Timer idle"
    assert texts.title(running("TEST-1", "x", 3900)) == "YT: TEST-1 (1h 05m)"
    assert texts.title(running(None, "x", 60)) == "YT: Timer (1m)"
    assert texts.title(IDLE) == "YTracker"
    assert texts.more_issues(3) == "+3 more issues…"


def test_timer_started_and_stopped_notices() -> None:
    started = texts.timer_started("TEST-1", "Login\ncrashes " + "z" * 80)
    assert (started.kind, started.title, started.issue_key) == (
        "timer-started",
        "Timer started: TEST-1",
        "TEST-1",
    )
    assert started.body == ("Login crashes " + "z" * 80)[:79] + "…"
    assert texts.timer_started("TEST-7", None).body == "Tracking time from tray"
    assert texts.timer_started("TEST-7", " ").body == "Tracking time from tray"
    stopped = texts.timer_stopped("TEST-1", 3900)
    assert (stopped.kind, stopped.title, stopped.body) == (
        "timer-stopped",
        "Timer stopped: TEST-1",
        "Tracked 1h 05m",
    )


def test_reminder_keeps_the_summary_as_it_is() -> None:
    notice = texts.reminder(running("TEST-1", "Login  crashes", 900))
    assert (notice.kind, notice.title, notice.issue_key) == ("timer-reminder", "TEST-1", "TEST-1")
    assert notice.body == "Login  crashes\nTime spent: 15m"
    assert texts.reminder(running("TEST-1", None, 60)).body == "Timer running\nTime spent: 1m"
    assert texts.reminder(running("TEST-1", "", 60)).body == "\nTime spent: 1m"  # as the app
    assert texts.reminder(running(None, None, 60)).title == "Task timer"


def test_wrap_up_below_and_at_the_target() -> None:
    short = texts.wrap_up(3 * 3600 + 5 * 60, 8 * 3600, texts.PHRASES[5])
    assert (short.kind, short.title, short.issue_key) == (
        "workday-wrap-up",
        "Workday wrap-up",
        None,
    )
    assert short.body == "Tracked 3h 05m of 8h 00m today. Every tracked minute moves you forward."
    done = texts.wrap_up(8 * 3600, 8 * 3600, texts.PHRASES[0])
    assert (done.title, done.body) == (
        "Great job today!",
        "You tracked 8h 00m today. Have a good evening!",
    )
    assert len(set(texts.PHRASES)) == 8


def test_change_notices_say_what_changed_and_who_did_it() -> None:
    bob = Cause(author="Bob Brown", author_ids=frozenset({"2"}))
    status = texts.change(Change("status", "TEST-1", "Login crashes", "Open", "Resolved"), bob)
    assert (status.kind, status.title, status.issue_key) == (
        "issues-changed",
        "Status changed: TEST-1",
        "TEST-1",
    )
    assert status.body == "Open → Resolved\nLogin crashes\nby Bob Brown"
    assigned = texts.change(Change("assigned", "OPS-9", "New  work"), None)
    assert (assigned.title, assigned.body) == ("Assigned to you: OPS-9", "New work")
    renamed = texts.change(Change("summary", "TEST-2", "New name", "Old name", "New name"), bob)
    assert (renamed.title, renamed.body) == (
        "Summary changed: TEST-2",
        "New name\nWas: Old name\nby Bob Brown",
    )
    resolved = Cause(author="Bob Brown", author_ids=frozenset(), outcome="Resolved: Fixed")
    gone = texts.change(Change("removed", "TEST-5", "Gone"), resolved)
    assert (gone.title, gone.body) == (
        "Left your issues: TEST-5",
        "Resolved: Fixed\nGone\nby Bob Brown",
    )
    unknown = texts.change(Change("removed", "TEST-5", "Gone"), None)
    assert unknown.body == "Resolved or reassigned\nGone"
    more = texts.more_changes(3)
    assert (more.title, more.body, more.issue_key) == (
        "More changes in your issues",
        "3 more issues changed since the last refresh",
        None,
    )
