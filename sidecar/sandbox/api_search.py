"""Issue search: `_search` in page and scroll mode, `_count`, and `system/search/scroll/_clear`.

Owns: the one-selector rule, scroll contexts (snapshot of keys at the first request, TTL,
`X-Scroll-Id`/`X-Scroll-Token` only while more pages remain; an expired or unknown context is
refused with `state.scroll_expired_status`: 404, or 403 `Expired signature`; tests expire them
at once with `state.expire_scrolls()`) and page-mode `Link`s without `expand`.
Must not know: how selections are parsed (`query.py`) or rendered (`render.py`).
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from sidecar.sandbox.api_issues import issue_json
from sidecar.sandbox.context import Ctx, ctx, int_param, json_response, me, read_json, read_object
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import Issue, ScrollContext
from sidecar.sandbox.paging import page_mode
from sidecar.sandbox.query import Selection, from_filter, from_query
from sidecar.sandbox.routing import Route

_SELECTORS = ("queue", "keys", "filter", "query")
_MAX_PER_SCROLL = 1000


def select(c: Ctx, body: dict[str, Any]) -> tuple[str, list[Issue]]:
    """The selector used and the issues it picks, in Tracker's order for that selector."""
    used = [name for name in _SELECTORS if body.get(name) not in (None, "", [], {})]
    if len(used) != 1:
        raise ApiError(400, "selectors")
    kind = used[0]
    issues = list(c.state.issues.values())
    return kind, _selection(c, kind, body).apply(issues)


def _selection(c: Ctx, kind: str, body: dict[str, Any]) -> Selection:
    value, login = body[kind], me(c).login
    if kind == "queue":
        return from_filter(c.state, login, {"queue": value}, None)
    if kind == "keys":
        keys = {k.upper() for k in (value if isinstance(value, list) else [value])}
        return Selection([lambda i: i.key in keys], (lambda i: i.summary.lower(), False))
    if kind == "filter":
        if not isinstance(value, dict):
            raise ApiError(400, "bad_param", name="filter")
        return from_filter(c.state, login, value, body.get("order"))
    return from_query(c.state, login, str(value))


async def search(request: web.Request) -> web.Response:
    c = ctx(request)
    body = await read_object(request)
    if "scrollId" in request.query:
        return _scroll_next(c, request)
    kind, issues = select(c, body)
    if "scrollType" in request.query or "perScroll" in request.query:
        if kind in ("keys", "queue"):
            raise ApiError(400, "scroll_unsupported")
        return _scroll_first(c, request, issues)
    chunk, headers = page_mode(c, request, issues, drop=("expand",))
    return json_response([issue_json(c, request, i) for i in chunk], headers=headers)


def _ttl_s(request: web.Request) -> float:
    return int_param(request, "scrollTTLMillis", 60_000) / 1000


def _scroll_first(c: Ctx, request: web.Request, issues: list[Issue]) -> web.Response:
    per_scroll = int_param(request, "perScroll", 100)
    if per_scroll > _MAX_PER_SCROLL:
        raise ApiError(400, "per_scroll")
    context = ScrollContext([i.key for i in issues], per_scroll, 0.0)
    scroll_id = base64.b64encode(secrets.token_bytes(180)).decode()
    c.state.scrolls[scroll_id] = context
    return _scroll_page(c, request, scroll_id, context)


def _scroll_next(c: Ctx, request: web.Request) -> web.Response:
    scroll_id = request.query["scrollId"]
    context = c.state.scrolls.get(scroll_id)
    if context is None or context.expires_at < time.monotonic():
        c.state.scrolls.pop(scroll_id, None)
        status = c.state.scroll_expired_status
        raise ApiError(status, "expired_signature" if status == 403 else "scroll_expired")
    return _scroll_page(c, request, scroll_id, context)


def _scroll_page(
    c: Ctx, request: web.Request, scroll_id: str, context: ScrollContext
) -> web.Response:
    context.expires_at = time.monotonic() + _ttl_s(request)
    start = context.position
    keys = context.keys[start : start + context.per_scroll]
    context.position = start + len(keys)
    issues = [c.state.issues[k] for k in keys if k in c.state.issues]
    headers = {"X-Total-Count": str(len(context.keys))}
    headers["Link"] = _scroll_links(c, request, scroll_id)
    if context.position < len(context.keys):
        token = f"{secrets.token_hex(16)}:{time.time_ns()}"
        context.tokens.append(token)
        headers |= {"X-Scroll-Id": scroll_id, "X-Scroll-Token": token}
    return json_response([issue_json(c, request, i) for i in issues], headers=headers)


def _scroll_links(c: Ctx, request: web.Request, scroll_id: str) -> str:
    url = f"{c.base}{request.path}"
    kept = [(k, v) for k, v in request.query.items() if k not in ("scrollId", "scrollToken")]
    follow = urlencode(
        [*kept, ("scrollId", scroll_id), ("scrollToken", "dummy-token-you-dont-have-to-specify-it")]
    )
    first = urlencode([(k, v) for k, v in kept if k != "scrollId"])
    return f'<{url}?{first}>; rel="first", <{url}?{follow}>; rel="next"'


async def count(request: web.Request) -> web.Response:
    c = ctx(request)
    _, issues = select(c, await read_object(request))
    return json_response(len(issues))


async def clear_scroll(request: web.Request) -> web.Response:
    """Drop every scroll named in the body: ids as keys (documented) or as values (old crate)."""
    c = ctx(request)
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json")
    for name in [*body.keys(), *(v for v in body.values() if isinstance(v, str))]:
        c.state.scrolls.pop(name, None)
    return web.Response(status=200)


ROUTES = [
    Route("POST", "/issues/_search", search),
    Route("POST", "/issues/_count", count),
    Route("POST", "/system/search/scroll/_clear", clear_scroll),
]
