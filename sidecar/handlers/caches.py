"""What the handlers keep between calls: first pages, the cursors handed out, searches in
flight, catalogs and the login, each bound to the session that filled it.

Owns: `Caches` and `ListEntry`. Must not know: who builds them (`sidecar/app_tracker.py`).
Apart from `Deps` (`deps.py`), which the methods served before the Tracker half loads import:
these need the scroll cursors and with them the Tracker client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sidecar.api.issues import IssuePagePayload
from sidecar.handlers.scrolls import Search, Searches
from sidecar.local.cache import FreshCache, SharedCalls, TTLCache


@dataclass
class ListEntry:
    """A first page as Tracker gave it, and the search its cursor continues (None: last page)."""

    page: IssuePagePayload
    search: Search | None


@dataclass
class Caches:
    """First pages are fresh for --cache-fresh-s and the last good answer for --cache-ttl-s;
    `searches` are the cursors handed out; catalogs and the login last for the session.

    `list_generation` moves on with every write and sign-in, so a search that was on its way
    meanwhile is neither cached nor shared with later calls.

    Every cache is bound to the session's generation (`bound_to`, `sidecar/local/cache.py`):
    a handler notes `deps.session.generation` before it asks Tracker and hands it to `put` as
    `since`, so an answer that arrives after a sign-in, sign-out or refresh is answered to its
    own request and never stored for the next account.
    """

    issue_lists: FreshCache[ListEntry]
    searches: Searches = field(default_factory=Searches)
    list_calls: SharedCalls[ListEntry] = field(default_factory=SharedCalls)
    list_generation: int = 0
    catalogs: TTLCache[list[Any]] = field(default_factory=lambda: TTLCache(None))
    login: TTLCache[str] = field(default_factory=lambda: TTLCache(None))

    @classmethod
    def bound_to(cls, epoch: Callable[[], int], fresh_s: float, keep_s: float) -> Caches:
        return cls(
            issue_lists=FreshCache(fresh_s, keep_s, epoch=epoch),
            catalogs=TTLCache(None, epoch=epoch),
            login=TTLCache(None, epoch=epoch),
        )

    def after_mutation(self) -> None:
        """Any write through the sidecar may change what a list shows."""
        self.issue_lists.stale_all()
        self.list_generation += 1

    def clear(self) -> None:
        self.forget_answers()
        self.searches.clear()

    def forget_answers(self) -> None:
        """`cache/clear`: every cached answer goes; the cursors handed out stay usable."""
        self.issue_lists.clear()
        self.list_generation += 1
        self.catalogs.clear()
        self.login.clear()
