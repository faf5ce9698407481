"""One account's answers must never reach the next (issue 14, item 2).

Account A's call is held at the fake Tracker (`hold`: answered for real, but only once released)
while the user logs out and signs in as B. A's answer then goes to A's own request, and nothing
of it is kept: B's identical call asks Tracker again, with B's token, and gets B's data; B's
`me()` is B. Every cache is concerned: issue lists, the login behind `me()`, catalogs. (The
list and catalog cases guard what earlier work already bound to the session; the login cases
failed before this issue. A session that changes without these commands is
`tests/handlers/test_session_caches.py`.)
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import LOGIN, start_signed_in
from tests.fakes.tracker import TOKEN, FakeTrackerServer
from tests.hostile.lifecycle import wait_for_request

BOB = {**LOGIN, "token": "bob-token"}
SEARCH = r"^/v3/issues/_search$"
MYSELF = r"^/v3/myself$"
ALICE_OPEN = ["OPS-2", "TEST-1", "TEST-2", "TEST-5", "TEST-6"]  # `Assignee: me()`, unresolved
BOB_OPEN = ["OPS-1", "TEST-4"]
MINE = {"filter": {"assignee": "me()", "resolution": "empty()"}}


def keys(page: dict[str, Any]) -> list[str]:
    return sorted(issue["key"] for issue in page["issues"])


def tokens(fake: FakeTrackerServer, method: str, path: str) -> list[str]:
    return [r.headers["Authorization"] for r in fake.requests_to(method, path)]


def switch_while_held(sidecar: Sidecar, fake: FakeTrackerServer, method: str, path: str) -> None:
    """Sign out and in as bob while the fake holds alice's request, then let it answer."""
    wait_for_request(fake, method, path)
    assert sidecar.result("logout") is None
    assert sidecar.result("login_with_token", BOB) is True
    fake.faults.release()


@pytest.fixture
def sidecar(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> Sidecar:
    return start_signed_in(spawn, fake_tracker)


@pytest.mark.parametrize("params", [{}, MINE], ids=["default query", "me() filter"])
def test_a_list_in_flight_across_a_switch_is_not_kept(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, params: dict[str, Any]
) -> None:
    fake_tracker.faults.add("POST", SEARCH, action="hold")
    held = sidecar.request("get_issues", params)
    switch_while_held(sidecar, fake_tracker, "POST", SEARCH)
    assert keys(sidecar.response(held)["result"]) == ALICE_OPEN  # to its own request
    assert keys(sidecar.result("get_issues", params)) == BOB_OPEN
    assert tokens(fake_tracker, "POST", SEARCH) == [f"OAuth {TOKEN}", "OAuth bob-token"]


def test_a_login_in_flight_across_a_switch_is_not_bobs_me(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.faults.add("GET", MYSELF, action="hold")
    held = sidecar.request("get_current_user")
    switch_while_held(sidecar, fake_tracker, "GET", MYSELF)
    assert sidecar.response(held)["result"]["login"] == "alice"  # to its own request
    assert keys(sidecar.result("get_issues", MINE)) == BOB_OPEN
    assert tokens(fake_tracker, "GET", MYSELF) == [f"OAuth {TOKEN}", "OAuth bob-token"]
    search = fake_tracker.requests_to("POST", SEARCH)[-1]
    assert search.json()["filter"]["assignee"] == "bob"


def test_a_lookup_for_me_in_flight_across_a_switch_is_not_kept(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    """The login looked up on the way to a search (`me()`) is not kept either."""
    fake_tracker.faults.add("GET", MYSELF, action="hold")
    held = sidecar.request("get_issues", MINE)
    switch_while_held(sidecar, fake_tracker, "GET", MYSELF)
    sidecar.response(held)  # whatever it found, under whichever token was current
    assert keys(sidecar.result("get_issues", MINE)) == BOB_OPEN
    assert tokens(fake_tracker, "GET", MYSELF) == [f"OAuth {TOKEN}", "OAuth bob-token"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get_statuses", r"^/v3/statuses$"), ("get_users", r"^/v3/users$")],
)
def test_a_catalog_in_flight_across_a_switch_is_fetched_again(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, method: str, path: str
) -> None:
    fake_tracker.faults.add("GET", path, action="hold")
    held = sidecar.request(method)
    switch_while_held(sidecar, fake_tracker, "GET", path)
    assert sidecar.response(held)["result"]
    assert sidecar.result(method)
    assert tokens(fake_tracker, "GET", path) == [f"OAuth {TOKEN}", "OAuth bob-token"]
