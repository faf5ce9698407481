"""The sidecar's own cursors over Tracker's issue-search scrolls, so Load more cannot expire.

Tracker forgets a scroll 60 s after its last page (`scrollTTLMillis`, at most 60,000), while the
app keeps the `next_scroll_id` it got for as long as the user reads. So that id is ours:
`ys1.<search>.<rows served>` names a `Search` kept here (the body, the page size, Tracker's
scroll while it is usable) and the offset of the rows that follow. Those rows come from Tracker's
scroll when it stands exactly there; otherwise (expired, cleared, or already moved on by another
call with the same cursor) from the same search re-opened at that offset in page mode, one
request for any offset page mode reaches (`perPage` = the smallest page size that holds the
wanted rows on one page; two pages when none does); past page mode's 10,000 rows (or when its
count says it stops short of them), from a fresh scroll of 1,000 rows a page, released again.

A continuation refused with any 4xx but 401 and 429 is taken as lost and re-opened: Tracker
answers an expired scroll with 403 `Expired signature` or 404, so a continuation's 403 never
means a dead session, and the re-open's own answer is what the caller sees.

Owns: the cursor format, the bounded table of searches (a newer search for the same params
supersedes the older, a release drops one, past `MAX_SEARCHES` the least recently used go), how
the rows after a cursor are read. Must not know: DTOs, the first-page cache, the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sidecar.errors import InvalidInput
from sidecar.tracker import pagination
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.errors import HTTPStatusError, TrackerError

T = TypeVar("T")

SCROLL_TTL_MS = 60_000  # Tracker's maximum
PAGE_MODE_ROWS = 10_000  # page mode serves no row beyond this
MAX_PAGE = 1_000  # the largest perPage / perScroll Tracker accepts
MAX_SEARCHES = 64
_CURSOR = re.compile(r"ys1\.([0-9a-f]{16})\.([0-9]{1,9})")
RELEASED = (
    "invalid scroll id: the search it continues was released or replaced; load the list again"
)


@dataclass(eq=False)
class Search:
    """One search the app may continue; `scroll_id` is Tracker's while it stands at `position`."""

    key: Hashable
    body: dict[str, Any]
    per_scroll: int
    total: int | None
    scroll_id: str | None = None
    position: int = 0  # rows Tracker's scroll has answered
    tokens: dict[str, str] = field(default_factory=dict)
    id: str | None = None  # set while the search is in the table
    furthest: int = 0  # the largest offset a cursor of this search was handed out with
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def take_scroll(self) -> dict[str, str]:
        """Forget Tracker's scroll; the id → token pairs to release it with (none if finished)."""
        tokens = dict(self.tokens) if self.scroll_id is not None else {}
        self.scroll_id = None
        self.tokens.clear()
        return tokens

    def advance(self, page: pagination.ScrollPage[Any]) -> None:
        self.position += len(page.items)
        self.scroll_id = page.scroll_id
        if page.scroll_id is not None:
            self.tokens[page.scroll_id] = page.scroll_token or ""
        if page.total_count is not None:
            self.total = page.total_count


@dataclass(frozen=True)
class Rows(Generic[T]):
    items: list[T]
    total: int | None
    has_more: bool


class Searches:
    """The searches behind the cursors handed out, bounded."""

    def __init__(self, limit: int = MAX_SEARCHES) -> None:
        self._limit = limit
        self._live: OrderedDict[str, Search] = OrderedDict()
        self._newest: dict[Hashable, Search] = {}

    def open(self, search: Search) -> None:
        """Track a new search; an older one for the same params is superseded."""
        older = self._newest.get(search.key)
        if older is not None:
            self._drop(older)
        self._register(search)

    def cursor(self, search: Search, offset: int) -> str:
        """The id that continues `search` after `offset` rows (re-tracking a dropped search)."""
        if search.id is None:
            self._register(search)
        assert search.id is not None
        self._live.move_to_end(search.id)
        search.furthest = max(search.furthest, offset)
        return f"ys1.{search.id}.{offset}"

    def find(self, cursor: str) -> tuple[Search, int]:
        """The search and offset a cursor names; InvalidInput when it is not (or no longer) ours."""
        match = _CURSOR.fullmatch(cursor.strip())
        search = self._live.get(match.group(1)) if match else None
        if match is None or search is None or int(match.group(2)) > search.furthest:
            raise InvalidInput(RELEASED)
        self._live.move_to_end(match.group(1))
        return search, int(match.group(2))

    def release(self, cursor: str) -> Search | None:
        """Drop the search a cursor names; None when there is none."""
        match = _CURSOR.fullmatch(cursor.strip())
        search = self._live.get(match.group(1)) if match else None
        if search is not None:
            self._drop(search)
        return search

    def clear(self) -> None:
        for search in list(self._live.values()):
            self._drop(search)

    def __len__(self) -> int:
        return len(self._live)

    def _register(self, search: Search) -> None:
        search.id = secrets.token_hex(8)
        self._live[search.id] = search
        self._newest.setdefault(search.key, search)
        while len(self._live) > self._limit:
            self._drop(next(iter(self._live.values())))

    def _drop(self, search: Search) -> None:
        if search.id is not None:
            self._live.pop(search.id, None)
            search.id = None
        if self._newest.get(search.key) is search:
            del self._newest[search.key]


