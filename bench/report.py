"""Result rows, medians and the printed table.

Owns: `Row` (one metric: the sidecar's value, the baseline's, their ratio, the target and
whether it was met), percentile helpers and the text table. Must not know: how values were
measured.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def percentile(values: Iterable[float], fraction: float) -> float:
    """Nearest-rank percentile (p50 = fraction 0.5)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass
class Row:
    scenario: str
    metric: str
    sidecar: float
    baseline: float | None = None
    unit: str = ""
    target: str = ""
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.sidecar / self.baseline  # type: ignore[operator]


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def _status(row: Row) -> str:
    return {None: "", True: "ok", False: "MISSED"}[row.ok]


HEADINGS = ("scenario", "metric", "sidecar", "baseline", "ratio", "target", "status")


def table(rows: list[Row]) -> str:
    cells = [HEADINGS] + [
        (
            r.scenario,
            r.metric,
            _number(r.sidecar, r.unit),
            _number(r.baseline, r.unit),
            "–" if r.ratio is None else f"{r.ratio:.2f}×",
            r.target,
            _status(r),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADINGS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
