"""Scenario 6: the app's Refresh against the issue-list policy (`docs/frontend-contract.md` §9.8).

Refresh releases the previous cursor and asks for the first page again. A fresh sidecar gets
that pair `repeats` times for the default filter (`assignee: me()`, several pages of data);
the fake counts the Tracker requests.

- Inside the freshness window (default `--cache-fresh-s`, refreshes back to back): one search
  in all (the floor), plus the session's one `myself`; the releases clear nothing, since the
  cached page still offers its scroll.
- After the window (`--cache-fresh-s 0.2`, each refresh 0.3 s after the previous): one search
  per refresh, so Refresh shows what is new; the release of the previous, unused scroll adds
  its `_clear`.

The official client keeps no cache: every refresh costs it a `myself` and a search.
"""

from __future__ import annotations

import time

from bench.burst import DEFAULT_FILTER
from bench.context import Setup
from bench.fake import FIELDS
from bench.pipe import SidecarPipe
from bench.report import Row, median

NAME = "6 cache"
WINDOW_S = 0.2
PAUSE_S = 0.3


def sidecar_refreshes(setup: Setup, times: int, after_window: bool) -> tuple[int, int]:
    """(search requests, all Tracker requests) for `times` refreshes of the first page."""
    params = {"query": None, "filter": DEFAULT_FILTER, "scroll_id": None}
    # The tray's own refresh at sign-in (a page-mode search, background) is not the app's
    # Refresh: off here, as in scenario 7.
    window = ("--cache-fresh-s", str(WINDOW_S)) if after_window else ()
    extra = (*window, "--tray-interval-s", "0")
    with SidecarPipe(setup.fake, cooldown_ms=0, extra=extra) as sidecar:
        mark, previous = setup.fake.mark(), None
        for _ in range(times):
            if previous is not None:
                if after_window:
                    time.sleep(PAUSE_S)
                sidecar.call("release_scroll_context", {"scroll_id": previous})
            page = sidecar.call("get_issues", params)
            assert page["issues"] and page["has_more"], page
            previous = page["next_scroll_id"]
        return len(mark.since("POST", "/issues/_search")), len(mark.since())


def competitor_refreshes(setup: Setup, times: int) -> tuple[int, int]:
    mark = setup.fake.mark()
    setup.competitor.ask(
        "first_pages", filter={"resolution": "empty()"}, fields=FIELDS, times=times
    )
    return len(mark.since("POST", "/issues/_search")), len(mark.since())


def run(setup: Setup) -> list[Row]:
    times, runs = setup.sizes.repeats, range(setup.sizes.runs)
    theirs = [competitor_refreshes(setup, times) for _ in runs]
    inside = [sidecar_refreshes(setup, times, after_window=False) for _ in runs]
    after = [sidecar_refreshes(setup, times, after_window=True) for _ in runs]
    their_searches = median(s for s, _ in theirs)
    label = f"{NAME} {times} refreshes"
    searches = Row(
        f"{label} in window", "search requests", median(s for s, _ in inside), their_searches
    )
    searches.target, searches.ok = "1", searches.sidecar <= 1
    total = Row(
        f"{label} in window",
        "all Tracker requests",
        median(a for _, a in inside),
        median(a for _, a in theirs),
    )
    total.target, total.ok = "2 (search + myself once)", total.sidecar <= 2
    fresh = Row(
        f"{label} after window",
        "search requests per refresh",
        median(s for s, _ in after) / times,
        their_searches / times,
    )
    fresh.target, fresh.ok = "1", fresh.sidecar == 1
    every = Row(
        f"{label} after window",
        "all Tracker requests",
        median(a for _, a in after),
        median(a for _, a in theirs),
    )
    every.target = f"{2 * times} (search + release each, myself once)"
    every.ok = every.sidecar <= 2 * times
    return [searches, total, fresh, every]
