"""Tracker's paging schemes as helpers over `TrackerClient`.

Owns: scroll pages and their release (issue search), one page-mode search page, page-number
pagination, the id cursor, and `Link` header parsing (comma-joined and repeated-header forms).
Must not know: which endpoint feeds which command, or the frontend's paging state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from yarl import URL

from .client import Params, TrackerClient
from .responses import TrackerResponse

T = TypeVar("T")

SEARCH_PATH = "/v3/issues/_search"
SCROLL_CLEAR_PATH = "/v3/system/search/scroll/_clear"
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.IGNORECASE)


@dataclass(frozen=True)
class ScrollPage(Generic[T]):
    """One scroll page; `scroll_id` is None on the last page."""

    items: list[T]
    scroll_id: str | None
    scroll_token: str | None
    total_count: int | None


def parse_links(values: Iterable[str]) -> dict[str, str]:
    """rel → URL from `Link` header values, each possibly holding several comma-joined links."""
    links: dict[str, str] = {}
    for value in values:
        for match in _LINK.finditer(value):
            rel = _REL.search(match.group(2))
            for name in (rel.group(1) or rel.group(2)).split() if rel else ():
                links.setdefault(name.lower(), match.group(1))
    return links


def response_links(response: TrackerResponse) -> dict[str, str]:
    return parse_links(response.headers.getall("Link", []))


def header_int(response: TrackerResponse, name: str) -> int | None:
    raw = response.headers.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


async def search_scroll(
    client: TrackerClient,
    body: Mapping[str, Any],
    *,
    fields: str,
    scroll_id: str | None,
    item_type: type[T],
    per_scroll: int = 100,
    ttl_ms: int = 60000,
    scroll_type: str = "sorted",
    background: bool = False,
) -> ScrollPage[T]:
    """One page of `POST /v3/issues/_search` in scroll mode (first page when no scroll_id).

    Only the first page is retried like a read: re-sending a next-page request could skip a
    page if Tracker had already advanced the scroll.
    """
    params: dict[str, str | int] = {"fields": fields}
    if scroll_id is None:
        params.update(scrollType=scroll_type, perScroll=per_scroll, scrollTTLMillis=ttl_ms)
    else:
        params.update(scrollId=scroll_id, scrollTTLMillis=ttl_ms)
    response = await client.request(
        "POST",
        SEARCH_PATH,
        params=params,
        json=body,
        background=background,
        idempotent=scroll_id is None,
    )
    return ScrollPage(
        items=response.json(list[item_type]),  # type: ignore[valid-type]
        scroll_id=response.headers.get("X-Scroll-Id") or None,
        scroll_token=response.headers.get("X-Scroll-Token") or None,
        total_count=header_int(response, "X-Total-Count"),
    )


async def search_page(
    client: TrackerClient,
    body: Mapping[str, Any],
    *,
    fields: str,
    per_page: int,
    page: int,
    item_type: type[T],
) -> tuple[list[T], int | None]:
    """One page of `POST /v3/issues/_search` in page mode and its `X-Total-Count`.

    Page mode reaches only the first 10,000 rows and caps the count there.
    """
    params: dict[str, str | int] = {"fields": fields, "perPage": per_page, "page": page}
    response = await client.request("POST", SEARCH_PATH, params=params, json=body, idempotent=True)
    items = response.json(list[item_type])  # type: ignore[valid-type]
    return items, header_int(response, "X-Total-Count")


async def clear_scroll(
    client: TrackerClient, tokens: Mapping[str, str], *, background: bool = False
) -> None:
    """Release scroll contexts: `tokens` maps every scroll id received to its token."""
    await client.request(
        "POST", SCROLL_CLEAR_PATH, json=dict(tokens), background=background, idempotent=True
    )


def _has_next_page(response: TrackerResponse, page: int, count: int, per_page: int) -> bool:
    if count == 0:
        return False
    if response.headers.getall("Link", []):
        return "next" in response_links(response)
    total_pages = header_int(response, "X-Total-Pages")
    if total_pages is not None:
        return page < total_pages
    return count >= per_page


async def all_pages(
    client: TrackerClient,
    method: str,
    path: str,
    *,
    item_type: type[T],
    per_page: int,
    params: Params | None = None,
    json: Any = None,
    background: bool = False,
    max_pages: int | None = None,
    idempotent: bool | None = None,
) -> list[T]:
    """Every item of a `perPage`/`page` collection (the same JSON body re-sent per page).

    Stops when `Link` has no rel="next" (or, without `Link`, at `X-Total-Pages`, or else on a
    short page), on an empty page, or after `max_pages`.
    """
    items: list[T] = []
    page = 1
    while max_pages is None or page <= max_pages:
        query = {**(params or {}), "perPage": per_page, "page": page}
        response = await client.request(
            method, path, params=query, json=json, background=background, idempotent=idempotent
        )
        batch = response.json(list[item_type])  # type: ignore[valid-type]
        items.extend(batch)
        if not _has_next_page(response, page, len(batch), per_page):
            break
        page += 1
    return items


def _next_cursor(response: TrackerResponse) -> str | None:
    next_url = response_links(response).get("next")
    return URL(next_url).query.get("id") if next_url else None


async def all_by_cursor(
    client: TrackerClient,
    path: str,
    *,
    item_type: type[T],
    per_page: int,
    id_of: Callable[[T], str | None],
    params: Params | None = None,
    background: bool = False,
) -> list[T]:
    """Every item of an id-cursor collection (`perPage`, then `id=<after>`).

    The cursor comes from Link rel="next" when present (opaque for changelog), else from the
    last item. Stops on an empty page, or when there is no next link and the page is short.
    """
    items: list[T] = []
    cursor: str | None = None
    while True:
        query: dict[str, str | int] = {**(params or {}), "perPage": per_page}
        if cursor is not None:
            query["id"] = cursor
        response = await client.request("GET", path, params=query, background=background)
        batch = response.json(list[item_type])  # type: ignore[valid-type]
        items.extend(batch)
        linked = _next_cursor(response)
        if not batch or (linked is None and len(batch) < per_page):
            return items
        following = linked if linked is not None else id_of(batch[-1])
        if following is None or following == cursor:
            return items
        cursor = following
