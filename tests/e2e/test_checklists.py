"""Checklists through a spawned sidecar against the fake Tracker: read, add, edit, delete."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sidecar.sandbox.state import TrackerState
from tests.e2e import signed_in as fixtures
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import expect_request, only_request
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in


def _items(state: TrackerState, key: str) -> list[tuple[str, bool, str | None, date | None]]:
    return [(i.text, i.checked, i.assignee, i.deadline) for i in state.issues[key].checklist]


def test_get_checklist(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    assert signed_in.result("get_checklist", {"issueKey": "TEST-1"}) == [
        {
            "id": "c1",
            "text": "Reproduce",
            "checked": True,
            "assignee": None,
            "deadline": None,
            "deadline_type": None,
            "is_exceeded": None,
            "item_type": "standard",
        },
        {
            "id": "c2",
            "text": "Write a regression test",
            "checked": False,
            "assignee": "Bob Brown",
            "deadline": "2026-03-20T00:00:00.000+0000",
            "deadline_type": "date",
            "is_exceeded": True,  # the fake's clock is today, after the deadline
            "item_type": "standard",
        },
    ]
    expect_request(only_request(fake_tracker), "GET", "/v3/issues/TEST-1/checklistItems")


def test_get_checklist_of_an_issue_without_one_is_empty(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    assert signed_in.result("get_checklist", {"issueKey": "TEST-2"}) == []


def test_get_checklist_converts_odd_payloads(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    odd = [
        {"id": 42, "text": "numeric id", "checked": "yes",
         "assignee": {"login": "bob"}, "deadline": {"date": "2026-04-01", "isExceeded": "no"}},
        {"id": "  spaced  ", "assignee": {"display": {"en": "Not a string"}, "login": "x"}},
        {"text": "no id", "checklistItemType": 3},
    ]  # fmt: skip
    fake_tracker.faults.add("GET", r"/checklistItems$", status=200, body=odd)
    assert signed_in.result("get_checklist", {"issueKey": "TEST-1"}) == [
        {"id": "42", "text": "numeric id", "checked": False, "assignee": "bob",
         "deadline": "2026-04-01", "deadline_type": None, "is_exceeded": None, "item_type": None},
        {"id": "spaced", "text": "", "checked": False, "assignee": "x", "deadline": None,
         "deadline_type": None, "is_exceeded": None, "item_type": None},
        {"id": "null", "text": "no id", "checked": False, "assignee": None, "deadline": None,
         "deadline_type": None, "is_exceeded": None, "item_type": None},
    ]  # fmt: skip


def test_add_checklist_item_as_the_ui_sends_it(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    item = {"text": "Ship it", "assignee": "bob", "deadline": "2026-04-01", "deadline_type": "date"}
    assert signed_in.result("add_checklist_item", {"issueKey": "TEST-2", "item": item}) is None
    expect_request(
        only_request(fake_tracker),
        "POST",
        "/v3/issues/TEST-2/checklistItems",
        json={
            "text": "Ship it",
            "assignee": "bob",
            "deadline": {"date": "2026-04-01", "deadlineType": "date"},
        },
    )
    assert fake_tracker.call(lambda s: _items(s, "TEST-2")) == [
        ("Ship it", False, "bob", date(2026, 4, 1))
    ]


@pytest.mark.parametrize(
    ("item", "body"),
    [
        ({"text": "Only text"}, {"text": "Only text"}),
        (
            {"text": "Typed but no date", "deadline_type": "date", "checked": True},
            {"text": "Typed but no date", "checked": True},
        ),
        (
            {"text": "Date only", "deadline": "2026-05-01", "assignee": None},
            {"text": "Date only", "deadline": {"date": "2026-05-01"}},
        ),
    ],
)
def test_add_checklist_item_sends_only_the_given_keys(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer, item: dict[str, Any], body: Any
) -> None:
    assert signed_in.result("add_checklist_item", {"issueKey": "TEST-2", "item": item}) is None
    expect_request(
        only_request(fake_tracker), "POST", "/v3/issues/TEST-2/checklistItems", json=body
    )


def test_edit_checklist_item_toggles(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    params = {"issueKey": "TEST-1", "itemId": "c1", "update": {"checked": False}}
    assert signed_in.result("edit_checklist_item", params) is None
    expect_request(
        only_request(fake_tracker),
        "PATCH",
        "/v3/issues/TEST-1/checklistItems/c1",
        json={"checked": False},
    )
    assert fake_tracker.call(lambda s: _items(s, "TEST-1"))[0] == ("Reproduce", False, None, None)


def test_edit_checklist_item_edits_text_assignee_and_deadline(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    update = {
        "text": "Write two tests",
        "assignee": "alice",
        "deadline": "2026-03-25",
        "deadline_type": "date",
    }
    params = {"issueKey": "TEST-1", "itemId": "c2", "update": update}
    assert signed_in.result("edit_checklist_item", params) is None
    expect_request(
        only_request(fake_tracker),
        "PATCH",
        "/v3/issues/TEST-1/checklistItems/c2",
        json={
            "text": "Write two tests",
            "assignee": "alice",
            "deadline": {"date": "2026-03-25", "deadlineType": "date"},
        },
    )
    assert fake_tracker.call(lambda s: _items(s, "TEST-1"))[1] == (
        "Write two tests",
        False,
        "alice",
        date(2026, 3, 25),
    )


def test_edit_checklist_item_that_does_not_exist_is_not_found(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-1", "itemId": "nope", "update": {"checked": True}}
    error = signed_in.error("edit_checklist_item", params)
    assert error["message"].startswith("http 404 Not Found: ")
    assert error["data"]["kind"] == "not_found"


def test_delete_checklist_item(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    params = {"issueKey": "TEST-1", "itemId": "c1"}
    assert signed_in.result("delete_checklist_item", params) is None
    expect_request(only_request(fake_tracker), "DELETE", "/v3/issues/TEST-1/checklistItems/c1")
    assert [t for t, *_ in fake_tracker.call(lambda s: _items(s, "TEST-1"))] == [
        "Write a regression test"
    ]


def test_delete_checklist(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    assert signed_in.result("delete_checklist", {"issueKey": "TEST-1"}) is None
    expect_request(only_request(fake_tracker), "DELETE", "/v3/issues/TEST-1/checklistItems")
    assert fake_tracker.call(lambda s: _items(s, "TEST-1")) == []
