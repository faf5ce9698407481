"""Scenario 1: the cost of one `get_issue` through the whole sidecar, cooldown 0.

NDJSON request on the sidecar's stdin → handler → HTTPS to the fake → DTO → NDJSON response
read back, against the same HTTP call (`GET issues/TEST-1?fields=…`) made by
`yandex-tracker-client` in its own process. The two alternate in chunks of 25 calls; each run's
p50 and p95 are taken and the medians of those are reported.
Target: sidecar p50 ≤ 0.5× the official client's.
"""

from __future__ import annotations

from bench.context import Setup
from bench.fake import FIELDS
from bench.pipe import SidecarPipe
from bench.report import Row, median, percentile

KEY = "TEST-1"
WARM_UP = 30
CHUNK = 25
US = 1e6


def sidecar_calls(sidecar: SidecarPipe, calls: int) -> list[float]:
    seconds = []
    for _ in range(calls):
        request_id, line = sidecar.request_line("get_issue", {"issueKey": KEY})
        seconds.append(sidecar.timed(line, request_id))
    return seconds


def competitor_calls(setup: Setup, calls: int) -> list[float]:
    answer = setup.competitor.ask("get_issue", key=KEY, fields=FIELDS, calls=calls)
    seconds: list[float] = answer["seconds"]
    return seconds


def run(setup: Setup) -> list[Row]:
    ours: list[list[float]] = []
    theirs: list[list[float]] = []
    with SidecarPipe(setup.fake, cooldown_ms=0) as sidecar:
        sidecar_calls(sidecar, WARM_UP)
        competitor_calls(setup, WARM_UP)
        for _ in range(setup.sizes.runs):
            mine, other = interleaved(setup, sidecar, setup.sizes.calls)
            ours.append(mine)
            theirs.append(other)
    return rows(ours, theirs)


def interleaved(setup: Setup, sidecar: SidecarPipe, calls: int) -> tuple[list[float], list[float]]:
    """Both clients in alternating chunks, so a change in machine load hits them alike."""
    mine: list[float] = []
    other: list[float] = []
    while len(mine) < calls:
        chunk = min(CHUNK, calls - len(mine))
        mine += sidecar_calls(sidecar, chunk)
        other += competitor_calls(setup, chunk)
    return mine, other


def rows(ours: list[list[float]], theirs: list[list[float]]) -> list[Row]:
    def stat(runs: list[list[float]], fraction: float) -> float:
        return median(percentile(run, fraction) for run in runs) * US

    p50 = Row("1 per-call get_issue", "p50 latency", stat(ours, 0.5), stat(theirs, 0.5), "µs")
    p50.target, p50.ok = "≤ 0.5×", p50.sidecar <= 0.5 * (p50.baseline or 0)
    p95 = Row("1 per-call get_issue", "p95 latency", stat(ours, 0.95), stat(theirs, 0.95), "µs")
    return [p50, p95]
