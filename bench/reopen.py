"""Scenario 7: Load more after Tracker forgot the scroll, and how the search is re-opened.

The sidecar must answer rows offset..offset+99 of a search again, in as few requests as the API
allows. Two ways, measured in this process on the fake's bulk query (answering instantly) over
one keep-alive HTTPS session, each answer decoded into the sidecar's wire Structs:

- page mode, `perPage=100&page=k`: one request of 100 rows for any offset page mode reaches;
- a fresh scroll with `perScroll=offset+100` keeping the last 100 rows: one request up to
  page 10, then pages of 1,000 (Tracker's maximum) and a `_clear`.

Reported for pages 2, 5, 10 and 50 (those the data holds): requests, kB received and wall time
of page mode (the sidecar's choice) against the fresh scroll (the baseline). Then through the
sidecar: Load more of page 5 after the fake expired the scroll, against the same Load more on a
live scroll; target: 2 requests at the fake (the refused continuation and the re-open).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec
import requests

from bench.context import Setup
from bench.fake import FIELDS, QUERY
from bench.pipe import SidecarPipe
from bench.report import Row, median
from sidecar.tracker.models import IssueWire
from tests.fakes.tracker import HEADERS

NAME = "7 reopen"
PER = 100
PAGES = (2, 5, 10, 50)
LOAD_MORE_PAGE = 5
MAX_PER_SCROLL = 1000
_DECODE = msgspec.json.Decoder(list[IssueWire])

Fetch = Callable[[requests.Session, str, int], tuple[int, int, int]]


def page_mode(session: requests.Session, url: str, page: int) -> tuple[int, int, int]:
    """(requests, bytes, rows kept) for rows (page-1)*100 .. page*100-1 in page mode."""
    params = {"fields": FIELDS, "perPage": PER, "page": page}
    answer = session.post(url, params=params, json={"query": QUERY})
    answer.raise_for_status()
    return 1, len(answer.content), len(_DECODE.decode(answer.content))


def fresh_scroll(session: requests.Session, url: str, page: int) -> tuple[int, int, int]:
    """The same rows from a new scroll that skips the rows before them."""
    wanted = page * PER
    params = {
        "fields": FIELDS,
        "scrollType": "sorted",
        "perScroll": min(wanted, MAX_PER_SCROLL),
        "scrollTTLMillis": 60_000,
    }
    count, size, rows = 0, 0, []
    answer = None
    while answer is None or (len(rows) < wanted and "X-Scroll-Id" in answer.headers):
        answer = session.post(url, params=params, json={"query": QUERY})
        answer.raise_for_status()
        count, size = count + 1, size + len(answer.content)
        rows += _DECODE.decode(answer.content)
        params = {"fields": FIELDS, "scrollId": answer.headers.get("X-Scroll-Id", "")}
    if "X-Scroll-Id" in answer.headers:
        pair = {answer.headers["X-Scroll-Id"]: answer.headers["X-Scroll-Token"]}
        session.post(url.replace("issues/_search", "system/search/scroll/_clear"), json=pair)
        count += 1
    return count, size, len(rows[wanted - PER : wanted])


def measured(
    fetch: Fetch, session: requests.Session, url: str, page: int, runs: int
) -> dict[str, float]:
    timings, result = [], (0, 0, 0)
    for _ in range(runs):
        started = time.perf_counter()
        result = fetch(session, url, page)
        timings.append(time.perf_counter() - started)
    assert result[2] == PER, result
    return {"requests": result[0], "kb": result[1] / 1024, "ms": median(timings) * 1000}


def strategy_rows(setup: Setup) -> list[Row]:
    rows: list[Row] = []
    url = f"{setup.fake.url}/v3/issues/_search"
    with requests.Session() as session:
        session.headers.update(HEADERS)
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify`
        session.verify = setup.fake.ca_file
        page_mode(session, url, 1)  # the connection, once
        for page in (p for p in PAGES if p * PER <= setup.sizes.issues):
            ours = measured(page_mode, session, url, page, 3 * setup.sizes.runs)
            theirs = measured(fresh_scroll, session, url, page, 3 * setup.sizes.runs)
            label = f"{NAME} page {page}"
            for metric, unit in (("requests", ""), ("kb", "kB"), ("ms", "ms")):
                rows.append(
                    Row(
                        label,
                        f"page mode vs fresh scroll: {metric}",
                        ours[metric],
                        theirs[metric],
                        unit,
                    )
                )
    return rows


def load_more(sidecar: SidecarPipe, setup: Setup, expire: bool) -> tuple[float, int]:
    """(seconds, search requests) for Load more of page 5, the scroll expired or not."""
    page = sidecar.call("get_issues", {"query": QUERY, "scroll_id": None})
    for _ in range(LOAD_MORE_PAGE - 2):
        page = sidecar.call("get_issues", {"query": QUERY, "scroll_id": page["next_scroll_id"]})
    if expire:
        setup.fake.mutate(lambda state: state.expire_scrolls())
    mark = setup.fake.mark()
    request_id, line = sidecar.request_line(
        "get_issues", {"query": QUERY, "scroll_id": page["next_scroll_id"]}
    )
    seconds = sidecar.timed(line, request_id)
    return seconds, len(mark.since("POST", "/issues/_search"))


def run(setup: Setup) -> list[Row]:
    rows = strategy_rows(setup)
    live, expired = [], []
    with SidecarPipe(setup.fake, cooldown_ms=0, extra=("--cache-fresh-s", "0")) as sidecar:
        for _ in range(setup.sizes.runs):
            live.append(load_more(sidecar, setup, expire=False))
            expired.append(load_more(sidecar, setup, expire=True))
    label = f"{NAME} load more page {LOAD_MORE_PAGE}"
    count = Row(
        label,
        "requests, expired vs live",
        median(n for _, n in expired),
        median(n for _, n in live),
    )
    count.target, count.ok = "2", count.sidecar <= 2
    wall = Row(
        label,
        "answered, expired vs live",
        median(s for s, _ in expired) * 1000,
        median(s for s, _ in live) * 1000,
        "ms",
    )
    return [*rows, count, wall]
