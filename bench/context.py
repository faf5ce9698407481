"""What every scenario gets: the shared fake, the competitor process and the run sizes.

Owns: `Setup` and its two presets (full and `--quick`). Must not know: any scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.fake import BenchFake
from bench.workers import Competitor


@dataclass(frozen=True)
class Sizes:
    runs: int  # repetitions of each scenario (medians are taken over them)
    calls: int  # get_issue calls per run (per-call overhead)
    issues: int  # issues in the bulk query
    burst_calls: int  # concurrent calls in the cooldown scenario
    transfer_mb: int  # attachment size for download and upload
    repeats: int  # repeated first-page searches (cache)
    starts: int  # rounds of spawn → first answer, every start-up target once per round


FULL = Sizes(
    runs=5, calls=300, issues=10_000, burst_calls=20, transfer_mb=200, repeats=10, starts=15
)
QUICK = Sizes(runs=1, calls=20, issues=1_000, burst_calls=5, transfer_mb=8, repeats=3, starts=3)


@dataclass
class Setup:
    fake: BenchFake
    competitor: Competitor
    sizes: Sizes
