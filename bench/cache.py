"""Scenario 6: the frontend's repeated `get_issues` for the same filter within five minutes.

The app refreshes the list by releasing the previous scroll id and asking for the first page
again (`docs/frontend-contract.md` §9.8). A fresh sidecar gets that pair ten times for the
default filter (`assignee: me()`, several pages of data); the fake counts the Tracker requests.
The official client keeps no cache: the same refreshes cost a `myself` and a search each.
Target: one search (the floor); the login lookup is made once per session on top of it.
"""

from __future__ import annotations

from bench.burst import DEFAULT_FILTER
from bench.context import Setup
from bench.fake import FIELDS
from bench.pipe import SidecarPipe
from bench.report import Row, median

NAME = "6 cache"


def sidecar_refreshes(setup: Setup, times: int) -> tuple[int, int]:
    """(search requests, all Tracker requests) for `times` refreshes of the first page."""
    params = {"query": None, "filter": DEFAULT_FILTER, "scroll_id": None}
    with SidecarPipe(setup.fake, cooldown_ms=0) as sidecar:
        mark, previous = setup.fake.mark(), None
        for _ in range(times):
            if previous is not None:
                sidecar.call("release_scroll_context", {"scroll_id": previous})
            page = sidecar.call("get_issues", params)
            assert page["issues"], page
            previous = page["next_scroll_id"]
        return len(mark.since("POST", "/issues/_search")), len(mark.since())


def competitor_refreshes(setup: Setup, times: int) -> tuple[int, int]:
    mark = setup.fake.mark()
    setup.competitor.ask(
        "first_pages", filter={"resolution": "empty()"}, fields=FIELDS, times=times
    )
    return len(mark.since("POST", "/issues/_search")), len(mark.since())


def run(setup: Setup) -> list[Row]:
    times = setup.sizes.repeats
    ours = [sidecar_refreshes(setup, times) for _ in range(setup.sizes.runs)]
    theirs = [competitor_refreshes(setup, times) for _ in range(setup.sizes.runs)]
    label = f"{NAME} {times} refreshes"
    searches = Row(
        label, "search requests", median(s for s, _ in ours), median(s for s, _ in theirs)
    )
    searches.target, searches.ok = "1", searches.sidecar <= 1
    total = Row(
        label, "all Tracker requests", median(a for _, a in ours), median(a for _, a in theirs)
    )
    total.target = "2 (+ myself once)"
    return [searches, total]
