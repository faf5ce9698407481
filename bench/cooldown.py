"""Scenario 4: cooldown fidelity, measured where it matters: at the fake.

A fresh sidecar (cold connection pool) with the default 350 ms cooldown gets 20 concurrent
`get_issue` calls in one write. From the arrival times the fake recorded: the smallest gap
between two request starts (must never be below the setting) and the span from the first start
to the last against the ideal (n−1)·cooldown. Targets: no gap below the setting; the span
within 5 % of the ideal.
"""

from __future__ import annotations

import time

from bench.context import Setup
from bench.fake import gaps
from bench.pipe import SidecarPipe
from bench.report import Row, median

NAME = "4 cooldown"
COOLDOWN_MS = 350


def one_run(setup: Setup, calls: int) -> tuple[float, float]:
    """(smallest gap, first-to-last span) in ms, from the fake's arrival times."""
    with SidecarPipe(setup.fake, cooldown_ms=COOLDOWN_MS) as sidecar:
        time.sleep(2 * COOLDOWN_MS / 1000)
        mark = setup.fake.mark()
        lines = [
            sidecar.request_line("get_issue", {"issueKey": f"BENCH-{n + 1}"}) for n in range(calls)
        ]
        sidecar.send(*(line for _, line in lines))
        for request_id, _ in lines:
            message, _ = sidecar.response(request_id)
            assert "result" in message, message
        starts = [r.started for r in mark.since("GET", "/issues/BENCH-")]
    assert len(starts) == calls, len(starts)
    return min(gaps(starts)) * 1000, (starts[-1] - starts[0]) * 1000


def run(setup: Setup) -> list[Row]:
    calls = setup.sizes.burst_calls
    runs = [one_run(setup, calls) for _ in range(setup.sizes.runs)]
    smallest = min(gap for gap, _ in runs)
    span = median(span for _, span in runs)
    ideal = (calls - 1) * COOLDOWN_MS
    gap_row = Row(NAME, f"smallest gap ({calls} calls)", smallest, COOLDOWN_MS, "ms", "≥ 1.00×")
    gap_row.ok = smallest >= COOLDOWN_MS
    span_row = Row(NAME, "first→last start", span, ideal, "ms", "≤ 1.05×", span <= 1.05 * ideal)
    return [gap_row, span_row]
