"""Every write made through the sidecar drops the cached issue lists, even one that failed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import signed_in as fixtures
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import clear_log
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in

FIRST_PAGE = {"query": None, "filter": {"resolution": "empty()", "assignee": "me()"}}
ITEM = {"text": "New item"}

MUTATIONS: list[tuple[str, dict[str, Any]]] = [
    ("update_issue", {"issueKey": "TEST-4", "summary": "Renamed"}),
    ("update_issue_extended", {"issueKey": "TEST-4", "tagsAdd": ["x"]}),
    ("create_issue", {"queue": "TEST", "summary": "New"}),
    ("patch_issue", {"issueKey": "TEST-4", "patch": {"tags": ["y"]}}),
    ("add_comment", {"issueKey": "TEST-1", "text": "Hi"}),
    ("update_comment", {"issueKey": "TEST-1", "commentId": "101", "text": "Edited"}),
    ("delete_comment", {"issueKey": "TEST-1", "commentId": "103"}),
    ("log_work", {"issueKey": "TEST-1", "duration": "1h", "comment": ""}),
    ("add_checklist_item", {"issueKey": "TEST-1", "item": ITEM}),
    ("edit_checklist_item", {"issueKey": "TEST-1", "itemId": "c1", "update": {"checked": False}}),
    ("delete_checklist_item", {"issueKey": "TEST-1", "itemId": "c1"}),
    ("delete_checklist", {"issueKey": "TEST-1"}),
    ("execute_transition", {"issueKey": "TEST-4", "transitionId": "start_progress"}),
]


def _searches(fake: FakeTrackerServer) -> int:
    return len(fake.requests_to("POST", r"^/v3/issues/_search$"))


def _cached_list(sidecar: Sidecar, fake: FakeTrackerServer) -> None:
    sidecar.result("get_issues", FIRST_PAGE)
    sidecar.result("get_issues", FIRST_PAGE)
    assert _searches(fake) == 1  # the second answer came from the issue-list cache
    clear_log(fake)


@pytest.mark.parametrize(("command", "params"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_write_drops_cached_issue_lists(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer, command: str, params: dict[str, Any]
) -> None:
    _cached_list(signed_in, fake_tracker)
    assert "result" in signed_in.call(command, params)
    signed_in.result("get_issues", FIRST_PAGE)
    assert _searches(fake_tracker) == 1


def test_a_failed_write_drops_them_too(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    _cached_list(signed_in, fake_tracker)
    fake_tracker.faults.add("POST", r"/comments$", action="reset_after_headers")
    assert "error" in signed_in.call("add_comment", {"issueKey": "TEST-1", "text": "Lost?"})
    signed_in.result("get_issues", FIRST_PAGE)
    assert _searches(fake_tracker) == 1
