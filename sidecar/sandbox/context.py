"""Per-request plumbing shared by every endpoint: the `Ctx`, JSON in and out, query parameters.

Owns: how a handler finds the state, the signed-in user, the caller's API version, the base URL
for absolute links and the answer language. Must not know: any endpoint's semantics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import User
from sidecar.sandbox.state import TrackerState

STATE_KEY = web.AppKey("sandbox_state", TrackerState)
USER_KEY: web.RequestKey[User | None] = web.RequestKey("sandbox_user")


@dataclass(frozen=True)
class Ctx:
    state: TrackerState
    base: str  # scheme://host of this request: absolute links point back at the fake itself
    ver: str  # "v2" or "v3", echoed in every `self`
    lang: str
    me: User | None

    @property
    def api(self) -> str:
        return f"{self.base}/{self.ver}"


def ctx(request: web.Request) -> Ctx:
    state = request.app[STATE_KEY]
    ver = request.match_info.get("ver", "v3")
    me = request.get(USER_KEY)
    return Ctx(state, f"{request.scheme}://{request.host}", ver, language(request, state), me)


def language(request: web.Request, state: TrackerState) -> str:
    header = request.headers.get("Accept-Language", "")
    if state.honour_accept_language and header:
        return "ru" if header.strip().lower().startswith("ru") else "en"
    return state.language


def me(c: Ctx) -> User:
    if c.me is None:  # auth middleware guarantees a user on API paths
        raise ApiError(401, "unauthorized")
    return c.me


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=msgspec.json.encode(data),
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


async def read_json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise ApiError(400, "bad_json") from None


async def read_object(request: web.Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json")
    return body


def int_param(request: web.Request, name: str, default: int, *, low: int = 1) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_param", name=name) from None
    if value < low:
        raise ApiError(400, "bad_param", name=name)
    return value


def csv_param(request: web.Request, name: str) -> list[str]:
    values = request.query.getall(name, [])
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
