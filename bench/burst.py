"""Scenario 3: the frontend's start-up burst with the default 350 ms cooldown.

A fresh sidecar (signed in, nothing fetched yet) gets what the app fires at start
(`docs/frontend-contract.md` §3) in one write: `has_session`, `get_issues` with the default
filter, the five catalogs; when the issue list arrives, `get_today_logged_seconds_for_issues`
with its keys. Reported: time until `get_issues` is answered and until everything is answered,
and the Tracker requests made. The baseline is the official client making §10's requests for
the same calls one after another, each start spaced by the same cooldown.
Targets: `get_issues` within 2 cooldown slots of the start; no more Tracker requests than §10
needs once the login and catalogs are cached (8: `myself`, the search, five catalogs, the
work-log search).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, time as clock, timedelta
from typing import Any

from bench.context import Setup
from bench.fake import FIELDS
from bench.pipe import SidecarPipe
from bench.report import Row, median

NAME = "3 start-up burst"
COOLDOWN_MS = 350
NEEDED_REQUESTS = 8
DEFAULT_FILTER = {"resolution": "empty()", "assignee": "me()"}
CATALOGS = ("get_queues", "get_projects", "get_users", "get_priorities", "get_issue_types")


def today() -> dict[str, str]:
    start = datetime.combine(datetime.now().date(), clock()).astimezone()
    return {"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()}


def sidecar_burst(setup: Setup) -> dict[str, float]:
    with SidecarPipe(setup.fake, cooldown_ms=COOLDOWN_MS) as sidecar:
        time.sleep(2 * COOLDOWN_MS / 1000)  # the cooldown starts idle, as after a sign-in
        mark = setup.fake.mark()
        lines = [sidecar.request_line("has_session")]
        issues_id, line = sidecar.request_line(
            "get_issues", {"query": None, "filter": DEFAULT_FILTER, "scroll_id": None}
        )
        lines += [(issues_id, line), *(sidecar.request_line(name) for name in CATALOGS)]
        started = time.perf_counter()
        sidecar.send(*(line for _, line in lines))
        answers = collect(sidecar, {rid for rid, _ in lines}, issues_id)
        return {
            "issues_at": answers[issues_id] - started,
            "all_at": max(answers.values()) - started,
            "requests": len(mark.since()),
        }


def collect(
    sidecar: SidecarPipe,
    pending: set[int],
    issues_id: int,
    on_issues: Callable[[], None] | None = None,
) -> dict[int, float]:
    """Read every answer; send the today total as soon as the issue list is in (after calling
    `on_issues`)."""
    answered: dict[int, float] = {}
    while pending:
        message, at = sidecar.read()
        if message.get("id") not in pending:
            continue
        assert "result" in message, message
        pending.discard(message["id"])
        answered[message["id"]] = at
        if message["id"] == issues_id:
            if on_issues is not None:
                on_issues()
            keys = [issue["key"] for issue in message["result"]["issues"]]
            today_id, line = sidecar.request_line(
                "get_today_logged_seconds_for_issues", {"issueKeys": keys}
            )
            sidecar.send(line)
            pending.add(today_id)
    return answered


def competitor_burst(setup: Setup) -> dict[str, Any]:
    mark = setup.fake.mark()
    answer = setup.competitor.ask(
        "burst", cooldown_s=COOLDOWN_MS / 1000, fields=FIELDS, today=today()
    )
    return {**answer, "requests": len(mark.since())}


def run(setup: Setup) -> list[Row]:
    ours, theirs = [], []
    for _ in range(setup.sizes.runs):
        ours.append(sidecar_burst(setup))
        theirs.append(competitor_burst(setup))

    def mid(runs: list[dict[str, Any]], key: str, scale: float = 1000) -> float:
        return median(r[key] * scale for r in runs)

    slot = COOLDOWN_MS
    first = Row(NAME, "get_issues answered", mid(ours, "issues_at"), mid(theirs, "issues_at"))
    first.unit, first.target, first.ok = "ms", f"≤ {2 * slot} ms", first.sidecar <= 2 * slot
    done = Row(NAME, "all answered", mid(ours, "all_at"), mid(theirs, "all_at"), "ms")
    done.target = f"floor {(NEEDED_REQUESTS - 1) * slot} ms"
    count = Row(NAME, "Tracker requests", mid(ours, "requests", 1), mid(theirs, "requests", 1))
    count.target, count.ok = f"≤ {NEEDED_REQUESTS}", count.sidecar <= NEEDED_REQUESTS
    return [first, done, count]
