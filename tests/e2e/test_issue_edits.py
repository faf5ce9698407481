"""Issue edits through a spawned sidecar against the fake Tracker: update_issue,
update_issue_extended, create_issue and the extra patch_issue."""

from __future__ import annotations

from typing import Any

import pytest

from sidecar.sandbox.model import Attachment
from sidecar.sandbox.state import TrackerState
from sidecar.sandbox.timeutil import parse_ts
from tests.e2e import signed_in as fixtures
from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import (
    expect_no_request,
    expect_request,
    invalid,
    only_request,
    start_signed_in,
)
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in

ALICE = {"key": "1120000000000001", "display": "Alice Anderson"}  # user refs key on the id
BOB = {"key": "1120000000000002", "display": "Bob Brown"}


def _fields(fake: FakeTrackerServer, key: str) -> dict[str, Any]:
    def read(state: TrackerState) -> dict[str, Any]:
        issue = state.issues[key]
        return {
            "summary": issue.summary,
            "description": issue.description,
            "priority": issue.priority,
            "type": issue.type,
            "assignee": issue.assignee,
            "tags": issue.tags,
            "followers": issue.followers,
        }

    return fake.call(read)


# --- update_issue ----------------------------------------------------------------------------


def test_update_issue_sends_the_given_fields(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-4", "summary": "Renamed", "description": ""}
    assert signed_in.result("update_issue", params) is None
    expect_request(
        only_request(fake_tracker),
        "PATCH",
        "/v3/issues/TEST-4",
        json={"summary": "Renamed", "description": ""},
    )
    assert _fields(fake_tracker, "TEST-4")["summary"] == "Renamed"


def test_update_issue_without_fields_sends_an_empty_object(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    assert signed_in.result("update_issue", {"issueKey": "TEST-4", "summary": None}) is None
    expect_request(only_request(fake_tracker), "PATCH", "/v3/issues/TEST-4", json={})


# --- update_issue_extended -------------------------------------------------------------------

UI_SAVE = {
    "issueKey": "TEST-4",
    "summary": "Onboarding",
    "description": "Read the guide",
    "priority": "critical",
    "issueType": "bug",
    "assignee": "alice",
    "tagsAdd": ["new"],
    "tagsRemove": None,
    "followersAdd": ["bob"],
    "followersRemove": ["alice"],
}


def test_update_issue_extended_as_the_detail_pane_saves(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    assert signed_in.result("update_issue_extended", UI_SAVE) is None
    expect_request(
        only_request(fake_tracker),
        "PATCH",
        "/v3/issues/TEST-4",
        json={
            "summary": "Onboarding",
            "description": "Read the guide",
            "priority": {"key": "critical"},
            "type": {"key": "bug"},
            "assignee": "alice",
            "tags": {"add": ["new"]},
            "followers": {"add": ["bob"], "remove": ["alice"]},
        },
    )
    assert _fields(fake_tracker, "TEST-4") == {
        "summary": "Onboarding",
        "description": "Read the guide",
        "priority": "critical",
        "type": "bug",
        "assignee": "alice",
        "tags": ["new"],
        "followers": ["bob"],
    }


def test_update_issue_extended_leaves_out_nulls_but_keeps_empty_strings(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {**dict.fromkeys(UI_SAVE), "issueKey": "TEST-4", "summary": "S", "description": ""}
    assert signed_in.result("update_issue_extended", params) is None
    expect_request(
        only_request(fake_tracker),
        "PATCH",
        "/v3/issues/TEST-4",
        json={"summary": "S", "description": ""},
    )


def test_update_issue_extended_error_from_tracker(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-4", "assignee": "nobody"}
    error = signed_in.error("update_issue_extended", params)
    assert error["message"].startswith("http 422 Unprocessable Entity: {")
    assert error["data"]["kind"] == "invalid"


# --- create_issue ----------------------------------------------------------------------------

CREATE = {
    "queue": " TEST ",
    "summary": "  Crash on save ",
    "description": "Steps",
    "issueType": "bug",
    "priority": "critical",
    "assignee": "bob",
    "project": "7",
    "attachmentIds": None,
}


def test_create_issue(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    assert signed_in.result("create_issue", CREATE) == {
        "key": "TEST-8",
        "summary": "Crash on save",
        "description": "Steps",
        "status": {"key": "open", "display": "Open"},
        "priority": {"key": "critical", "display": "Critical"},
        "issue_type": {"key": "bug", "display": "Bug"},
        "assignee": BOB,
        "tags": [],
        "followers": [],
        "tracked_seconds": None,
    }
    expect_request(
        only_request(fake_tracker),
        "POST",
        "/v3/issues",
        json={
            "queue": "TEST",
            "summary": "Crash on save",
            "description": "Steps",
            "type": "bug",
            "priority": "critical",
            "assignee": "bob",
            "project": "7",
        },
    )


def test_create_issue_with_only_the_required_fields_and_uploads(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    def upload(state: TrackerState) -> None:
        at = parse_ts("2026-03-02T09:00:00+00:00")
        state.attachments[900] = Attachment(900, "a.txt", "text/plain", b"a", "alice", at)

    fake_tracker.call(upload)
    params = {"queue": "OPS", "summary": "Minimal", "attachmentIds": [900]}
    result = signed_in.result("create_issue", params)
    assert (result["key"], result["assignee"], result["issue_type"]) == (
        "OPS-4",
        None,
        {"key": "task", "display": "Task"},
    )
    expect_request(
        only_request(fake_tracker),
        "POST",
        "/v3/issues",
        json={"queue": "OPS", "summary": "Minimal", "attachmentIds": [900]},
    )
    assert fake_tracker.call(lambda s: s.attachments[900].issue) == "OPS-4"


@pytest.mark.parametrize(
    ("queue", "summary", "message"),
    [(" ", "S", "Queue cannot be empty"), ("TEST", "\t", "Summary cannot be empty")],
)
def test_create_issue_validates_before_any_request(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer, queue: str, summary: str, message: str
) -> None:
    invalid(
        signed_in.error("create_issue", {**CREATE, "queue": queue, "summary": summary}), message
    )
    expect_no_request(fake_tracker)


# --- patch_issue -----------------------------------------------------------------------------


def test_patch_issue_passes_the_body_through_with_the_version_lock(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    patch = {
        "tags": {"add": ["regression"], "remove": ["crash"]},
        "followers": {"replace": [{"target": "bob", "replacement": "alice"}]},
        "description": None,
    }
    params = {"issueKey": "TEST-1", "patch": patch, "version": 1}
    assert signed_in.result("patch_issue", params) == {
        "key": "TEST-1",
        "summary": "Login crashes on empty password",
        "description": "",
        "status": {"key": "inProgress", "display": "In progress"},
        "priority": {"key": "critical", "display": "Critical"},
        "issue_type": {"key": "bug", "display": "Bug"},
        "assignee": ALICE,
        "tags": ["auth", "regression"],
        "followers": [ALICE],
        "tracked_seconds": 5 * 8 * 3600 + 2 * 8 * 3600 + 3 * 3600,  # spent "P1W2DT3H"
    }
    expect_request(
        only_request(fake_tracker), "PATCH", "/v3/issues/TEST-1", query={"version": "1"}, json=patch
    )


def test_patch_issue_with_a_stale_version_is_a_conflict(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-1", "patch": {"summary": "Mine"}, "version": 7}
    error = signed_in.error("patch_issue", params)
    assert error["message"].startswith("http 409 Conflict: {")
    assert error["data"]["kind"] == "conflict"
    assert error["data"]["status"] == 409
    assert _fields(fake_tracker, "TEST-1")["summary"] == "Login crashes on empty password"


def test_patch_issue_without_status_falls_back_to_unknown(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    result = signed_in.result("patch_issue", {"issueKey": "TEST-5", "patch": {"tags": ["x"]}})
    assert result["status"] == {"key": "unknown", "display": "Unknown"}
    assert result["tags"] == ["x"]
    expect_request(only_request(fake_tracker), "PATCH", "/v3/issues/TEST-5", json={"tags": ["x"]})


@pytest.mark.parametrize(("flags", "bug"), [((), "Bug"), (("--accept-language", "ru"), "Ошибка")])
def test_patch_issue_converts_odd_refs(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, flags: tuple[str, ...], bug: str
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, *flags)
    result = sidecar.result("patch_issue", {"issueKey": "TEST-6", "patch": {}})
    assert (result["status"], result["issue_type"], result["assignee"]) == (
        {"key": "2", "display": "2"},  # a status that carries only its id
        {"key": "bug", "display": bug},  # a {"ru","en"} display
        ALICE,  # a numeric user id
    )
