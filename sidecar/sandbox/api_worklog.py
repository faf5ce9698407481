"""Time tracking: per-issue work logs (cursor paging) and the cross-issue search.

Owns: normalising `start` to UTC and `duration` to working-time units (1W = 5D, 1D = 8H), the
`createdBy=me` → 422 and > limit → 400 rules of the search. The issue's `spent` is derived from
these records (`TrackerState.spent`), so it cannot drift. Must not know: rendering details.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from sidecar.sandbox import render
from sidecar.sandbox.api_issues import touch
from sidecar.sandbox.context import Ctx, ctx, json_response, me, read_object
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import Issue, Worklog
from sidecar.sandbox.paging import cursor_mode, paged_json
from sidecar.sandbox.routing import Route
from sidecar.sandbox.timeutil import parse_duration, parse_ts


def _duration(raw: Any) -> int:
    try:
        seconds = parse_duration(str(raw))
    except ValueError:
        raise ApiError(422, errors={"duration": "invalid_value"}) from None
    if seconds <= 0:
        raise ApiError(422, errors={"duration": "invalid_value"})
    return seconds


def _start(raw: Any, default: datetime) -> datetime:
    if raw is None:
        return default  # Tracker uses "now" when `start` is omitted
    try:
        return parse_ts(str(raw))
    except ValueError:
        raise ApiError(422, errors={"start": "invalid_value"}) from None


def _entry(c: Ctx, request: web.Request) -> tuple[Issue, Worklog]:
    issue = c.state.issue(request.match_info["key"])
    raw = request.match_info["id"]
    found = c.state.worklogs.get(int(raw)) if raw.isdigit() else None
    if found is None or found.issue != issue.key:
        raise ApiError(404, "not_found")
    return issue, found


async def list_worklog(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    chunk, headers = cursor_mode(c, request, c.state.issue_worklogs(issue), lambda w: w.id)
    return json_response([render.worklog(c, w) for w in chunk], headers=headers)


async def get_worklog(request: web.Request) -> web.Response:
    c = ctx(request)
    return json_response(render.worklog(c, _entry(c, request)[1]))


async def create_worklog(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    body = await read_object(request)
    if body.get("duration") in (None, ""):
        raise ApiError(400, errors={"duration": "required"})
    now, login = c.state.now(), me(c).login
    entry = Worklog(
        c.state.next_id(),
        issue.key,
        _start(body.get("start"), now),
        _duration(body["duration"]),
        login,
        now,
        now,
    )
    entry.comment = str(body.get("comment") or "")
    c.state.worklogs[entry.id] = entry
    touch(c.state, issue, login)
    return json_response(render.worklog(c, entry), status=201)


async def edit_worklog(request: web.Request) -> web.Response:
    c = ctx(request)
    issue, entry = _entry(c, request)
    body = await read_object(request)
    if "duration" in body:
        entry.duration = _duration(body["duration"])
    if "comment" in body:
        entry.comment = str(body["comment"] or "")
    if "start" in body:
        entry.start = _start(body["start"], entry.start)
    entry.version += 1
    entry.updated_at = c.state.now()
    touch(c.state, issue, me(c).login)
    return json_response(render.worklog(c, entry))


async def delete_worklog(request: web.Request) -> web.Response:
    c = ctx(request)
    issue, entry = _entry(c, request)
    del c.state.worklogs[entry.id]
    touch(c.state, issue, me(c).login)
    return web.Response(status=204)


def _search(c: Ctx, created_by: Any, since: Any, until: Any) -> list[Worklog]:
    found = sorted(c.state.worklogs.values(), key=lambda w: w.id)
    if created_by not in (None, ""):
        user = c.state.find_user(created_by)
        if user is None:  # `me` is not a login: the API reads it as an unknown user
            raise ApiError(422, "unknown_user", login=str(created_by))
        found = [w for w in found if w.created_by == user.login]
    if since:
        found = [w for w in found if w.created_at >= parse_ts(str(since))]
    if until:
        found = [w for w in found if w.created_at <= parse_ts(str(until))]
    if len(found) > c.state.worklog_search_limit:
        raise ApiError(400, "worklog_limit")
    return found


async def search_post(request: web.Request) -> web.Response:
    c = ctx(request)
    body = await read_object(request)
    raw = body.get("createdAt")
    window: dict[str, Any] = raw if isinstance(raw, dict) else {}
    try:
        found = _search(c, body.get("createdBy"), window.get("from"), window.get("to"))
    except ValueError:
        raise ApiError(400, "bad_param", name="createdAt") from None
    return _paged(c, request, found)


async def search_get(request: web.Request) -> web.Response:
    """`createdAt=from:X&createdAt=to:Y` or one `createdAt=from:X,to:Y` (both seen in clients)."""
    c = ctx(request)
    bounds: dict[str, str] = {}
    for value in request.query.getall("createdAt", []):
        for part in value.split(","):
            name, _, moment = part.partition(":")
            bounds[name.strip()] = moment.strip()
    try:
        found = _search(c, request.query.get("createdBy"), bounds.get("from"), bounds.get("to"))
    except ValueError:
        raise ApiError(400, "bad_param", name="createdAt") from None
    return _paged(c, request, found)


def _paged(c: Ctx, request: web.Request, found: list[Worklog]) -> web.Response:
    return paged_json(c, request, found, lambda w: render.worklog(c, w))


ROUTES = [
    Route("GET", "/issues/{key}/worklog", list_worklog),
    Route("POST", "/issues/{key}/worklog", create_worklog),
    Route("GET", "/issues/{key}/worklog/{id}", get_worklog),
    Route("PATCH", "/issues/{key}/worklog/{id}", edit_worklog),
    Route("DELETE", "/issues/{key}/worklog/{id}", delete_worklog),
    Route("POST", "/worklog/_search", search_post),
    Route("GET", "/worklog", search_get),
]
