"""Comments: cursor-paged list, read one, create (201), edit, delete (204).

Owns: comment ids (numbers) and `longId`s, `attachmentIds` on comments. Must not know: anything
about issues beyond finding them.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from sidecar.sandbox import render
from sidecar.sandbox.context import Ctx, csv_param, ctx, json_response, me, read_object
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import Comment, Issue
from sidecar.sandbox.paging import cursor_mode
from sidecar.sandbox.patch import attach_temp
from sidecar.sandbox.routing import Route


def add_comment(c: Ctx, issue: Issue, text: str, body: dict[str, Any] | None = None) -> Comment:
    st, now = c.state, c.state.now()
    extra = body or {}
    item = Comment(st.next_id(), secrets.token_hex(12), issue.key, text, me(c).login, now, now)
    item.summonees = [st.user(s).login for s in extra.get("summonees") or []]
    attach_temp(st, issue, extra.get("attachmentIds"), comment=item.id)
    item.attachments = [int(a) for a in extra.get("attachmentIds") or []]
    st.comments[item.id] = item
    return item


def _text(body: dict[str, Any]) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, errors={"text": "empty"})
    return text


async def list_comments(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    chunk, headers = cursor_mode(c, request, c.state.issue_comments(issue), lambda x: x.id)
    expand = csv_param(request, "expand")
    return json_response([render.comment(c, x, expand) for x in chunk], headers=headers)


async def get_comment(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    found = c.state.comment(issue, request.match_info["id"])
    return json_response(render.comment(c, found, csv_param(request, "expand")))


async def create_comment(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    body = await read_object(request)
    item = add_comment(c, issue, _text(body), body)
    if (
        request.query.get("isAddToFollowers", "true") != "false"
        and item.created_by not in issue.followers
    ):
        issue.followers.append(item.created_by)
    return json_response(render.comment(c, item, ["attachments"]), status=201)


async def edit_comment(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    item = c.state.comment(issue, request.match_info["id"])
    body = await read_object(request)
    item.text = _text(body)
    attach_temp(c.state, issue, body.get("attachmentIds"), comment=item.id)
    item.attachments += [int(a) for a in body.get("attachmentIds") or []]
    item.version += 1
    item.updated_at, item.updated_by = c.state.now(), me(c).login
    return json_response(render.comment(c, item, ["attachments"]))


async def delete_comment(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    item = c.state.comment(issue, request.match_info["id"])
    del c.state.comments[item.id]
    return web.Response(status=204)


ROUTES = [
    Route("GET", "/issues/{key}/comments", list_comments),
    Route("POST", "/issues/{key}/comments", create_comment),
    Route("GET", "/issues/{key}/comments/{id}", get_comment),
    Route("PATCH", "/issues/{key}/comments/{id}", edit_comment),
    Route("DELETE", "/issues/{key}/comments/{id}", delete_comment),
]
