"""Two of Tracker's pagination schemes: page mode (totals + `next`/`seek` links) and id cursors.

Owns: slicing, `X-Total-Count` (capped), `X-Total-Pages` and `Link` headers. Must not know: what
is being paged. Scroll mode lives with search (`api_search.py`), since only search has it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web

from sidecar.sandbox.context import Ctx, int_param, json_response
from sidecar.sandbox.errors import ApiError

T = TypeVar("T")


def page_mode(
    c: Ctx,
    request: web.Request,
    items: Sequence[T],
    *,
    default_per_page: int = 50,
    drop: tuple[str, ...] = (),
) -> tuple[Sequence[T], dict[str, str]]:
    """One page and its headers; only the first `page_cap` results are reachable at all."""
    per_page = int_param(request, "perPage", default_per_page)
    page = int_param(request, "page", 1)
    reachable = min(len(items), c.state.page_cap)
    pages = max(1, math.ceil(reachable / per_page))
    start = (page - 1) * per_page
    chunk = items[start : min(start + per_page, reachable)]
    headers = {"X-Total-Count": str(reachable), "X-Total-Pages": str(pages)}
    headers["Link"] = _page_links(c, request, page, pages, drop)
    return chunk, headers


def paged_json(
    c: Ctx, request: web.Request, items: Sequence[T], render_one: Callable[[T], Any]
) -> web.Response:
    """A page-mode collection answer: the rendered page plus its headers."""
    chunk, headers = page_mode(c, request, items)
    return json_response([render_one(item) for item in chunk], headers=headers)


def _page_links(c: Ctx, request: web.Request, page: int, pages: int, drop: tuple[str, ...]) -> str:
    kept = [(k, v) for k, v in request.query.items() if k not in ("page", *drop)]
    url = f"{c.base}{request.path}?"
    links = []
    if page < pages:
        links.append(f'<{url}{urlencode([*kept, ("page", str(page + 1))])}>; rel="next"')
    links.append(f'<{url}{urlencode(kept)}{{&page}}>; rel="seek"')
    return ", ".join(links)


def cursor_mode(
    c: Ctx,
    request: web.Request,
    items: Sequence[T],
    ident: Callable[[T], int],
    *,
    default_per_page: int = 50,
    opaque: bool = False,
) -> tuple[Sequence[T], dict[str, str]]:
    """Items (ordered by id) after `?id=`; `Link rel="next"` while more remain.

    `opaque` cursors are the ids written as 24 hex digits (changelog style)."""
    per_page = int_param(request, "perPage", default_per_page)
    after = _cursor(request, opaque)
    start = next((n for n, item in enumerate(items) if ident(item) > after), len(items))
    chunk = items[start : start + per_page]
    if start + per_page >= len(items) or not chunk:
        return chunk, {}
    kept = [(k, v) for k, v in request.query.items() if k not in ("id", "perPage")]
    last = ident(chunk[-1])
    cursor = f"{last:024x}" if opaque else str(last)
    query = urlencode([*kept, ("perPage", str(per_page)), ("id", cursor)])
    return chunk, {"Link": f'<{c.base}{request.path}?{query}>; rel="next"'}


def _cursor(request: web.Request, opaque: bool) -> int:
    if not opaque:
        return int_param(request, "id", 0, low=0)
    try:
        return int(request.query.get("id") or "0", 16)
    except ValueError:
        raise ApiError(400, "bad_param", name="id") from None
