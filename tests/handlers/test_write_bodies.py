"""The request bodies of issue edits, issue creation and checklist writes (pure builders)."""

from __future__ import annotations

import msgspec
import pytest

from sidecar.api.checklists import ChecklistItemCreatePayload, ChecklistItemUpdatePayload
from sidecar.api.issues import CreateIssueParams, UpdateIssueExtendedParams
from sidecar.errors import InvalidInput
from sidecar.handlers.checklists import item_body
from sidecar.handlers.issues import create_body, extended_patch
from sidecar.handlers.writes import present


def test_present_drops_only_none() -> None:
    assert present(a=None, b="", c=0, d=False, e=[]) == {"b": "", "c": 0, "d": False, "e": []}


def _extended(**params: object) -> UpdateIssueExtendedParams:
    return msgspec.convert({"issueKey": "T-1", **params}, UpdateIssueExtendedParams)


def test_extended_patch_wraps_refs_and_list_changes() -> None:
    params = _extended(
        priority="minor", issueType="task", tagsRemove=["old"], followersAdd=[], assignee=""
    )
    assert extended_patch(params) == {
        "priority": {"key": "minor"},
        "type": {"key": "task"},
        "assignee": "",
        "tags": {"remove": ["old"]},
        "followers": {"add": []},
    }


def test_extended_patch_of_nothing_is_empty() -> None:
    assert extended_patch(_extended()) == {}


def _create(**params: object) -> CreateIssueParams:
    return msgspec.convert({"queue": "Q", "summary": "S", **params}, CreateIssueParams)


def test_create_body_trims_queue_and_summary_only() -> None:
    params = _create(
        queue=" Q ", summary=" S ", description=" d ", assignee=" a ", attachmentIds=[]
    )
    assert create_body(params) == {
        "queue": "Q",
        "summary": "S",
        "description": " d ",
        "assignee": " a ",
        "attachmentIds": [],
    }


@pytest.mark.parametrize(
    ("queue", "summary", "message"),
    [
        ("", "S", "Queue cannot be empty"),
        (" \t", "", "Queue cannot be empty"),
        ("Q", " ", "Summary cannot be empty"),
    ],
)
def test_create_body_requires_queue_then_summary(queue: str, summary: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_body(_create(queue=queue, summary=summary))
    assert caught.value.message == message


def test_item_body_sends_a_deadline_only_with_its_date() -> None:
    lone_type = ChecklistItemUpdatePayload(deadline_type="date")
    assert item_body(lone_type) == {}
    dated = ChecklistItemCreatePayload(text="t", deadline="2026-04-01", checked=False)
    assert item_body(dated) == {"text": "t", "checked": False, "deadline": {"date": "2026-04-01"}}
