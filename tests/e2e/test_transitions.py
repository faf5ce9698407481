"""Transitions through a spawned sidecar against the fake Tracker: listing and executing."""

from __future__ import annotations

from tests.e2e import signed_in as fixtures
from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import expect_request, only_request, start_signed_in
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in


def _transition(ident: str, name: str, key: str, display: str) -> dict[str, object]:
    return {"id": ident, "name": name, "to_status": {"key": key, "display": display}}


def test_get_transitions(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    assert signed_in.result("get_transitions", {"issueKey": "TEST-1"}) == [
        _transition("stop_progress", "Stop progress", "open", "Open"),
        _transition("need_info", "Need info", "needInfo", "Need info"),
        _transition("resolve", "Resolve", "resolved", "Resolved"),
        _transition("close", "Close", "closed", "Closed"),
    ]
    expect_request(only_request(fake_tracker), "GET", "/v3/issues/TEST-1/transitions")


def test_get_transitions_in_russian(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--accept-language", "ru")
    assert sidecar.result("get_transitions", {"issueKey": "TEST-3"}) == [
        _transition("reopen", "Переоткрыть", "open", "Открыт")
    ]


def test_get_transitions_of_an_issue_without_status_is_empty(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    assert signed_in.result("get_transitions", {"issueKey": "TEST-5"}) == []


def test_get_transitions_converts_odd_payloads(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    odd = [
        {"id": 5, "name": {"ru": "Закрыть", "en": "Close"},
         "status": {"id": 3, "display": "Closed"}, "to": {"key": "ignored"}},
        {"display": "", "to": {"display": "No key"}},
        {"id": "x", "to": {"key": " closed ", "name": {"en": "Closed"}}},
        {"id": "y", "display": {"en": "Bare"}, "to": "closed"},
    ]  # fmt: skip
    fake_tracker.faults.add("GET", r"/transitions$", status=200, body=odd)
    assert signed_in.result("get_transitions", {"issueKey": "TEST-1"}) == [
        _transition("5", "Close", "3", "Closed"),
        {"id": "unknown", "name": "Transition", "to_status": None},
        _transition("x", "Transition", "closed", "Closed"),
        {"id": "y", "name": "Bare", "to_status": None},
    ]


def _status(fake: FakeTrackerServer, key: str) -> tuple[str | None, str | None]:
    return fake.call(lambda s: (s.issues[key].status, s.issues[key].resolution))


def test_execute_transition_with_comment_and_resolution(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {
        "issueKey": "TEST-4",
        "transitionId": "close",
        "comment": "Done",
        "resolution": "fixed",
    }
    assert signed_in.result("execute_transition", params) is None
    expect_request(
        only_request(fake_tracker),
        "POST",
        "/v3/issues/TEST-4/transitions/close/_execute",
        json={"comment": "Done", "resolution": "fixed"},
    )
    assert _status(fake_tracker, "TEST-4") == ("closed", "fixed")
    assert [c["text"] for c in signed_in.result("get_comments", {"issueKey": "TEST-4"})] == ["Done"]


def test_execute_transition_without_extras_sends_an_empty_body(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-4", "transitionId": "start_progress"}
    assert signed_in.result("execute_transition", params) is None
    expect_request(
        only_request(fake_tracker),
        "POST",
        "/v3/issues/TEST-4/transitions/start_progress/_execute",
        json={},
    )
    assert _status(fake_tracker, "TEST-4") == ("inProgress", None)


def test_execute_transition_refused_by_tracker(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-4", "transitionId": "close"}
    error = signed_in.error("execute_transition", params)
    assert error["message"].startswith("http 422 Unprocessable Entity: {")
    assert error["data"]["kind"] == "invalid"
    assert set(error["data"]["errors"]) == {"resolution"}
    assert _status(fake_tracker, "TEST-4") == ("open", None)
