"""Scenario 7: a start on a warm disk cache against a cold one, in the same run (issue 19).

Each round spawns a sidecar on an empty cache folder (cold), stops it, and spawns another on
the folder it left (warm). Each is sent, the moment it is spawned, what the app sends at start
(`docs/frontend-contract.md` §3): the sign-in (the keyring's part; here `login_with_token`,
answered before the rest is sent), `has_session`, `get_issues` with the default filter and the
five catalogs, then the today total once the list is in; the cooldown is the default 350 ms.

Reported, warm against cold: the Tracker requests made before `get_issues` is answered (target
warm: the search alone, no `myself`), the time from spawn to the `get_issues` answer, and every
Tracker request of the burst (target warm ≤ 3; the catalogs come from disk and are fetched again
in the background only 2 s after the first list). The warm spawn → answer is also given as a
ratio to the start-up floor of scenario 0 (`bench/start_floor.py`, spawned in the same rounds;
target ≤ 2.0x).
Both starts run with `--cache-fresh-s 1` and the warm one starts 1.1 s after the cold one's
list, so its first page is past the freshness window and asks Tracker, as a later start would.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.burst import CATALOGS, COOLDOWN_MS, DEFAULT_FILTER, collect
from bench.context import Setup
from bench.fake import LOGIN_PARAMS
from bench.pipe import SidecarPipe
from bench.report import Row, median, spread
from bench.startup import FLOOR, first_answer_ms

NAME = "7 warm start"
WINDOW_S = 1.0
# The tray's own refresh at sign-in (a page-mode search and its today total) is not the
# frontend's burst; a real start makes it too, at background priority.
FLAGS = ("--cache-fresh-s", f"{WINDOW_S:g}", "--tray-interval-s", "0")


def start(setup: Setup, cache_dir: Path) -> dict[str, float]:
    """One start on `cache_dir`: its numbers."""
    mark = setup.fake.mark()
    with SidecarPipe(
        setup.fake, cooldown_ms=COOLDOWN_MS, extra=FLAGS, cache_dir=cache_dir, sign_in=False
    ) as sidecar:
        login_id, login = sidecar.request_line("login_with_token", LOGIN_PARAMS)
        sidecar.send(login)  # what the keyring gives a real start before any command
        sidecar.response(login_id)
        ids_lines = [sidecar.request_line("has_session")]
        issues_id, line = sidecar.request_line(
            "get_issues", {"query": None, "filter": DEFAULT_FILTER, "scroll_id": None}
        )
        ids_lines += [(issues_id, line), *(sidecar.request_line(name) for name in CATALOGS)]
        sidecar.send(*(line for _, line in ids_lines))
        before: list[int] = []
        answers = collect(
            sidecar,
            {rid for rid, _ in ids_lines},
            issues_id,
            on_issues=lambda: before.append(len(mark.since())),
        )
        return {
            "issues_at": answers[issues_id] - sidecar.spawned_at,
            "before_issues": before[0],
            "requests": len(mark.since()),
        }


def round_trip(setup: Setup) -> tuple[dict[str, float], dict[str, float]]:
    """(cold, warm) of one round; the warm one carries the floor's spawn → answer (s)."""
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as folder:
        floor_ms = first_answer_ms(FLOOR, {**os.environ, "YTRACKER_CONFIG_DIR": folder})
        cold = start(setup, Path(folder))
        time.sleep(WINDOW_S + 0.1)  # past the first page's freshness window
        return cold, {**start(setup, Path(folder)), "floor_at": floor_ms / 1000}


def run(setup: Setup) -> list[Row]:
    rounds = [round_trip(setup) for _ in range(setup.sizes.runs)]

    def mid(key: str, which: int) -> float:
        return median(r[which][key] for r in rounds)

    before = Row(
        NAME, "requests before get_issues", mid("before_issues", 1), mid("before_issues", 0)
    )
    before.target, before.ok = "warm: the search alone (1)", before.sidecar <= 1
    spawn = Row(
        NAME, "spawn → get_issues answer", mid("issues_at", 1) * 1000, mid("issues_at", 0) * 1000
    )
    spawn.unit = "ms"
    warm_ms = [warm["issues_at"] * 1000 for _, warm in rounds]
    floors = [warm["floor_at"] * 1000 for _, warm in rounds]
    floor = Row(NAME, "warm spawn → get_issues vs the floor", median(warm_ms), median(floors))
    floor.unit, floor.sidecar_spread, floor.baseline_spread = "ms", spread(warm_ms), spread(floors)
    floor.aim(2.0)
    burst = Row(NAME, "Tracker requests in the burst", mid("requests", 1), mid("requests", 0))
    burst.target, burst.ok = "warm ≤ 3", burst.sidecar <= 3
    return [before, spawn, floor, burst]
