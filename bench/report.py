"""Result rows, medians and the printed table.

Owns: `Row` (one metric: the sidecar's value, the baseline's, the min–max spread of each over
the runs where a scenario keeps them, their ratio, the target and whether it was met),
percentile helpers and the text table. Must not know: how values were measured.
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


def spread(values: Iterable[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[0], ordered[-1]


@dataclass
class Row:
    scenario: str
    metric: str
    sidecar: float
    baseline: float | None = None
    unit: str = ""
    target: str = ""
    ok: bool | None = None
    sidecar_spread: tuple[float, float] | None = None  # min, max over the runs
    baseline_spread: tuple[float, float] | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.sidecar / self.baseline  # type: ignore[operator]

    def aim(self, limit: float) -> Row:
        """Set the target `ratio ≤ limit` and whether this run met it."""
        self.target = f"≤ {limit:g}×"
        self.ok = self.ratio is not None and self.ratio <= limit
        return self


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def _spread(values: tuple[float, float] | None) -> str:
    if values is None:
        return ""
    decimals = 0 if abs(values[1]) >= 100 else 2  # both ends alike
    return "–".join(f"{v:,.{decimals}f}" for v in values)


def _status(row: Row) -> str:
    return {None: "", True: "ok", False: "MISSED"}[row.ok]


HEADINGS = (
    "scenario",
    "metric",
    "sidecar",
    "min–max",
    "baseline",
    "min–max",
    "ratio",
    "target",
    "status",
)


def table(rows: list[Row]) -> str:
    cells = [HEADINGS] + [
        (
            r.scenario,
            r.metric,
            _number(r.sidecar, r.unit),
            _spread(r.sidecar_spread),
            _number(r.baseline, r.unit),
            _spread(r.baseline_spread),
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
