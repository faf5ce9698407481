"""Scenario 0: spawn → first answer to `ping`, as a ratio to the start-up floor.

Each round starts every target once, in an order that flips every round (so a drift in machine
load hits them alike), writes a `ping` right after the spawn and stops the clock when the answer
is read; the process is then closed (stdin EOF) and reaped before the next start. Targets:

- the floor, `bench/start_floor.py` on the same interpreter: asyncio started, one line read with
  msgspec and answered;
- `python -m sidecar --secrets memory`, signed out (an empty config folder);
- the frozen binary (YTRACKER_SIDECAR_BIN, else the one in `dist/`; rows skipped when there is
  none), same flags, its native-library and Python code caches warm (its warm-up start lives
  2.5 s, long enough to write them), as on every start after a build's first session;
- the binary with `--demo` (the embedded demo Tracker, signed in to it);
- the binary's first start: an empty cache folder every round (paid once per build; no target).

Targets (issue 18): python ≤ 1.25× the floor, binary ≤ 1.6×, binary --demo ≤ 2.0×.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import msgspec

from bench.context import Setup
from bench.pipe import REPO, SIDECAR
from bench.report import Row, median, spread

NAME = "0 start-up (spawn → ping)"
PING = b'{"jsonrpc":"2.0","id":"ping","method":"ping"}\n'
FLOOR = [sys.executable, str(REPO / "bench" / "start_floor.py")]
SIGNED_OUT = ["--secrets", "memory"]


@dataclass(frozen=True)
class Target:
    metric: str
    command: list[str]
    limit: float | None = None
    empty_cache: bool = False


def built_binary() -> Path | None:
    """The frozen sidecar to measure: YTRACKER_SIDECAR_BIN, else the only one in dist/."""
    named = os.environ.get("YTRACKER_SIDECAR_BIN")
    if named:
        return Path(named)
    suffix = ".exe" if sys.platform == "win32" else ""
    found = [p for p in (REPO / "dist").glob(f"ytracker-sidecar-*{suffix}") if p.is_file()]
    found = [p for p in found if p.suffix == suffix or not suffix]
    return found[0] if len(found) == 1 else None


def targets(binary: Path | None) -> list[Target]:
    listed = [
        Target("floor: asyncio + msgspec, one line", FLOOR),
        Target("python -m sidecar, signed out", [*SIDECAR, *SIGNED_OUT], 1.25),
    ]
    if binary is not None:
        listed += [
            Target("binary, signed out", [str(binary), *SIGNED_OUT], 1.6),
            Target("binary --demo", [str(binary), "--demo"], 2.0),
            Target("binary, first start (empty cache)", [str(binary), *SIGNED_OUT], None, True),
        ]
    return listed


# The warm-up start of each target lives this long, as a user's first session of a build does:
# the binary writes its Python code cache once its imports have been quiet for a second.
WARM_RUN_S = 2.5


def first_answer_ms(command: list[str], env: dict[str, str], linger_s: float = 0.0) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(PING)
    proc.stdin.flush()
    elapsed = None
    while elapsed is None and (line := proc.stdout.readline()):
        if msgspec.json.decode(line).get("id") == "ping":
            elapsed = (time.perf_counter() - started) * 1000
    time.sleep(linger_s)
    proc.stdin.close()
    code = proc.wait(timeout=30)
    proc.stdout.close()
    if elapsed is None or code != 0:
        raise RuntimeError(f"{command[:3]} exited {code} (answered ping: {elapsed is not None})")
    return elapsed


class Starter:
    """Starts targets with their own config folder and cache, under one scratch folder."""

    def __init__(self, scratch: Path) -> None:
        self.scratch, self.count = scratch, 0
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env = {**env, "XDG_CACHE_HOME": str(scratch / "cache")}

    def start(self, target: Target, linger_s: float = 0.0) -> float:
        self.count += 1
        env = {**self.env, "YTRACKER_CONFIG_DIR": str(self.scratch / f"config-{self.count}")}
        if target.empty_cache:
            env["XDG_CACHE_HOME"] = str(self.scratch / f"cache-{self.count}")
        return first_answer_ms(target.command, env, linger_s)


def rounds(listed: list[Target], count: int, starter: Starter) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {target.metric: [] for target in listed}
    for target in listed:  # warm the page cache, the bytecode cache and the binary's caches
        starter.start(target, linger_s=WARM_RUN_S)
    for round_ in range(count):
        for target in listed if round_ % 2 == 0 else reversed(listed):
            times[target.metric].append(starter.start(target))
    return times


def run(setup: Setup) -> list[Row]:
    listed = targets(built_binary())
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        times = rounds(listed, setup.sizes.starts, Starter(Path(scratch)))
    floor = times[listed[0].metric]
    rows = []
    for target in listed[1:]:
        mine = times[target.metric]
        row = Row(NAME, target.metric, median(mine), median(floor), "ms")
        row.sidecar_spread, row.baseline_spread = spread(mine), spread(floor)
        rows.append(row.aim(target.limit) if target.limit else row)
    return rows
