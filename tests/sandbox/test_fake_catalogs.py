"""Users and catalogs: page mode, digit logins, `/users/me`, localized names."""

from __future__ import annotations

import pytest

from tests.fakes.tracker import HEADERS
from tests.sandbox.conftest import Api


async def test_users_page_mode(api: Api) -> None:
    reply = await api("GET", "/v3/users?perPage=3")
    assert [u["login"] for u in reply.json()] == ["alice", "bob", "100500"]
    assert (reply.headers["X-Total-Count"], reply.headers["X-Total-Pages"]) == ("4", "2")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v3/users/me", 404),
        ("/v3/users/bob", 200),
        ("/v3/users/1120000000000002", 200),
        ("/v3/users/login:100500", 200),
        ("/v3/users/100500", 404),
    ],
)
async def test_user_lookup(api: Api, path: str, status: int) -> None:
    assert (await api("GET", path)).status == status


@pytest.mark.parametrize("kind", ["statuses", "resolutions", "priorities", "issuetypes"])
async def test_dictionaries_are_unpaginated_and_localizable(api: Api, kind: str) -> None:
    plain = await api("GET", f"/v3/{kind}")
    assert "Link" not in plain.headers
    assert all(isinstance(e["name"], str) for e in plain.json())
    every = (await api("GET", f"/v3/{kind}?localized=false")).json()
    assert all(set(e["name"]) == {"ru", "en"} for e in every)


async def test_status_types_and_a_custom_status(api: Api) -> None:
    statuses = {s["key"]: s for s in (await api("GET", "/v3/statuses")).json()}
    assert statuses["closed"]["type"] == "done"
    assert "type" not in statuses["triage"]


async def test_russian_display(api: Api) -> None:
    reply = await api("GET", "/v3/issues/TEST-1", headers={**HEADERS, "Accept-Language": "ru"})
    assert reply.json()["status"]["display"] == "В работе"


async def test_queues_and_projects(api: Api) -> None:
    queues = await api("GET", "/v3/queues?perPage=1&expand=all")
    assert queues.json()[0]["key"] == "TEST"
    assert queues.json()[0]["issueTypesConfig"][0]["issueType"]["key"] == "bug"
    assert 'rel="next"' in queues.headers["Link"]
    assert (await api("GET", "/v3/queues/OPS")).json()["lead"]["display"] == "Bob Brown"
    projects = (await api("GET", "/v3/projects")).json()
    assert [(p["id"], p["name"]) for p in projects] == [(7, "Apollo"), (8, "Zeus")]
