"""`get_issues` page sizes: the app's 100, a caller's `perScroll`, and the first-page cache.

`perScroll` (1..1000) is for bulk readers, never sent by the app: it sets the size of a new
search's scroll, continuation pages keep it (Tracker's scroll context holds it), and a first
page cached for one size is never served for another.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import signed_in as fixtures
from tests.e2e.harness import Sidecar
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in

QUERY = "Queue: TEST"


def searches(fake: FakeTrackerServer) -> list[dict[str, str]]:
    return [dict(r.query) for r in fake.requests_to("POST", r"/v3/issues/_search$")]


def all_pages(sidecar: Sidecar, first: dict[str, Any]) -> list[list[str]]:
    page = sidecar.result("get_issues", first)
    pages = [[i["key"] for i in page["issues"]]]
    while page["has_more"]:
        page = sidecar.result("get_issues", {"query": QUERY, "scroll_id": page["next_scroll_id"]})
        pages.append([i["key"] for i in page["issues"]])
    return pages


def test_per_scroll_sizes_every_page_of_the_search(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    pages = all_pages(signed_in, {"query": QUERY, "perScroll": 3})
    assert [len(p) for p in pages] == [3, 3, 1]
    first, *rest = searches(fake_tracker)
    assert first["perScroll"] == "3" and first["scrollType"] == "sorted"
    assert all("perScroll" not in q and "scrollId" in q for q in rest)


def test_without_per_scroll_the_app_size_is_sent(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    assert all_pages(signed_in, {"query": QUERY, "scroll_id": None}) == [
        ["TEST-1", "TEST-2", "TEST-3", "TEST-4", "TEST-5", "TEST-6", "TEST-7"]
    ]
    assert searches(fake_tracker)[0]["perScroll"] == "100"


def test_a_cached_first_page_is_kept_per_size(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    small = signed_in.result("get_issues", {"query": QUERY, "perScroll": 2})
    default = signed_in.result("get_issues", {"query": QUERY})
    assert (len(small["issues"]), len(default["issues"])) == (2, 7)
    assert signed_in.result("get_issues", {"query": QUERY}) == default
    assert [q["perScroll"] for q in searches(fake_tracker)] == ["2", "100"]


@pytest.mark.parametrize("size", [0, 1001, "100"])
def test_an_out_of_range_size_is_invalid_params(signed_in: Sidecar, size: object) -> None:
    error = signed_in.error("get_issues", {"query": QUERY, "perScroll": size})
    assert error["code"] == -32602 and "perScroll" in error["message"]


def test_a_cached_first_page_after_loading_more_continues_at_its_own_rows(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    """Tracker's scroll moved on when the first page was continued, so the cached first page's
    cursor re-opens the search at row 3 (one page-mode request) instead of skipping a page."""
    params = {"query": QUERY, "perScroll": 3}
    first = signed_in.result("get_issues", params)
    more = {"query": QUERY, "scroll_id": first["next_scroll_id"]}
    assert [i["key"] for i in signed_in.result("get_issues", more)["issues"]] == [
        "TEST-4",
        "TEST-5",
        "TEST-6",
    ]
    again = signed_in.result("get_issues", params)
    assert [i["key"] for i in again["issues"]] == ["TEST-1", "TEST-2", "TEST-3"]
    more = {"query": QUERY, "scroll_id": again["next_scroll_id"]}
    second = signed_in.result("get_issues", more)
    assert [i["key"] for i in second["issues"]] == ["TEST-4", "TEST-5", "TEST-6"]
    reopened = searches(fake_tracker)[-1]
    assert (reopened["perPage"], reopened["page"]) == ("3", "2")
    assert len(searches(fake_tracker)) == 3


def test_a_refresh_inside_the_window_is_served_from_the_cache(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    """Release + first page, as the app's Refresh does: the released cursor is gone, the new
    one continues the scroll the cached page came with (Tracker was not asked to clear it)."""
    params = {"query": QUERY, "perScroll": 3}
    first = signed_in.result("get_issues", params)
    assert (
        signed_in.result("release_scroll_context", {"scroll_id": first["next_scroll_id"]}) is None
    )
    again = signed_in.result("get_issues", params)
    assert {**again, "next_scroll_id": None} == {**first, "next_scroll_id": None}
    assert again["next_scroll_id"] != first["next_scroll_id"]
    more = {"query": QUERY, "scroll_id": again["next_scroll_id"]}
    page = signed_in.result("get_issues", more)
    assert [i["key"] for i in page["issues"]] == ["TEST-4", "TEST-5", "TEST-6"]
    assert len(searches(fake_tracker)) == 2
    assert fake_tracker.requests_to("POST", r"/scroll/_clear$") == []
