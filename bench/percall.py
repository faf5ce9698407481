"""Scenario 1: the cost of one `get_issue` through the whole sidecar, cooldown 0.

NDJSON request on the sidecar's stdin → handler → HTTPS to the fake → DTO → NDJSON response
read back, against two baselines, each in its own process and spoken to the same way:

- the per-call floor, `bench/call_floor.py`: a bare stdio process that makes the same GET with
  aiohttp and writes the raw body back (what asyncio, the pipes, TLS and aiohttp cost anyway);
- the official `yandex-tracker-client` making the same HTTP call (`GET issues/TEST-1?fields=…`).

The three alternate in chunks of 25 calls, so a change in machine load hits them alike; each
run's p50 and p95 are taken and the medians of those are reported, with their min–max over the
runs. Targets (issue 18): p50 ≤ 1.10× the floor's, p95 ≤ 1.3×; p50 ≤ 0.5× the official client's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench.context import Setup
from bench.fake import FIELDS
from bench.pipe import SidecarPipe
from bench.report import Row, median, percentile, spread

NAME = "1 per-call get_issue"
KEY = "TEST-1"
WARM_UP = 30
CHUNK = 25
US = 1e6
FLOOR = [sys.executable, "-m", "bench.call_floor"]

Caller = Callable[[int], list[float]]


def pipe_calls(pipe: SidecarPipe) -> Caller:
    def calls(count: int) -> list[float]:
        seconds = []
        for _ in range(count):
            request_id, line = pipe.request_line("get_issue", {"issueKey": KEY})
            seconds.append(pipe.timed(line, request_id))
        return seconds

    return calls


def competitor_calls(setup: Setup) -> Caller:
    def calls(count: int) -> list[float]:
        answer = setup.competitor.ask("get_issue", key=KEY, fields=FIELDS, calls=count)
        seconds: list[float] = answer["seconds"]
        return seconds

    return calls


def run(setup: Setup) -> list[Row]:
    with (
        SidecarPipe(setup.fake, cooldown_ms=0) as sidecar,
        SidecarPipe(setup.fake, cooldown_ms=0, command=FLOOR) as floor,
    ):
        callers = [pipe_calls(sidecar), pipe_calls(floor), competitor_calls(setup)]
        for calls in callers:
            calls(WARM_UP)
        runs = [interleaved(callers, setup.sizes.calls) for _ in range(setup.sizes.runs)]
    ours, floors, theirs = ([run[i] for run in runs] for i in range(3))
    return rows(ours, floors, theirs)


def interleaved(callers: list[Caller], calls: int) -> list[list[float]]:
    """Every caller's seconds, in alternating chunks."""
    seconds: list[list[float]] = [[] for _ in callers]
    while len(seconds[0]) < calls:
        chunk = min(CHUNK, calls - len(seconds[0]))
        for caller, mine in zip(callers, seconds, strict=True):
            mine += caller(chunk)
    return seconds


def stat(runs: list[list[float]], fraction: float) -> tuple[float, tuple[float, float]]:
    """Median over runs of each run's percentile, and their min–max (µs)."""
    each = [percentile(run, fraction) * US for run in runs]
    return median(each), spread(each)


def row(metric: str, ours: list[list[float]], baseline: list[list[float]], fraction: float) -> Row:
    (mine, my_spread), (theirs, their_spread) = stat(ours, fraction), stat(baseline, fraction)
    return Row(NAME, metric, mine, theirs, "µs", "", None, my_spread, their_spread)


Runs = list[list[float]]


def rows(ours: Runs, floors: Runs, theirs: Runs) -> list[Row]:
    return [
        row("p50 ÷ per-call floor", ours, floors, 0.5).aim(1.10),
        row("p95 ÷ per-call floor", ours, floors, 0.95).aim(1.3),
        row("p50 ÷ official client", ours, theirs, 0.5).aim(0.5),
        row("p95 ÷ official client", ours, theirs, 0.95),
    ]
