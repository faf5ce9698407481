"""`python -m bench [--quick] [--only NAME ...]`: run the scenarios, print the table.

Scenarios (each module's docstring says what it measures and its target):
startup, percall, bulk, burst, cooldown, transfers, cache, reopen, warm. `--quick` is the CI
smoke: one run (three start-up rounds), small data. Missed targets are marked in the table; the
exit code is non-zero only when a scenario fails to run. Needs the `dev` and `bench` extras
(`bash scripts/bootstrap.sh dev,bench`); `bench/README.md` has the latest numbers.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from bench import bulk, burst, cache, cooldown, percall, reopen, startup, transfers, warm
from bench.context import FULL, QUICK, Setup
from bench.fake import BenchFake, instant_answers
from bench.report import Row, table
from bench.workers import Competitor

SCENARIOS: dict[str, ModuleType] = {
    "startup": startup,
    "percall": percall,
    "bulk": bulk,
    "burst": burst,
    "cooldown": cooldown,
    "transfers": transfers,
    "cache": cache,
    "reopen": reopen,
    "warm": warm,
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, small data (CI smoke)")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument("--runs", type=int, help="override the number of runs per scenario")
    return parser.parse_args(argv)


def run_all(setup: Setup, names: list[str], progress: Callable[[str], None]) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        rows.extend(SCENARIOS[name].run(setup))
        progress(f"{name}: {time.perf_counter() - started:.1f} s")
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    load_before = loadavg()
    sizes = QUICK if args.quick else FULL
    if args.runs:
        sizes = type(sizes)(**{**sizes.__dict__, "runs": args.runs})
    fake = BenchFake()
    try:
        fake.seed(sizes.issues)
        # The fake's 10,000 issues live in this process: keep the collector from walking them
        # in the middle of a measurement (a full collection took ~45 ms).
        gc.collect()
        gc.freeze()
        competitor = Competitor(fake)
        try:
            with instant_answers():
                rows = run_all(Setup(fake, competitor, sizes), args.only, log)
        finally:
            competitor.close()
    finally:
        fake.close()
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}; {sizes}")
    print(f"load average (/proc/loadavg: 1, 5, 15 min): {load_before} before, {loadavg()} after")
    print(table(rows))
    return 0


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