async def open_search(
    client: TrackerClient,
    key: Hashable,
    body: dict[str, Any],
    per_scroll: int,
    *,
    fields: str,
    item_type: type[T],
) -> tuple[Search, Rows[T]]:
    """The first page of a new sorted scroll, and the search that continues it."""
    page = await pagination.search_scroll(
        client,
        body,
        fields=fields,
        scroll_id=None,
        item_type=item_type,
        per_scroll=per_scroll,
        ttl_ms=SCROLL_TTL_MS,
    )
    search = Search(key, body, per_scroll, page.total_count)
    search.advance(page)
    return search, Rows(page.items, page.total_count, page.scroll_id is not None)


async def rows_after(
    client: TrackerClient, search: Search, offset: int, *, fields: str, item_type: type[T]
) -> Rows[T]:
    """The page of `search` that follows its first `offset` rows."""
    async with search.lock:
        if search.scroll_id is not None and offset == search.position:
            try:
                return await _continue(client, search, fields, item_type)
            except HTTPStatusError as exc:
                if not continuation_lost(exc):
                    raise
        if offset + search.per_scroll <= PAGE_MODE_ROWS:
            rows = await _reopen_paged(client, search, offset, fields, item_type)
            if rows is not None:
                return rows
        return await _reopen_scrolled(client, search, offset, fields, item_type)


def continuation_lost(exc: HTTPStatusError) -> bool:
    """Tracker refused a continuation in a way a re-open of the same search may not repeat."""
    return 400 <= (exc.status or 0) < 500 and exc.status not in (401, 429)


async def _continue(
    client: TrackerClient, search: Search, fields: str, item_type: type[T]
) -> Rows[T]:
    scroll_id, search.scroll_id = search.scroll_id, None  # unusable if this fails half-way
    page = await pagination.search_scroll(
        client,
        search.body,
        fields=fields,
        scroll_id=scroll_id,
        item_type=item_type,
        ttl_ms=SCROLL_TTL_MS,
    )
    search.advance(page)
    return Rows(page.items, search.total, page.scroll_id is not None)


def page_windows(offset: int, per: int) -> tuple[int, int, int]:
    """(perPage, first page, pages): the fewest page-mode requests that hold rows
    `offset`..`offset + per - 1`, with the smallest page size that does it."""
    for size in range(per, MAX_PAGE + 1):
        if offset // size == (offset + per - 1) // size:
            return size, offset // size + 1, 1
    return per, offset // per + 1, 2


async def _reopen_paged(
    client: TrackerClient, search: Search, offset: int, fields: str, item_type: type[T]
) -> Rows[T] | None:
    """The rows in page mode; None when they lie past what page mode reaches (its row cap:
    its count stops short of the scroll's while the wanted rows go beyond it)."""
    size, first, count = page_windows(offset, search.per_scroll)
    batch: list[T] = []
    reachable: int | None = None
    for page in range(first, first + count):
        items, reachable = await pagination.search_page(
            client, search.body, fields=fields, per_page=size, page=page, item_type=item_type
        )
        batch += items
        if len(items) < size:
            break
    start = offset - (first - 1) * size
    rows = batch[start : start + search.per_scroll]
    if reachable is not None:
        if reachable < (search.total or 0) and offset + search.per_scroll > reachable:
            return None
        if reachable < PAGE_MODE_ROWS:  # a capped count says nothing of the rows past the cap
            search.total = reachable
    return Rows(rows, search.total, _more_after(search, offset, rows))


def _more_after(search: Search, offset: int, rows: list[Any]) -> bool:
    if not rows:
        return False
    if search.total is None:
        return len(rows) == search.per_scroll
    return offset + len(rows) < search.total


async def _reopen_scrolled(
    client: TrackerClient, search: Search, offset: int, fields: str, item_type: type[T]
) -> Rows[T]:
    wanted = offset + search.per_scroll
    fresh, rows = await open_search(
        client, search.key, search.body, MAX_PAGE, fields=fields, item_type=item_type
    )
    collected = list(rows.items)
    while fresh.scroll_id is not None and len(collected) < wanted:
        more = await _continue(client, fresh, fields, item_type)
        collected += more.items
    if fresh.total is not None:
        search.total = fresh.total
    tokens = fresh.take_scroll()
    if tokens:
        with contextlib.suppress(TrackerError):  # Tracker frees it by TTL anyway
            await pagination.clear_scroll(client, tokens)
    page = collected[offset:wanted]
    return Rows(page, search.total, bool(page) and (len(collected) > wanted or bool(tokens)))
