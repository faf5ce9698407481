"""`test_state()`: small deterministic data the tests rely on. Change it only with the tests.

It lives with the tests, not in the shipped sandbox: the sidecar carries only the demo's data.

Organization "12345", type yandex360 (header `X-Org-ID: 12345`).
OAuth client "test-client-id" / "test-client-secret"; `state.issue_auth_code()` mints a code.

Tokens (`Authorization: OAuth <t>`):
    test-token     alice, never expires
    bob-token      bob, never expires
    expired-token  alice, already expired → 401
    iam-token      alice, IAM (`Bearer`), accepted only after switching `state.org` to cloud

Users (login, uid, display):
    alice   1120000000000001  Alice Anderson
    bob     1120000000000002  Bob Brown
    100500  1120000000000003  Numeric Login   (all-digit login: `/users/login:100500`)
    dave    1120000000000004  Dave Dismissed  (dismissed)

Queues: TEST (id 1, lead alice), OPS (id 2, lead bob). Projects: 7 "Apollo", 8 "Zeus".
Catalogs and transitions: `seed_common.py` (statuses open/inProgress/needInfo/resolved/closed
and the custom `triage` without a type; resolutions fixed/wontFix/duplicate).

Issues (key: type, priority, status, assignee, notes):
    TEST-1  bug, critical, inProgress, alice; followers [bob]; tags [auth, crash];
            checklist c1 (checked), c2 (bob, deadline 2026-03-20); comments 101, 102, 103;
            work logs 201 (P1W) + 202 (P2DT3H) → spent "P1W2DT3H"; attachments 301
            screenshot.png (16x16 PNG, inline in the description), 302 server.log
            (text/plain, on comment 102)
    TEST-2  task, normal, open, alice; project 7; estimation P2D; deadline 2026-04-01;
            description embeds attachment 303, which is stored on OPS-1
    TEST-3  bug, minor, closed + resolution fixed, alice
    TEST-4  task, normal, open, bob
    TEST-5  task, normal, NO status (the member is absent), alice
    TEST-6  bug, normal, inProgress, alice, rendered oddly: status `{"id": "2"}` only, type
            display `{"ru": "Ошибка", "en": "Bug"}`, assignee with a numeric `id`
    TEST-7  task, blocker, open, unassigned; unique "test-unique-7"; local field
            "6063181a59590578909db920--storyPointsLocal": 3
    OPS-1   task, normal, inProgress, bob; project 7; work log 203 (bob, PT1H30M);
            attachment 303 diagram.png (48x32 PNG)
    OPS-2   improvement, trivial, needInfo, alice; tags [vendor]
    OPS-3   bug, normal, triage (custom status), unassigned
`Assignee: me() Resolution: empty()` as alice → TEST-1, TEST-2, TEST-5, TEST-6, OPS-2.
New ids (comments, work logs, attachments) start at 1001.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sidecar.sandbox.images import badge, gradient
from sidecar.sandbox.model import (
    Attachment,
    ChecklistItem,
    Comment,
    Issue,
    Project,
    Queue,
    User,
    Worklog,
)
from sidecar.sandbox.seed_common import add_catalogs
from sidecar.sandbox.state import TrackerState
from sidecar.sandbox.timeutil import DAY, HOUR, MINUTE, WEEK

BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STORY_POINTS_LOCAL = "6063181a59590578909db920--storyPointsLocal"


def _at(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


def test_state() -> TrackerState:
    state = TrackerState()
    add_catalogs(state)
    _people(state)
    _containers(state)
    for issue in _issues():
        state.issues[issue.key] = issue
    _children(state)
    return state


def _people(state: TrackerState) -> None:
    users = [
        User(1120000000000001, "alice", "Alice", "Anderson", "alice@example.com"),
        User(1120000000000002, "bob", "Bob", "Brown", "bob@example.com"),
        User(1120000000000003, "100500", "Numeric", "Login", "numeric@example.com"),
        User(1120000000000004, "dave", "Dave", "Dismissed", "dave@example.com", dismissed=True),
    ]
    state.users = {u.login: u for u in users}
    state.add_token("test-token", "alice")
    state.add_token("bob-token", "bob")
    state.add_token("expired-token", "alice", expires_at=BASE)
    state.add_token("iam-token", "alice", token_type="iam")
    state.oauth_clients = {"test-client-id": "test-client-secret"}


def _containers(state: TrackerState) -> None:
    state.queues = {
        "TEST": Queue(1, "TEST", "Test queue", "alice", issue_types=["bug", "task"]),
        "OPS": Queue(2, "OPS", "Operations", "bob", issue_types=["task", "improvement", "bug"]),
    }
    state.projects = {
        7: Project(7, "Apollo", "alice", queues=["TEST", "OPS"]),
        8: Project(8, "Zeus", "bob", status="DRAFT"),
    }


def _issue(n: int, key: str, summary: str, **fields: object) -> Issue:
    created = _at(n)
    issue = Issue(
        f"{0x65A0 << 80 | n:024x}", key, key.split("-")[0], summary, "alice", created, created
    )
    for name, value in fields.items():
        setattr(issue, name, value)
    return issue


def _issues() -> list[Issue]:
    return [
        _issue(
            1,
            "TEST-1",
            "Login crashes on empty password",
            type="bug",
            priority="critical",
            status="inProgress",
            assignee="alice",
            followers=["bob"],
            tags=["auth", "crash"],
            description="Steps:\n1. Leave the password empty\n2. Press Enter\n\n"
            "![screenshot.png](/ajax/v2/attachments/301?inline=true =16x16)",
            checklist=[
                ChecklistItem("c1", "Reproduce", checked=True),
                ChecklistItem(
                    "c2", "Write a regression test", assignee="bob", deadline=date(2026, 3, 20)
                ),
            ],
        ),
        _issue(
            2,
            "TEST-2",
            "Write the user guide",
            status="open",
            assignee="alice",
            project=7,
            estimation=2 * DAY,
            deadline=date(2026, 4, 1),
            description="See the diagram:\n\n![diagram.png](/ajax/v2/attachments/303?inline=true)",
        ),
        _issue(
            3,
            "TEST-3",
            "Old export bug",
            type="bug",
            priority="minor",
            status="closed",
            resolution="fixed",
            assignee="alice",
            resolved_at=_at(30),
        ),
        _issue(4, "TEST-4", "Bob's onboarding task", status="open", assignee="bob"),
        _issue(5, "TEST-5", "Issue without a status", status=None, assignee="alice"),
        _issue(
            6,
            "TEST-6",
            "Odd payloads",
            type="bug",
            status="inProgress",
            assignee="alice",
            overrides={
                "status": {"id": "2"},
                "type": {"id": "1", "key": "bug", "display": {"ru": "Ошибка", "en": "Bug"}},
                "assignee": {"id": 1120000000000001, "display": "Alice Anderson"},
            },
        ),
        _issue(
            7,
            "TEST-7",
            "Unassigned blocker",
            priority="blocker",
            status="open",
            unique="test-unique-7",
            extra={STORY_POINTS_LOCAL: 3},
        ),
        _issue(
            8, "OPS-1", "Rotate TLS certificates", status="inProgress", assignee="bob", project=7
        ),
        _issue(
            9,
            "OPS-2",
            "Waiting for vendor",
            type="improvement",
            priority="trivial",
            status="needInfo",
            assignee="alice",
            tags=["vendor"],
        ),
        _issue(10, "OPS-3", "Triage me", type="bug", status="triage"),
    ]


def _children(state: TrackerState) -> None:
    comments = [
        Comment(
            101,
            "65b000000000000000000101",
            "TEST-1",
            "I can reproduce this.",
            "alice",
            _at(2),
            _at(2),
        ),
        Comment(
            102,
            "65b000000000000000000102",
            "TEST-1",
            "Logs attached.",
            "bob",
            _at(3),
            _at(3),
            attachments=[302],
        ),
        Comment(
            103, "65b000000000000000000103", "TEST-1", "Fix is in review.", "alice", _at(4), _at(4)
        ),
    ]
    state.comments = {c.id: c for c in comments}
    worklogs = [
        Worklog(201, "TEST-1", _at(0), WEEK, "alice", _at(5), _at(5), "Investigation"),
        Worklog(202, "TEST-1", _at(24), 2 * DAY + 3 * HOUR, "alice", _at(26), _at(26), "Fix"),
        Worklog(203, "OPS-1", _at(48), HOUR + 30 * MINUTE, "bob", _at(50), _at(50), "Renewal"),
    ]
    state.worklogs = {w.id: w for w in worklogs}
    files = [
        Attachment(
            301, "screenshot.png", "image/png", badge(), "alice", _at(1), "TEST-1", None, (16, 16)
        ),
        Attachment(
            302,
            "server.log",
            "text/plain",
            b"ERROR empty password\n" * 3,
            "bob",
            _at(3),
            "TEST-1",
            102,
        ),
        Attachment(
            303, "diagram.png", "image/png", gradient(), "bob", _at(8), "OPS-1", None, (48, 32)
        ),
    ]
    state.attachments = {a.id: a for a in files}


test_state.__test__ = False  # type: ignore[attr-defined]  # a factory, not a pytest test
