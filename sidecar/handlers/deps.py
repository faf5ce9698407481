"""What a handler may use: the services the app wires together, and the per-call context.

Owns: the `Deps` bundle and the `Call` protocol (request id, progress). Must not know: how
they are built (that is `sidecar/app.py`) or the wire (the rpc RequestContext satisfies `Call`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sidecar.api.issues import IssuePagePayload
from sidecar.handlers.convert import display_keys
from sidecar.handlers.kept import Kept
from sidecar.handlers.scrolls import Search, Searches
from sidecar.local.cache import FreshCache, SharedCalls, TTLCache
from sidecar.local.config_file import ConfigStore
from sidecar.local.timer import Timer
from sidecar.session.manager import SessionManager
from sidecar.tracker.client import TrackerClient
from sidecar.tray.changes import OwnWrites
from sidecar.tray.service import TrayService


class Call(Protocol):
    """The current request, as far as a handler needs it."""

    @property
    def id(self) -> int | str | None: ...

    def progress(self, done: int, total: int | None) -> None: ...


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


@dataclass
class Deps:
    tracker: TrackerClient
    session: SessionManager
    config: ConfigStore
    timer: Timer
    caches: Caches
    kept: Kept
    notify: Callable[[str, Any], None]
    client_id: str | None = None
    client_secret: str | None = None
    accept_language: str | None = None
    own_writes: OwnWrites = field(default_factory=OwnWrites)
    tray: TrayService | None = None  # set by the app once the service exists

    @property
    def keys(self) -> tuple[str, ...]:
        """Display-dict key preference for the configured language."""
        return display_keys(self.accept_language)

    async def workday_hours(self) -> int:
        return (await self.config.load()).workday_hours
