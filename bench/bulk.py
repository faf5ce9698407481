"""Scenario 2: every issue of a 10,000-issue query, with the fake answering instantly.

The sidecar pages with `get_issues` + `scroll_id` until `has_more` is false: 1,000 per page
where the caller allows it (`perScroll: 1000`) and 100 per page as the frontend asks; the
official client iterates `issues.find(query, per_page=…)` over the same data. Reported: search
requests at the fake, client CPU per issue (whole process: TLS, HTTP, decoding, DTOs, and for
the sidecar the NDJSON hop), wall time, and, in this process on one recorded 1,000-issue page,
the decoding + DTO conversion cost alone (sidecar: msgspec into wire Structs + `convert.issue`;
official client: its `decode_response`, i.e. JSON + Resource objects).
Targets: ≤ ⌈N/1000⌉ requests at 1,000 per page; conversion ≤ 15 µs per issue; wall time
≤ 0.3× the official client's.
"""

from __future__ import annotations

import math
import ssl
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
import requests
from yandex_tracker_client import TrackerClient
from yandex_tracker_client.connection import decode_response

from bench.context import Setup
from bench.fake import FIELDS, QUERY
from bench.pipe import SidecarPipe
from bench.report import Row, median
from sidecar.handlers import convert
from sidecar.tracker.models import IssueWire
from tests.fakes.tracker import HEADERS

NAME = "2 bulk list"
US = 1e6


@dataclass
class Fetch:
    requests: int
    count: int
    wall_s: float
    cpu_s: float

    @property
    def cpu_us_per_issue(self) -> float:
        return self.cpu_s / self.count * US


def sidecar_fetch(setup: Setup, per_scroll: int | None) -> Fetch:
    with SidecarPipe(setup.fake, cooldown_ms=0) as sidecar:
        sidecar.call("get_issue", {"issueKey": "TEST-1"})  # warm: TLS, pool, imports
        mark, cpu = setup.fake.mark(), sidecar.cpu_seconds()
        started = time.perf_counter()
        extra = {} if per_scroll is None else {"perScroll": per_scroll}
        page = sidecar.call("get_issues", {"query": QUERY, **extra})
        count = len(page["issues"])
        while page["has_more"]:
            page = sidecar.call("get_issues", {"query": QUERY, "scroll_id": page["next_scroll_id"]})
            count += len(page["issues"])
        wall = time.perf_counter() - started
        searches = len(mark.since("POST", "/issues/_search"))
        return Fetch(searches, count, wall, sidecar.cpu_seconds() - cpu)


def competitor_fetch(setup: Setup, per_page: int) -> Fetch:
    mark = setup.fake.mark()
    answer = setup.competitor.ask("find", query=QUERY, fields=FIELDS, per_page=per_page)
    searches = len(mark.since("POST", "/issues/_search"))
    return Fetch(searches, answer["count"], answer["wall_s"], answer["cpu_s"])


def recorded_page(setup: Setup, per_page: int = 1000) -> bytes:
    """One raw search answer from the fake, as both clients would receive it."""
    query = f"fields={FIELDS}&perPage={per_page}"
    request = urllib.request.Request(
        f"{setup.fake.url}/v3/issues/_search?{query}",
        data=msgspec.json.encode({"query": QUERY}),
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    tls = ssl.create_default_context(cafile=setup.fake.ca_file)
    with urllib.request.urlopen(request, context=tls) as answer:
        body: bytes = answer.read()
    return body


def per_issue_us(work: Callable[[], int], repeats: int = 7) -> float:
    """The least-disturbed of several runs (other tenants only ever add time)."""
    timings = []
    for _ in range(repeats):
        started = time.process_time()
        count = work()
        timings.append((time.process_time() - started) / count * US)
    return min(timings)


def sidecar_conversion(body: bytes) -> Callable[[], int]:
    decoder = msgspec.json.Decoder(list[IssueWire])

    def work() -> int:
        issues = [convert.issue(wire, 8) for wire in decoder.decode(body)]
        return len(issues)

    return work


def competitor_conversion(body: bytes) -> Callable[[], int]:
    response = requests.Response()
    response.status_code, response._content, response.encoding = 200, body, "utf-8"
    connection = TrackerClient(token="unused", org_id="unused")._connection  # no I/O

    def work() -> int:
        return len(decode_response(response, connection))

    return work


def run(setup: Setup) -> list[Row]:
    n = setup.sizes.issues
    fetches: dict[str, list[Fetch]] = {"ours1000": [], "ours100": [], "them1000": [], "them100": []}
    sidecar_fetch(setup, 1000)  # untimed: the fake renders each issue once per API version
    competitor_fetch(setup, 1000)
    for _ in range(setup.sizes.runs):
        fetches["ours1000"].append(sidecar_fetch(setup, 1000))
        fetches["them1000"].append(competitor_fetch(setup, 1000))
        fetches["ours100"].append(sidecar_fetch(setup, None))
        fetches["them100"].append(competitor_fetch(setup, 100))
    for runs in fetches.values():
        assert all(f.count == n for f in runs), [f.count for f in runs]
    return [*fetch_rows(fetches, n), *conversion_rows(recorded_page(setup))]


def fetch_rows(fetches: dict[str, list[Fetch]], n: int) -> list[Row]:
    rows = []
    for size in (1000, 100):
        ours, them = fetches[f"ours{size}"], fetches[f"them{size}"]
        label = f"{NAME} {n:,} × {size}/page"
        requests_row = Row(label, "search requests", ours[0].requests, them[0].requests)
        if size == 1000:
            requests_row.target = f"≤ {math.ceil(n / 1000)}"
            requests_row.ok = ours[0].requests <= math.ceil(n / 1000)
        cpu = [median(f.cpu_us_per_issue for f in runs) for runs in (ours, them)]
        wall = [median(f.wall_s * 1000 for f in runs) for runs in (ours, them)]
        wall_row = Row(label, "wall time", wall[0], wall[1], "ms", "≤ 0.3×")
        wall_row.ok = wall[0] <= 0.3 * wall[1]
        rows += [requests_row, Row(label, "client CPU / issue", *cpu, "µs"), wall_row]
    return rows


def conversion_rows(body: bytes) -> list[Row]:
    ours = per_issue_us(sidecar_conversion(body))
    theirs = per_issue_us(competitor_conversion(body))
    row = Row(NAME, "decode + DTO / issue", ours, theirs, "µs", "≤ 15 µs", ours <= 15)
    return [row]
