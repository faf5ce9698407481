"""Every string the tray and the notifications show, formatted and cut as the old app did.

Owns: elapsed formatting (`1h 05m` from an hour up, else `5m`), whitespace collapsing and the
character cuts with `…`, the menu labels, the notification titles and bodies
(`docs/frontend-contract.md` §8.3), the eight encouraging phrases of the wrap-up, and the
wording of the `issues-changed` notices (new: the old app had none).
Must not know: when any of it is shown.
"""

from __future__ import annotations

from sidecar.api.local import TimerState
from sidecar.api.tray import Notice
from sidecar.tray.changes import Cause, Change

ELLIPSIS = "…"
ISSUE_LABEL_CHARS = 60
RUNNING_LABEL_CHARS = 50
NOTICE_CHARS = 80

TITLE_IDLE = "YTracker"
TIMER_IDLE = "Timer idle"
TIMER_RUNNING = "Timer running"
NO_TIMER_KEY = "Timer"
NO_ISSUES = "No issues found"
STOP_TIMER = "Stop Timer"
START_TIMER = "Start Timer"
REFRESH = "Refresh Issues"
SHOW = "Show"
QUIT = "Quit"
FROM_TRAY = "Tracking time from tray"
TASK_TIMER = "Task timer"

PHRASES = (
    "Small progress is still progress — you've got this.",
    "A little more focus now will make tomorrow easier.",
    "Keep going — your effort today matters.",
    "One steady push and you'll close the day strong.",
    "You're building momentum — stay with it.",
    "Every tracked minute moves you forward.",
    "Finish with confidence — you can do it.",
    "Your future self will thank you for this final stretch.",
)


def elapsed(seconds: int) -> str:
    """`1h 05m` from an hour up, else `5m` (seconds are dropped)."""
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def collapse(text: str) -> str:
    """Runs of whitespace become one space; leading and trailing whitespace goes."""
    return " ".join(text.split())


def cut(text: str, limit: int) -> str:
    """Trimmed; longer than `limit` characters → the first `limit - 1` and `…`."""
    trimmed = text.strip()
    if len(trimmed) <= limit:
        return trimmed
    return ELLIPSIS if limit <= 1 else trimmed[: limit - 1] + ELLIPSIS


def _summary_or(summary: str | None, limit: int, fallback: str) -> str:
    shown = cut(collapse(summary), limit) if summary is not None else ""
    return shown or fallback


# -- the menu ---------------------------------------------------------------------------------


def issue_label(key: str, summary: str) -> str:
    """`KEY: summary cut to 60`, or just the key when the summary is blank."""
    text = collapse(summary)
    return f"{key}: {cut(text, ISSUE_LABEL_CHARS)}" if text else key


def timer_label(state: TimerState) -> str:
    """`Running: KEY — summary (elapsed)` while running, else `Timer idle`."""
    if not state.active:
        return TIMER_IDLE
    summary = _summary_or(state.issue_summary, RUNNING_LABEL_CHARS, TIMER_RUNNING)
    key = state.issue_key or NO_TIMER_KEY
    return f"Running: {key} — {summary} ({elapsed(state.elapsed)})"


def title(state: TimerState) -> str:
    """`YT: KEY (elapsed)` while running, else `YTracker`."""
    if not state.active:
        return TITLE_IDLE
    return f"YT: {state.issue_key or NO_TIMER_KEY} ({elapsed(state.elapsed)})"


def more_issues(count: int) -> str:
    return f"+{count} more issues{ELLIPSIS}"


# -- notifications ----------------------------------------------------------------------------


def timer_started(key: str, summary: str | None) -> Notice:
    body = _summary_or(summary, NOTICE_CHARS, FROM_TRAY)
    return Notice(kind="timer-started", title=f"Timer started: {key}", body=body, issue_key=key)


def timer_stopped(key: str, seconds: int) -> Notice:
    body = f"Tracked {elapsed(seconds)}"
    return Notice(kind="timer-stopped", title=f"Timer stopped: {key}", body=body, issue_key=key)


def reminder(state: TimerState) -> Notice:
    """Titled with the key; the summary as it is (not collapsed or cut), then the time spent."""
    summary = TIMER_RUNNING if state.issue_summary is None else state.issue_summary
    return Notice(
        kind="timer-reminder",
        title=state.issue_key or TASK_TIMER,
        body=f"{summary}\nTime spent: {elapsed(state.elapsed)}",
        issue_key=state.issue_key,
    )


def wrap_up(total: int, target: int, phrase: str) -> Notice:
    """Below the target: the tally and an encouraging phrase; else congratulations."""
    if total < target:
        title, body = "Workday wrap-up", f"Tracked {elapsed(total)} of {elapsed(target)} today."
        body = f"{body} {phrase}"
    else:
        title = "Great job today!"
        body = f"You tracked {elapsed(total)} today. Have a good evening!"
    return Notice(kind="workday-wrap-up", title=title, body=body, issue_key=None)


# -- what changed in your issues --------------------------------------------------------------

_CHANGE_TITLES = {
    "assigned": "Assigned to you: {key}",
    "status": "Status changed: {key}",
    "summary": "Summary changed: {key}",
    "removed": "Left your issues: {key}",
}


def change(item: Change, cause: Cause | None) -> Notice:
    """Title `<what happened>: KEY`; body: what changed, the summary, who did it (if known)."""
    summary = cut(collapse(item.summary), NOTICE_CHARS)
    if item.kind == "summary":
        lines = [summary, f"Was: {cut(collapse(item.before or ''), NOTICE_CHARS)}"]
    else:
        lines = [*_what(item, cause), summary]
    if cause is not None and cause.author:
        lines.append(f"by {cause.author}")
    body = "\n".join(line for line in lines if line)
    title = _CHANGE_TITLES[item.kind].format(key=item.key)
    return Notice(kind="issues-changed", title=title, body=body, issue_key=item.key)


def _what(item: Change, cause: Cause | None) -> list[str]:
    if item.kind == "status":
        return [f"{item.before} → {item.after}"]
    if item.kind == "removed":
        return [cause.outcome if cause is not None and cause.outcome else "Resolved or reassigned"]
    return []


def more_changes(count: int) -> Notice:
    """One notice for the changes past the per-refresh limit."""
    noun = "issue" if count == 1 else "issues"
    return Notice(
        kind="issues-changed",
        title="More changes in your issues",
        body=f"{count} more {noun} changed since the last refresh",
        issue_key=None,
    )
