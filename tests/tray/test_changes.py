"""The diff between two tray lists, the ledger of our own writes, and changelog attribution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from sidecar.tracker.models import ChangelogWire
from sidecar.tray.changes import Change, OwnWrites, Seen, cause, diff, written_aspects

SINCE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOB = {"self": "…/users/2", "id": "1120000000000002", "display": "Bob Brown"}


def seen(key: str, summary: str = "S", status: str = "open") -> Seen:
    return Seen(key, summary, status, status.title())


def listing(*items: Seen) -> dict[str, Seen]:
    return {item.key: item for item in items}


def test_diff_finds_arrivals_status_and_summary_changes_and_departures() -> None:
    before = listing(seen("A-1"), seen("A-2", "Old"), seen("A-3"), seen("A-4"))
    after = listing(
        seen("A-1"), seen("A-2", "New", "inProgress"), seen("A-5", "Fresh"), seen("A-4")
    )
    assert diff(before, after, partial=False) == [
        Change("status", "A-2", "New", "Open", "Inprogress"),
        Change("summary", "A-2", "New", "Old", "New"),
        Change("assigned", "A-5", "Fresh"),
        Change("removed", "A-3", "S"),
    ]
    assert diff(before, before, partial=False) == []


def test_a_cut_list_reports_no_arrivals_or_departures() -> None:
    before = listing(seen("A-1"), seen("A-2"))
    after = listing(seen("A-1", status="closed"), seen("A-3"))
    assert diff(before, after, partial=True) == [Change("status", "A-1", "S", "Open", "Closed")]


def test_a_status_display_change_alone_is_no_change() -> None:
    before = listing(Seen("A-1", "S", "open", "Open"))
    after = listing(Seen("A-1", "S", "open", "Открыт"))
    assert diff(before, after, partial=False) == []


def test_written_aspects_of_the_sidecars_writes() -> None:
    assert written_aspects("PATCH", "/v3/issues/test-1", {"summary": "x", "tags": {}}) == (
        "TEST-1",
        frozenset({"summary"}),
    )
    assert written_aspects("PATCH", "/v3/issues/TEST-1", {"assignee": "bob"}) == (
        "TEST-1",
        frozenset({"assignee"}),
    )
    assert written_aspects("PATCH", "/v3/issues/TEST-1", {"description": "x"}) is None
    assert written_aspects("POST", "/v3/issues/TEST-1/transitions/close/_execute", {}) == (
        "TEST-1",
        frozenset({"status"}),
    )
    assert written_aspects("PATCH", "/v3/issues/A%2F1", {"resolution": "fixed"}) == (
        "A/1",
        frozenset({"status"}),
    )
    assert written_aspects("POST", "/v3/issues/TEST-1/comments", {"text": "x"}) is None
    assert written_aspects("POST", "/v3/issues/TEST-1/worklog", {}) is None
    assert written_aspects("POST", "/v3/issues", {"summary": "x"}) is None


def test_own_writes_explain_matching_changes_since_a_moment() -> None:
    now = [1000.0]
    own = OwnWrites(clock=lambda: now[0])
    own.record_write("POST", "/v3/issues/TEST-1/transitions/close/_execute", {})
    own.record_write("PATCH", "/v3/issues/TEST-2", {"summary": "new"})
    now[0] = 2000.0
    own.record("TEST-9", frozenset({"created"}))
    status = Change("status", "TEST-1", "S", "Open", "Closed")
    assert own.explains(status, 1000.0)
    assert not own.explains(status, 1000.5)  # written before the window
    assert own.explains(Change("removed", "test-1", "S"), 900.0)  # resolved by our transition
    assert not own.explains(Change("summary", "TEST-1", "S"), 900.0)  # we changed its status only
    assert own.explains(Change("summary", "TEST-2", "new"), 900.0)
    assert not own.explains(Change("status", "TEST-2", "S"), 900.0)
    assert own.explains(Change("assigned", "TEST-9", "S"), 1500.0)
    own.forget_before(1500.0)
    assert not own.explains(status, 0.0)
    assert own.explains(Change("assigned", "TEST-9", "S"), 0.0)
    own.clear()
    assert not own.explains(Change("assigned", "TEST-9", "S"), 0.0)


def entry(minutes: int, by: Any, fields: list[dict[str, Any]], kind: str = "IssueUpdated") -> Any:
    stamp = (SINCE + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    raw = {"id": f"{minutes:024x}", "updatedAt": stamp, "updatedBy": by, "type": kind}
    return msgspec.convert({**raw, "fields": fields}, ChangelogWire)


def field(name: str, before: Any, after: Any) -> dict[str, Any]:
    return {"field": {"id": name, "display": name.title()}, "from": before, "to": after}


ALICE = {"id": "1120000000000001", "display": "Alice Anderson"}
OPEN, DONE = {"key": "open", "display": "Open"}, {"key": "resolved", "display": "Resolved"}


def test_cause_is_the_newest_entry_recording_the_change() -> None:
    history = [
        entry(-30, ALICE, [field("status", None, OPEN)], "IssueCreated"),
        entry(5, ALICE, [field("status", OPEN, DONE)], "IssueWorkflow"),
        entry(6, BOB, [field("status", DONE, OPEN)], "IssueWorkflow"),
        entry(7, ALICE, [field("description", "a", "b")]),
    ]
    found = cause(history, Change("status", "A-1", "S", "Resolved", "Open"), SINCE)
    assert found is not None
    assert (found.author, found.author_ids, found.outcome) == (
        "Bob Brown",
        frozenset({"1120000000000002"}),
        None,
    )
    assert cause(history, Change("summary", "A-1", "S"), SINCE) is None  # none since then
    assert cause(history[:1], Change("status", "A-1", "S"), SINCE) is None  # too old


def test_cause_of_a_departure_says_resolved_or_reassigned() -> None:
    fixed = {"key": "fixed", "display": "Fixed"}
    resolved = [entry(1, BOB, [field("status", OPEN, DONE), field("resolution", None, fixed)])]
    found = cause(resolved, Change("removed", "A-1", "S"), SINCE)
    assert found is not None and found.outcome == "Resolved: Fixed"
    moved = [entry(1, BOB, [field("assignee", ALICE, BOB)])]
    found = cause(moved, Change("removed", "A-1", "S"), SINCE)
    assert found is not None and (found.outcome, found.author) == (
        "Reassigned to Bob Brown",
        "Bob Brown",
    )
    dropped = [
        entry(1, {"id": 5, "display": {"en": "Eve", "ru": "Ева"}}, [field("assignee", ALICE, None)])
    ]
    found = cause(dropped, Change("removed", "A-1", "S"), SINCE)
    assert found is not None
    assert (found.outcome, found.author, found.author_ids) == (
        "Unassigned",
        "Eve",
        frozenset({"5"}),
    )


def test_cause_of_an_arrival_may_be_the_creation() -> None:
    created = [entry(2, BOB, [], "IssueCreated")]
    found = cause(created, Change("assigned", "A-1", "S"), SINCE)
    assert found is not None and found.author == "Bob Brown"
    assert cause(created, Change("status", "A-1", "S"), SINCE) is None


def test_odd_changelog_entries_are_tolerated() -> None:
    odd = [
        msgspec.convert({"id": 1, "fields": "nope", "updatedBy": "x"}, ChangelogWire),
        msgspec.convert(
            {"id": 2, "updatedAt": "yesterday", "fields": [3, {"field": 4}, {"field": "status"}]},
            ChangelogWire,
        ),
    ]
    found = cause(odd, Change("status", "A-1", "S"), SINCE)
    assert found is not None and (found.author, found.author_ids) == (None, frozenset())
