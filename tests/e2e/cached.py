"""Helpers for the disk cache tests: the reads every store answers, and looking into a store.

`warm(spawn, fake)` leaves one sidecar's answers to `READS` in the test's cache folder (the
`cache_dir` fixture, the `spawn` fixture's YTRACKER_CACHE_DIR); `rows(path)` and
`the_store(cache_dir)` read a store's entries straight from SQLite, as any tool could.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import clear_log, start_signed_in
from tests.fakes.tracker import FakeTrackerServer

DEFAULT = {
    "query": None,
    "filter": {"resolution": "empty()", "assignee": "me()"},
    "scroll_id": None,
}
CATALOGS = (
    "get_statuses",
    "get_resolutions",
    "get_priorities",
    "get_issue_types",
    "get_queues",
    "get_projects",
    "get_users",
)
ISSUE = {"issueKey": "TEST-1"}
READS: list[tuple[str, Any]] = [
    ("get_current_user", None),
    *((name, None) for name in CATALOGS),
    ("get_issues", DEFAULT),
    ("get_issue", ISSUE),
    ("get_comments", ISSUE),
    ("get_transitions", ISSUE),
    ("get_attachments", ISSUE),
    ("get_checklist", ISSUE),
    ("get_issue_worklogs", ISSUE),
    ("get_today_logged_seconds_for_issues", {"issueKeys": ["TEST-1", "TEST-2"]}),
]
CATALOG_PATHS = r"^/v3/(statuses|resolutions|priorities|issuetypes|queues|projects|users|myself)$"
SEARCH = r"^/v3/issues/_search$"


# -- helpers --------------------------------------------------------------------------------


def account_stores(folder: Path) -> list[Path]:
    return sorted(folder.glob("account-*.sqlite3"))


def rows(path: Path) -> dict[str, tuple[bytes, float, int]]:
    """key → (value, stored_at, stale) of every entry of a store (its use times left out)."""
    with closing(sqlite3.connect(path)) as db:
        found = db.execute("SELECT key, value, stored_at, stale FROM entries").fetchall()
    return {key: (bytes(value), at, stale) for key, value, at, stale in found}


def the_store(folder: Path) -> dict[str, tuple[bytes, float, int]]:
    [path] = account_stores(folder)
    return rows(path)


def read_all(sidecar: Sidecar, reads: list[tuple[str, Any]] = READS) -> list[Any]:
    return [sidecar.result(method, params) for method, params in reads]


def warm(spawn: SpawnFn, fake: FakeTrackerServer, *extra: str) -> list[Any]:
    """One sidecar's reads, left in the test's cache folder; the fake's log is emptied."""
    sidecar = start_signed_in(spawn, fake, *extra)
    answers = read_all(sidecar)
    assert sidecar.stop() == 0
    clear_log(fake)
    return answers


def order(sidecar: Sidecar) -> list[dict[str, Any]]:
    """Every message the sidecar wrote, in the order it wrote them."""
    return [json.loads(line) for line in sidecar.raw_stdout]
