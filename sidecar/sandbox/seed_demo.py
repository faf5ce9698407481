"""`demo_state()`: friendly sample data for `ytracker-sidecar --demo`, already signed in.

The demo signs in as `DEMO_LOGIN` with `DEMO_TOKEN` (OAuth) in organization `DEMO_ORG_ID`
(yandex360), all in `demo_account.py`. Three queues, 25 issues of varied types, priorities and
statuses, comments, work logs (some logged today, so the day's progress bar moves), checklists,
a PNG screenshot shown inline in DESK-1's description and a text file. Times are relative to the
moment of seeding.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sidecar.sandbox.demo_account import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_LOGIN,
    DEMO_ORG_ID,
    DEMO_TOKEN,
)
from sidecar.sandbox.images import gradient
from sidecar.sandbox.model import (
    Attachment,
    ChecklistItem,
    Comment,
    Issue,
    Org,
    Project,
    Queue,
    User,
    Worklog,
)
from sidecar.sandbox.seed_common import add_catalogs
from sidecar.sandbox.state import TrackerState
from sidecar.sandbox.timeutil import HOUR, MINUTE

# queue, summary, type, priority, status, assignee, tags
_ISSUES = [
    ("DESK", "Timer keeps running after sleep", "bug", "critical", "inProgress", "sam", ["timer"]),
    ("DESK", "Dark theme for the issue list", "improvement", "normal", "open", "sam", ["ui"]),
    ("DESK", "Crash when an attachment name has emoji", "bug", "blocker", "open", "priya", []),
    ("DESK", "Remember the last used filter", "task", "minor", "needInfo", "sam", ["ui"]),
    ("DESK", "Keyboard shortcut to start the timer", "improvement", "normal", "open", "mei", []),
    (
        "DESK",
        "Show today's logged time in the tray",
        "task",
        "normal",
        "resolved",
        "sam",
        ["timer"],
    ),
    ("DESK", "Checklist items lose their order", "bug", "normal", "inProgress", "ivan", []),
    ("DESK", "Offline banner flickers", "bug", "minor", "closed", "priya", ["ui"]),
    ("DESK", "Sign-in page copy review", "task", "trivial", "open", None, ["copy"]),
    ("WEB", "Landing page hero image", "task", "normal", "inProgress", "mei", ["design"]),
    ("WEB", "Pricing table on mobile overflows", "bug", "critical", "open", "sam", ["mobile"]),
    ("WEB", "Add a changelog page", "improvement", "minor", "open", "ivan", []),
    ("WEB", "Broken link in the footer", "bug", "trivial", "closed", "priya", []),
    ("WEB", "Cookie banner translations", "task", "normal", "needInfo", "sam", ["i18n"]),
    ("WEB", "Speed up the docs search", "improvement", "normal", "triage", None, []),
    ("WEB", "Newsletter sign-up form", "task", "minor", "resolved", "mei", []),
    ("OPS", "Renew TLS certificates", "task", "critical", "inProgress", "sam", ["security"]),
    ("OPS", "Nightly backup verification", "task", "normal", "open", "ivan", ["backup"]),
    ("OPS", "Disk usage alert on build agent", "bug", "normal", "open", "sam", []),
    ("OPS", "Upgrade the database to the new minor", "task", "minor", "needInfo", "ivan", []),
    ("OPS", "Rotate API keys", "task", "blocker", "open", "priya", ["security"]),
    ("OPS", "Document the release checklist", "task", "trivial", "closed", "sam", ["docs"]),
    ("OPS", "Log retention policy", "improvement", "normal", "open", None, []),
    ("OPS", "Flaky deploy step", "bug", "critical", "inProgress", "mei", ["ci"]),
    ("OPS", "Quarterly access review", "task", "normal", "resolved", "sam", []),
]


def demo_state(now: datetime | None = None) -> TrackerState:
    moment = now or datetime.now(UTC)
    state = TrackerState(org=Org(DEMO_ORG_ID))
    add_catalogs(state)
    _people(state)
    _containers(state)
    for n, row in enumerate(_ISSUES):
        issue = _issue(state, moment - timedelta(days=30 - n), row)
        state.issues[issue.key] = issue
    _details(state, moment)
    return state


def _people(state: TrackerState) -> None:
    users = [
        User(1130000000000001, "sam", "Sam", "Taylor", "sam@example.com"),
        User(1130000000000002, "priya", "Priya", "Patel", "priya@example.com"),
        User(1130000000000003, "ivan", "Ivan", "Petrov", "ivan@example.com"),
        User(1130000000000004, "mei", "Mei", "Chen", "mei@example.com"),
    ]
    state.users = {u.login: u for u in users}
    state.add_token(DEMO_TOKEN, DEMO_LOGIN)
    state.oauth_clients = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
    state.oauth_default_login = DEMO_LOGIN


def _containers(state: TrackerState) -> None:
    all_types = ["bug", "task", "improvement"]
    state.queues = {
        "DESK": Queue(
            1, "DESK", "Desktop app", "sam", "The YTracker desktop client", issue_types=all_types
        ),
        "WEB": Queue(2, "WEB", "Website", "mei", issue_types=all_types),
        "OPS": Queue(3, "OPS", "Operations", "ivan", issue_types=all_types),
    }
    state.projects = {
        1: Project(1, "Spring release", "sam", queues=["DESK", "WEB"]),
        2: Project(2, "Infrastructure", "ivan", queues=["OPS"]),
    }


def _issue(state: TrackerState, created: datetime, row: tuple[object, ...]) -> Issue:
    queue, summary, kind, priority, status, assignee, tags = row
    key = state.next_issue_key(str(queue))
    issue = Issue(
        f"{0x66C0 << 80 | len(state.issues) + 1:024x}",
        key,
        str(queue),
        str(summary),
        "sam",
        created,
        created,
    )
    issue.type, issue.priority, issue.status = str(kind), str(priority), str(status)
    issue.assignee = None if assignee is None else str(assignee)
    issue.tags = list(tags) if isinstance(tags, list) else []
    issue.project = 2 if queue == "OPS" else 1
    if status in ("resolved", "closed"):
        issue.resolution, issue.resolved_at = "fixed", created + timedelta(days=2)
    issue.description = f"{summary}.\n\nThis is sample data from the YTracker demo sandbox."
    return issue


def _details(state: TrackerState, now: datetime) -> None:
    desk1 = state.issues["DESK-1"]
    shot = Attachment(
        state.next_id(),
        "timer-after-sleep.png",
        "image/png",
        gradient(),
        "sam",
        now - timedelta(days=3),
        "DESK-1",
        None,
        (48, 32),
    )
    notes = Attachment(
        state.next_id(),
        "steps.txt",
        "text/plain",
        b"1. Start the timer\n2. Close the lid\n3. Wait an hour\n",
        "priya",
        now - timedelta(days=2),
        "DESK-1",
    )
    state.attachments = {shot.id: shot, notes.id: notes}
    desk1.description = (
        "The timer keeps counting while the laptop sleeps.\n\n"
        f"![timer-after-sleep.png](/ajax/v2/attachments/{shot.id}?inline=true =480x320)\n\n"
        "**Expected:** the timer pauses on sleep."
    )
    desk1.checklist = [
        ChecklistItem("66c1000000000000000000a1", "Reproduce on macOS", checked=True),
        ChecklistItem("66c1000000000000000000a2", "Reproduce on Windows", assignee="priya"),
        ChecklistItem(
            "66c1000000000000000000a3",
            "Add a sleep/wake test",
            assignee="sam",
            deadline=now.date() + timedelta(days=5),
        ),
    ]
    state.issues["OPS-1"].checklist = [
        ChecklistItem("66c1000000000000000000b1", "Order new certificates", checked=True),
        ChecklistItem(
            "66c1000000000000000000b2",
            "Deploy to staging",
            deadline=now.date() + timedelta(days=1),
        ),
    ]
    _conversation(state, now)
    _time(state, now)


def _conversation(state: TrackerState, now: datetime) -> None:
    lines = [
        ("DESK-1", "priya", "Happens every time on my laptop. Steps attached."),
        ("DESK-1", "sam", "Thanks! Looking into the wake-up event now."),
        ("DESK-1", "ivan", "Could be the monotonic clock; worth a check."),
        ("WEB-2", "mei", "Screenshots from an iPhone SE would help."),
        ("OPS-1", "ivan", "Staging is ready whenever you are."),
        ("DESK-7", "sam", "Reordering works after a refresh; looks like a cache issue."),
    ]
    for n, (key, author, text) in enumerate(lines):
        at = now - timedelta(hours=30 - n * 4)
        item = Comment(state.next_id(), f"{0x66C2 << 80 | n:024x}", key, text, author, at, at)
        state.comments[item.id] = item


def _time(state: TrackerState, now: datetime) -> None:
    entries = [
        ("DESK-1", "sam", 0, 1 * HOUR + 30 * MINUTE, "Debugging the wake handler"),
        ("DESK-1", "sam", 1, 3 * HOUR, "First attempt at a fix"),
        ("OPS-1", "sam", 0, 45 * MINUTE, "Certificate order"),
        ("WEB-2", "sam", 2, 2 * HOUR, "Layout investigation"),
        ("DESK-7", "ivan", 1, 4 * HOUR, "Cache rework"),
    ]
    for key, author, days_ago, seconds, comment in entries:
        start = now - timedelta(days=days_ago, hours=2)
        entry = Worklog(state.next_id(), key, start, seconds, author, start, start, comment)
        state.worklogs[entry.id] = entry
