"""Refresh shows what is new: the issue-list cache reuses a first page only for a short window.

The app's Refresh asks `get_issues` again with the same params. Identical calls in flight share
one search and a repeat inside the freshness window (`--cache-fresh-s`) is answered from memory;
after it, every call asks Tracker. Writes through the sidecar end the window at once, even for a
search that was already on its way when the write landed.
"""

from __future__ import annotations

import time
from typing import Any

from tests.e2e import signed_in as fixtures
from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import clear_log, start_signed_in
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.lifecycle import wait_for_request

signed_in = fixtures.signed_in

DEFAULT = {
    "query": None,
    "filter": {"resolution": "empty()", "assignee": "me()"},
    "scroll_id": None,
}
MINE = ["OPS-2", "TEST-1", "TEST-2", "TEST-5", "TEST-6"]
CATALOGS = ("get_queues", "get_projects", "get_users", "get_priorities", "get_issue_types")
BURST_REQUESTS = 8  # myself, the search, five catalogs, the work-log search (before this change)


def searches(fake: FakeTrackerServer) -> int:
    return len(fake.requests_to("POST", r"^/v3/issues/_search$"))


def keys(page: dict[str, Any]) -> list[str]:
    return [issue["key"] for issue in page["issues"]]


def refresh(sidecar: Sidecar, previous: dict[str, Any]) -> dict[str, Any]:
    """What the app's Refresh button does: release the old scroll, ask for the first page."""
    if previous["next_scroll_id"]:
        sidecar.result("release_scroll_context", {"scroll_id": previous["next_scroll_id"]})
    page: dict[str, Any] = sidecar.result("get_issues", DEFAULT)
    return page


def assign_to_alice(fake: FakeTrackerServer, key: str) -> None:
    fake.call(lambda state: setattr(state.issues[key], "assignee", "alice"))


def test_a_refresh_after_the_window_asks_tracker_and_shows_what_is_new(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--cache-fresh-s", "0.2")
    page = sidecar.result("get_issues", DEFAULT)
    assert keys(page) == MINE
    assign_to_alice(fake_tracker, "TEST-4")  # someone assigns an issue in the web UI
    for _ in range(2):
        time.sleep(0.3)  # past the window
        clear_log(fake_tracker)
        page = refresh(sidecar, page)
        assert "TEST-4" in keys(page)
        assert searches(fake_tracker) == 1


def test_identical_calls_inside_the_window_make_one_search(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--cache-fresh-s", "600")
    first = sidecar.result("get_issues", DEFAULT)
    assign_to_alice(fake_tracker, "TEST-4")
    assert sidecar.result("get_issues", DEFAULT) == first
    assert searches(fake_tracker) == 1


def test_identical_calls_in_flight_share_one_search(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    """React effects firing twice, the start-up burst: calls that overlap cost one search."""
    fake_tracker.faults.add("POST", r"^/v3/issues/_search$", delay_s=0.5)
    ids = [signed_in.request("get_issues", DEFAULT) for _ in range(3)]
    answers = [signed_in.response(i)["result"] for i in ids]
    assert keys(answers[0]) == MINE and answers[1:] == answers[:2]
    assert searches(fake_tracker) == 1


def test_a_write_during_a_search_keeps_its_page_out_of_the_cache(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    """The page may predate the write, so the next call asks Tracker again (the fake happens to
    select after its delay, so here the page already shows the change; Tracker need not)."""
    fake_tracker.faults.add("POST", r"^/v3/issues/_search$", delay_s=1.0)
    slow = signed_in.request("get_issues", DEFAULT)
    wait_for_request(fake_tracker, "POST", r"^/v3/issues/_search$")  # at Tracker, unanswered
    update = {"issueKey": "TEST-4", "assignee": "alice"}
    assert signed_in.result("update_issue_extended", update) is None
    assert "result" in signed_in.response(slow)
    assert "TEST-4" in keys(signed_in.result("get_issues", DEFAULT))
    assert signed_in.result("get_issues", DEFAULT)  # this one inside the window: cached
    assert searches(fake_tracker) == 2


def test_a_write_sends_the_next_call_to_tracker(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--cache-fresh-s", "600")
    sidecar.result("get_issues", DEFAULT)
    sidecar.result("update_issue_extended", {"issueKey": "TEST-4", "assignee": "alice"})
    assert "TEST-4" in keys(sidecar.result("get_issues", DEFAULT))
    assert searches(fake_tracker) == 2


def test_cache_ttl_zero_still_disables_list_caching(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--cache-ttl-s", "0")
    for _ in range(2):
        sidecar.result("get_issues", DEFAULT)
    assert searches(fake_tracker) == 2


def test_the_start_up_burst_costs_no_more_requests_than_before(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    """`docs/frontend-contract.md` §3: the first calls in one write, the today total once the
    issues arrive."""
    first = [signed_in.request(m) for m in ("get_timer_state", "get_config", "has_session")]
    issues = signed_in.request("get_issues", DEFAULT)
    rest = [signed_in.request(name) for name in CATALOGS]
    page = signed_in.response(issues)["result"]
    total = signed_in.request("get_today_logged_seconds_for_issues", {"issueKeys": keys(page)})
    for request_id in [*first, *rest, total]:
        assert "result" in signed_in.response(request_id)
    assert len(fake_tracker.requests) <= BURST_REQUESTS
