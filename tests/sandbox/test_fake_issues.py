"""Issues: read shapes, PATCH grammar, `?version=` conflicts, create, `unique`, transitions."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.fakes.tracker import FakeTrackerServer
from tests.sandbox.conftest import Api


async def test_version_is_echoed_and_links_are_absolute(api: Api) -> None:
    issue = (await api("GET", "/v2/issues/TEST-1")).json()
    assert issue["self"] == f"{api.server.url}/v2/issues/TEST-1"
    assert issue["status"]["self"].startswith(f"{api.server.url}/v2/statuses/")
    assert issue["spent"] == "P1W2DT3H"
    assert issue["createdAt"] == "2026-03-02T10:00:00.000+0000"
    assert (issue["checklistDone"], issue["checklistTotal"]) == (1, 2)


async def test_fields_and_expand(api: Api) -> None:
    issue = (
        await api("GET", "/v3/issues/TEST-1?fields=summary,status&expand=transitions,attachments")
    ).json()
    assert set(issue) == {"self", "id", "key", "summary", "status"}
    full = (await api("GET", "/v3/issues/TEST-1?expand=transitions,attachments")).json()
    assert [t["id"] for t in full["transitions"]] == [
        "stop_progress",
        "need_info",
        "resolve",
        "close",
    ]
    assert [a["name"] for a in full["attachments"]] == ["screenshot.png", "server.log"]


async def test_odd_payloads(api: Api) -> None:
    no_status = (await api("GET", "/v3/issues/TEST-5")).json()
    assert "status" not in no_status
    odd = (await api("GET", "/v3/issues/TEST-6")).json()
    assert odd["status"] == {"id": "2"}
    assert odd["type"]["display"] == {"ru": "Ошибка", "en": "Bug"}
    assert odd["assignee"]["id"] == 1120000000000001
    local = (await api("GET", "/v3/issues/TEST-7")).json()
    assert local["6063181a59590578909db920--storyPointsLocal"] == 3


async def test_missing_issue_is_404(api: Api) -> None:
    reply = await api("GET", "/v3/issues/NOPE-1")
    assert reply.json() == {"errors": {}, "errorMessages": ["Object not found"], "statusCode": 404}


@pytest.mark.parametrize(
    ("patch", "field", "expected"),
    [
        ({"summary": "New"}, "summary", "New"),
        ({"summary": {"set": "Set"}}, "summary", "Set"),
        ({"description": None}, "description", None),
        ({"tags": {"add": ["new"], "remove": ["crash"]}}, "tags", ["auth", "new"]),
        (
            {"tags": {"replace": [{"target": "auth", "replacement": "login"}]}},
            "tags",
            ["login", "crash"],
        ),
        ({"tags": []}, "tags", []),
        ({"tags": None}, "tags", []),
        ({"followers": {"add": ["alice"]}}, "followers", ["Bob Brown", "Alice Anderson"]),
        ({"followers": {"remove": ["bob"]}}, "followers", []),
        ({"priority": {"key": "minor"}}, "priority", "minor"),
        ({"priority": 2}, "priority", "minor"),
        ({"type": "task"}, "type", "task"),
        ({"assignee": "bob"}, "assignee", "Bob Brown"),
        ({"assignee": None}, "assignee", None),
        ({"deadline": "2026-05-01"}, "deadline", "2026-05-01"),
        ({"estimation": "P5D"}, "estimation", "P1W"),
    ],
)
async def test_patch_grammar(api: Api, patch: dict[str, Any], field: str, expected: Any) -> None:
    reply = await api("PATCH", "/v3/issues/TEST-1", json=patch)
    assert reply.status == 200
    value = reply.json().get(field)
    if isinstance(value, dict):
        value = value.get("key") or value["display"]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        value = [v["display"] for v in value]
    assert value == expected
    assert reply.json()["version"] == 2


@pytest.mark.parametrize(
    ("patch", "status"),
    [
        ({"summary": ""}, 400),
        ({"priority": "nope"}, 422),
        ({"assignee": "ghost"}, 422),
        ({"status": "closed"}, 400),
    ],
)
async def test_patch_rejections(api: Api, patch: dict[str, Any], status: int) -> None:
    assert (await api("PATCH", "/v3/issues/TEST-1", json=patch)).status == status


async def test_version_conflict(api: Api, fake_tracker: FakeTrackerServer) -> None:
    assert (await api("PATCH", "/v3/issues/TEST-1?version=1", json={"summary": "A"})).status == 200
    stale = await api("PATCH", "/v3/issues/TEST-1?version=1", json={"summary": "B"})
    assert stale.status == 409
    fake_tracker.call(lambda s: setattr(s, "issue_conflict_status", 412))
    assert (await api("PATCH", "/v3/issues/TEST-1?version=1", json={"summary": "B"})).status == 412
    assert (await api("GET", "/v3/issues/TEST-1")).json()["summary"] == "A"


async def test_create_unique_and_find(api: Api) -> None:
    body = {"queue": "TEST", "summary": "Made", "type": "bug", "assignee": "bob", "unique": "u-1"}
    created = await api("POST", "/v3/issues/", json=body)
    assert created.status == 201
    assert (created.json()["key"], created.json()["status"]["key"]) == ("TEST-8", "open")
    again = await api("POST", "/v3/issues", json=body)
    assert again.status == 409
    assert (await api("POST", "/v3/issues/_count", json={"queue": "TEST"})).json() == 8
    found = await api("POST", "/v3/issues/_findByUnique?unique=u-1")
    assert found.json()["key"] == "TEST-8"


async def test_create_requires_queue_and_summary(api: Api) -> None:
    reply = await api("POST", "/v3/issues", json={"summary": "x"})
    assert reply.status == 400
    assert reply.json()["errors"] == {"queue": "Field is required"}


async def test_create_takes_temporary_attachments(api: Api) -> None:
    form = aiohttp.FormData()
    form.add_field("file", b"hello", filename="file")
    temp = (await api("POST", "/v3/attachments/?filename=note.txt", data=form)).json()
    created = await api(
        "POST",
        "/v3/issues",
        json={"queue": "OPS", "summary": "With file", "attachmentIds": [temp["id"]]},
    )
    listed = (await api("GET", f"/v3/issues/{created.json()['key']}/attachments")).json()
    assert [(a["id"], a["name"]) for a in listed] == [(temp["id"], "note.txt")]


async def test_transition_returns_next_transitions(api: Api) -> None:
    reply = await api(
        "POST", "/v3/issues/TEST-4/transitions/start_progress/_execute", json={"comment": "On it"}
    )
    assert reply.status == 200
    assert [t["id"] for t in reply.json()] == ["stop_progress", "need_info", "resolve", "close"]
    issue = (await api("GET", "/v3/issues/TEST-4")).json()
    assert issue["status"]["key"] == "inProgress"
    comments = (await api("GET", "/v3/issues/TEST-4/comments")).json()
    assert [c["text"] for c in comments] == ["On it"]


async def test_done_transition_needs_resolution(api: Api) -> None:
    missing = await api("POST", "/v3/issues/TEST-4/transitions/close/_execute", json={})
    assert (missing.status, missing.json()["errors"]) == (422, {"resolution": "Field is required"})
    done = await api(
        "POST", "/v3/issues/TEST-4/transitions/close/_execute", json={"resolution": "fixed"}
    )
    assert [t["id"] for t in done.json()] == ["reopen"]
    issue = (await api("GET", "/v3/issues/TEST-4")).json()
    assert (issue["status"]["key"], issue["resolution"]["key"]) == ("closed", "fixed")
    reopened = await api("POST", "/v3/issues/TEST-4/transitions/reopen/_execute")
    assert reopened.status == 200
    assert "resolution" not in (await api("GET", "/v3/issues/TEST-4")).json()


async def test_unavailable_transition_is_404(api: Api) -> None:
    assert (
        await api("POST", "/v3/issues/TEST-3/transitions/resolve/_execute", json={})
    ).status == 404


async def test_changelog_records_writes_with_an_opaque_cursor(api: Api) -> None:
    await api("PATCH", "/v3/issues/TEST-4", json={"summary": "Renamed", "tags": ["a"]})
    await api("POST", "/v3/issues/TEST-4/transitions/start_progress/_execute")
    first = await api("GET", "/v3/issues/TEST-4/changelog?perPage=1")
    [entry] = first.json()
    assert entry["type"] == "IssueUpdated"
    assert [f["field"]["id"] for f in entry["fields"]] == ["summary", "tags"]
    assert entry["fields"][0]["from"] == "Bob's onboarding task"
    link = first.headers["Link"]
    second = await api("GET", link[1 : link.index(">")])
    [workflow] = second.json()
    assert workflow["type"] == "IssueWorkflow"
    assert "Link" not in second.headers
    only_status = await api("GET", "/v3/issues/TEST-4/changelog?field=status")
    assert [e["type"] for e in only_status.json()] == ["IssueWorkflow"]
