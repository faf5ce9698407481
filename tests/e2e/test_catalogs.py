"""Catalogs through a spawned sidecar against the fake Tracker: conversion, paging, caching."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sidecar.sandbox.model import Queue, User
from sidecar.sandbox.state import TrackerState
from tests.e2e import signed_in as fixtures
from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import LOGIN, clear_log, expect_request, only_request, start_signed_in
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in


def _entities(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "display": display} for key, display in pairs]


def _user(login: str, display: str) -> dict[str, Any]:
    return {"display": display, "login": login, "email": f"{login}@example.com", "avatar_url": None}


USERS = [
    _user("alice", "Alice Anderson"),
    _user("bob", "Bob Brown"),
    {**_user("100500", "Numeric Login"), "email": "numeric@example.com"},
    _user("dave", "Dave Dismissed"),
]

# command, path, query, result (English)
CATALOGS: list[tuple[str, str, dict[str, str], list[Any]]] = [
    (
        "get_statuses",
        "/v3/statuses",
        {},
        _entities(
            ("open", "Open"),
            ("inProgress", "In progress"),
            ("needInfo", "Need info"),
            ("resolved", "Resolved"),
            ("closed", "Closed"),
            ("triage", "Triage"),
        ),
    ),
    (
        "get_resolutions",
        "/v3/resolutions",
        {},
        _entities(("fixed", "Fixed"), ("wontFix", "Won't fix"), ("duplicate", "Duplicate")),
    ),
    (
        "get_priorities",
        "/v3/priorities",
        {},
        _entities(
            ("trivial", "Trivial"),
            ("minor", "Minor"),
            ("normal", "Normal"),
            ("critical", "Critical"),
            ("blocker", "Blocker"),
        ),
    ),
    (
        "get_issue_types",
        "/v3/issuetypes",
        {},
        _entities(("bug", "Bug"), ("task", "Task"), ("improvement", "Improvement")),
    ),
    (
        "get_queues",
        "/v3/queues",
        {"perPage": "200", "page": "1"},
        _entities(("TEST", "Test queue"), ("OPS", "Operations")),
    ),
    (
        "get_projects",
        "/v3/projects",
        {"perPage": "200", "page": "1"},
        _entities(("7", "Apollo"), ("8", "Zeus")),  # keyed by project id
    ),
    ("get_users", "/v3/users", {"perPage": "200", "page": "1"}, USERS),
]


@pytest.mark.parametrize(("command", "path", "query", "result"), CATALOGS)
def test_catalog_is_fetched_once_per_session(
    signed_in: Sidecar,
    fake_tracker: FakeTrackerServer,
    command: str,
    path: str,
    query: dict[str, str],
    result: list[Any],
) -> None:
    assert signed_in.result(command, {}) == result
    expect_request(only_request(fake_tracker), "GET", path, query=query)
    assert signed_in.result(command, {}) == result
    assert len(fake_tracker.requests) == 1  # the second answer came from the session cache


def test_catalogs_in_russian(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--accept-language", "ru")
    assert sidecar.result("get_resolutions", {}) == _entities(
        ("fixed", "Решён"), ("wontFix", "Не будет исправлено"), ("duplicate", "Дубликат")
    )
    assert only_request(fake_tracker).headers["Accept-Language"] == "ru"


LOCALIZED_PRIORITIES = [
    {"id": 1, "key": "low", "name": {"ru": "Низкий", "en": "Low"}},
    {"id": 2, "display": "  ", "name": ""},
    {"key": "  ", "id": " 3 "},
    {"id": {"odd": True}, "display": ["", "Listed"]},
    {},
]


@pytest.mark.parametrize(("flags", "low"), [((), "Low"), (("--accept-language", "ru"), "Низкий")])
def test_catalog_entries_are_read_leniently(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, flags: tuple[str, ...], low: str
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, *flags)
    fake_tracker.faults.add("GET", r"^/v3/priorities$", status=200, body=LOCALIZED_PRIORITIES)
    assert sidecar.result("get_priorities", {}) == _entities(
        ("low", low), ("2", "2"), ("3", "3"), ('{"odd":true}', "Listed"), ("unknown", "unknown")
    )


def test_projects_key_on_the_id_first(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    odd = [{"id": 9, "key": "NINE", "name": "Nine"}, {"key": "K", "display": "Kay"}]
    fake_tracker.faults.add("GET", r"^/v3/projects$", status=200, body=odd)
    assert signed_in.result("get_projects", {}) == _entities(("9", "Nine"), ("K", "Kay"))


def test_users_are_read_leniently(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    odd = [
        {"display": {"en": "Eve"}, "login": 5, "avatarId": 123},
        {"login": "frank", "avatarUrl": "https://avatars.example/frank", "avatarId": "x"},
    ]
    fake_tracker.faults.add("GET", r"^/v3/users$", status=200, body=odd)
    assert signed_in.result("get_users", {}) == [
        {"display": "Eve", "login": None, "email": None, "avatar_url": "123"},
        {
            "display": None,
            "login": "frank",
            "email": None,
            "avatar_url": "https://avatars.example/frank",
        },
    ]


def _more_users(count: int) -> Callable[[TrackerState], None]:
    def seed(state: TrackerState) -> None:
        for n in range(count):
            login = f"user{n:04d}"
            state.users[login] = User(
                1_130_000_000_000_000 + n, login, "User", f"{n:04d}", f"{login}@x.test"
            )

    return seed


def test_get_users_reads_every_page_past_the_old_cap(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(_more_users(2100))
    users = signed_in.result("get_users", {})
    assert len(users) == 2104  # the old backend stopped at 10 pages of 200
    assert users[:4] == USERS
    assert users[-1] == {
        "display": "User 2099",
        "login": "user2099",
        "email": "user2099@x.test",
        "avatar_url": None,
    }
    pages = fake_tracker.requests
    assert [r.query["page"] for r in pages] == [str(n) for n in range(1, 12)]
    for page in pages:
        expect_request(
            page, "GET", "/v3/users", query={"perPage": "200", "page": page.query["page"]}
        )


def test_get_queues_reads_every_page(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    def seed(state: TrackerState) -> None:
        for n in range(450):
            key = f"Q{n:03d}"
            state.queues[key] = Queue(100 + n, key, f"Queue {n}", "alice")

    fake_tracker.call(seed)
    queues = signed_in.result("get_queues", {})
    assert len(queues) == 452
    assert queues[-1] == {"key": "Q449", "display": "Queue 449"}
    assert [r.query["page"] for r in fake_tracker.requests] == ["1", "2", "3"]


def test_a_failed_catalog_is_not_cached(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.faults.add("GET", r"^/v3/statuses$", status=500, body={"errors": {}})
    error = signed_in.error("get_statuses", {})
    assert error["message"] == 'http 500 Internal Server Error: {"errors": {}}'
    assert len(signed_in.result("get_statuses", {})) == 6
    assert len(fake_tracker.requests) == 2


def test_sign_in_drops_cached_catalogs(signed_in: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    signed_in.result("get_queues", {})
    assert signed_in.result("logout", {}) is None
    error = signed_in.error("get_queues", {})
    assert error["message"] == "Not authenticated. Sign in again to continue."
    assert signed_in.result("login_with_token", LOGIN) is True
    clear_log(fake_tracker)
    assert signed_in.result("get_queues", {}) == CATALOGS[4][3]
    assert len(fake_tracker.requests) == 1
