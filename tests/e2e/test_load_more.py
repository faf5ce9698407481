"""Load more after a pause: the sidecar's cursor outlives Tracker's 60 s scroll context.

A user reads the first rows for longer than `scrollTTLMillis`, then scrolls down. Tracker has
forgotten the scroll and refuses the continuation (404, or 403 `Expired signature`); the sidecar
re-opens the same search at the rows it has already served and answers exactly what the
unexpired scroll would have, in one more request, and never as an authentication error.
"""

from __future__ import annotations

from typing import Any

import pytest

from sidecar.sandbox.model import Issue, Queue
from sidecar.sandbox.state import TrackerState
from tests.e2e import signed_in as fixtures
from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import clear_log, start_signed_in
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in

BULK = "BULK"
BULK_QUERY = f"Queue: {BULK}"
BULK_ROWS = 650  # seven pages of the app's 100
RELEASED = "the search it continues was released or replaced"


def seed_bulk(state: TrackerState) -> None:
    state.queues[BULK] = Queue(77, BULK, "Bulk queue", "alice")
    at = state.now()
    for n in range(1, BULK_ROWS + 1):
        key = f"{BULK}-{n}"
        state.issues[key] = Issue(f"{0xB0 << 80 | n:024x}", key, BULK, f"Row {n}", "alice", at, at)


def searches(fake: FakeTrackerServer) -> list[dict[str, str]]:
    return [dict(r.query) for r in fake.requests_to("POST", r"^/v3/issues/_search$")]


def content(page: dict[str, Any]) -> dict[str, Any]:
    """What the user sees of a page: the cursor itself is the sidecar's business."""
    return {k: v for k, v in page.items() if k != "next_scroll_id"}


def more(sidecar: Sidecar, page: dict[str, Any], query: str = BULK_QUERY) -> dict[str, Any]:
    assert page["has_more"] and page["next_scroll_id"], page
    result: dict[str, Any] = sidecar.result(
        "get_issues", {"query": query, "filter": None, "scroll_id": page["next_scroll_id"]}
    )
    return result


def every_page(sidecar: Sidecar, first: dict[str, Any]) -> list[dict[str, Any]]:
    pages = [sidecar.result("get_issues", first)]
    while pages[-1]["has_more"]:
        pages.append(more(sidecar, pages[-1], first["query"]))
    return pages


@pytest.fixture
def bulk(fake_tracker: FakeTrackerServer) -> FakeTrackerServer:
    fake_tracker.call(seed_bulk)
    return fake_tracker


@pytest.mark.parametrize("status", [404, 403])
@pytest.mark.parametrize("page_number", [2, 5])
def test_load_more_after_the_scroll_expired_returns_what_it_would_have(
    spawn: SpawnFn, bulk: FakeTrackerServer, status: int, page_number: int
) -> None:
    first = {"query": BULK_QUERY, "filter": None, "scroll_id": None}
    expected = [content(p) for p in every_page(start_signed_in(spawn, bulk), first)]
    assert [len(p["issues"]) for p in expected] == [100] * 6 + [50]

    paused = start_signed_in(spawn, bulk)
    pages = [paused.result("get_issues", first)]
    while len(pages) < page_number - 1:
        pages.append(more(paused, pages[-1]))
    bulk.call(lambda state: setattr(state, "scroll_expired_status", status))
    assert bulk.call(lambda state: state.expire_scrolls()) >= 1
    clear_log(bulk)

    pages.append(more(paused, pages[-1]))
    refused, reopened = searches(bulk)  # the refused continuation, then one re-open
    assert "scrollId" in refused and "scrollId" not in reopened
    while pages[-1]["has_more"]:
        pages.append(more(paused, pages[-1]))
    assert [content(p) for p in pages] == expected
    assert len(searches(bulk)) == 2 + len(expected) - page_number  # one request a page after


EXPIRED = '{"errors":{},"errorMessages":["Expired signature"],"statusCode":403}'


@pytest.mark.parametrize(
    ("status", "kind", "prefix"),
    [
        (404, "not_found", "http 404 Not Found: "),
        (500, "server_error", "http 500 Internal Server Error: "),
        (403, "forbidden", "authentication error: Access denied (403 Forbidden) - "),
    ],
)
def test_only_the_reopened_search_speaks_for_tracker(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer, status: int, kind: str, prefix: str
) -> None:
    """The refused continuation never reaches the UI; the re-open's own failure does, in its own
    words (a 403 on a request that is not a continuation is an authentication error)."""
    page = signed_in.result("get_issues", {"query": "Queue: TEST", "perScroll": 2})
    clear_log(fake_tracker)
    fake_tracker.faults.add("POST", r"^/v3/issues/_search$", status=403, body=EXPIRED)
    fake_tracker.faults.add("POST", r"^/v3/issues/_search$", status=status, body="{}")
    error = signed_in.error(
        "get_issues", {"query": "Queue: TEST", "scroll_id": page["next_scroll_id"]}
    )
    assert (error["data"]["kind"], error["message"]) == (kind, prefix + "{}")
    assert len(searches(fake_tracker)) == 2


