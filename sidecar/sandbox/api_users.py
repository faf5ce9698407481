"""`/myself` and `/users`: the signed-in user and the organization's people.

Owns: `GET myself`, `GET users` (page mode), `GET users/{login|uid|login:digits}`, with
`/users/me` answering 404 as the real API does. Must not know: issues.
"""

from __future__ import annotations

from aiohttp import web

from sidecar.sandbox import render
from sidecar.sandbox.context import ctx, json_response, me
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import User
from sidecar.sandbox.paging import paged_json
from sidecar.sandbox.routing import Route


async def myself(request: web.Request) -> web.Response:
    c = ctx(request)
    return json_response(render.user_full(c, me(c)))


async def list_users(request: web.Request) -> web.Response:
    c = ctx(request)
    users = sorted(c.state.users.values(), key=lambda u: u.uid)
    return paged_json(c, request, users, lambda u: render.user_full(c, u))


async def get_user(request: web.Request) -> web.Response:
    c = ctx(request)
    return json_response(render.user_full(c, _lookup(c.state.users, request.match_info["ref"])))


def _lookup(users: dict[str, User], ref: str) -> User:
    # An all-digit path segment is a uid; a digit login must be written `login:12345`.
    if ref.startswith("login:"):
        found = users.get(ref.removeprefix("login:"))
    elif ref.isdigit():
        found = next((u for u in users.values() if str(u.uid) == ref), None)
    else:
        found = users.get(ref) if ref != "me" else None
    if found is None:
        raise ApiError(404, "not_found")
    return found


ROUTES = [
    Route("GET", "/myself", myself),
    Route("GET", "/users", list_users),
    Route("GET", "/users/{ref}", get_user),
]