def test_a_401_on_a_continuation_is_still_a_dead_session(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    page = signed_in.result("get_issues", {"query": "Queue: TEST", "perScroll": 2})
    fake_tracker.faults.add("POST", r"^/v3/issues/_search$", status=401, body="{}", times=5)
    error = signed_in.error(
        "get_issues", {"query": "Queue: TEST", "scroll_id": page["next_scroll_id"]}
    )
    assert error["data"]["kind"] == "unauthenticated"


def test_load_more_on_a_released_search_is_invalid(signed_in: Sidecar) -> None:
    params = {"query": "Queue: TEST", "filter": None, "scroll_id": None, "perScroll": 2}
    page = signed_in.result("get_issues", params)
    assert signed_in.result("release_scroll_context", {"scroll_id": page["next_scroll_id"]}) is None
    error = signed_in.error(
        "get_issues", {"query": "Queue: TEST", "scroll_id": page["next_scroll_id"]}
    )
    assert error["code"] == -32005 and error["data"]["kind"] == "invalid"
    assert RELEASED in error["message"] and error["data"]["status"] is None
    for word in ("unauthorized", "forbidden", "access denied", "not authenticated", "sign in"):
        assert word not in error["message"].lower()  # the frontend's isAuthRelatedError


def test_releasing_a_continued_search_clears_its_scroll_on_tracker(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    first = signed_in.result("get_issues", {"query": "Queue: TEST", "perScroll": 2})
    second = more(signed_in, first, "Queue: TEST")
    assert (
        signed_in.result("release_scroll_context", {"scroll_id": second["next_scroll_id"]}) is None
    )
    [clear] = fake_tracker.requests_to("POST", r"^/v3/system/search/scroll/_clear$")
    body = clear.json()
    assert isinstance(body, dict)
    [(scroll_id, token)] = body.items()
    assert scroll_id and token  # the documented id → token body
    assert fake_tracker.call(lambda state: scroll_id not in state.scrolls)
    error = signed_in.error(
        "get_issues", {"query": "Queue: TEST", "scroll_id": first["next_scroll_id"]}
    )
    assert RELEASED in error["message"]


def test_an_unknown_cursor_is_invalid_and_releasing_it_is_harmless(signed_in: Sidecar) -> None:
    for cursor in ("cXVlcnlUaGVuRmV0Y2g7MTsxMjM0NTY=", "ys1.0000000000000000.100", "ys1.x.-1"):
        error = signed_in.error("get_issues", {"query": "Queue: TEST", "scroll_id": cursor})
        assert error["data"]["kind"] == "invalid" and RELEASED in error["message"]
        assert signed_in.result("release_scroll_context", {"scroll_id": cursor}) is None


def test_the_same_cursor_sent_twice_at_once_gets_the_same_rows(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    """A repeated Load more (a retry, a double click) must not move the scroll twice."""
    page = signed_in.result("get_issues", {"query": "Queue: TEST", "perScroll": 2})
    fake_tracker.faults.add("POST", r"^/v3/issues/_search$", delay_s=0.3)
    params = {"query": "Queue: TEST", "scroll_id": page["next_scroll_id"]}
    ids = [signed_in.request("get_issues", params) for _ in range(2)]
    answers = [signed_in.response(i)["result"] for i in ids]
    assert [[i["key"] for i in a["issues"]] for a in answers] == [["TEST-3", "TEST-4"]] * 2
    assert more(signed_in, answers[1], "Queue: TEST")["issues"][0]["key"] == "TEST-5"


def test_beyond_page_modes_reach_a_fresh_scroll_skips_the_served_rows(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    """Page mode serves only the first 10,000 rows (here: 4); past them the re-open scrolls."""
    first = {"query": "Queue: TEST", "filter": None, "scroll_id": None, "perScroll": 2}
    expected = [content(p) for p in every_page(start_signed_in(spawn, fake_tracker), first)]
    assert [len(p["issues"]) for p in expected] == [2, 2, 2, 1]
    fake_tracker.call(lambda state: setattr(state, "page_cap", 4))
    sidecar = start_signed_in(spawn, fake_tracker)
    pages = [sidecar.result("get_issues", first)]
    pages.append(more(sidecar, pages[-1], "Queue: TEST"))
    for _ in range(2):  # rows 5-6, then row 7: both past the cap
        fake_tracker.call(lambda state: state.expire_scrolls())
        pages.append(more(sidecar, pages[-1], "Queue: TEST"))
    assert [content(p) for p in pages] == expected
