"""Who may call: the `Authorization` and organization-header rules.

Rules of `docs/tracker-api.md` §1.1–1.2.

Owns: 401 for a missing, unknown, expired or wrongly-schemed token (IAM `Bearer` only in a cloud
org); 403 `Organization is not available, not ready or not found` unless exactly the configured
org header carries the configured id (a junk `X-Org-ID: not provided` next to a valid
`X-Cloud-Org-ID` is tolerated when the state says so). Must not know: endpoints. The OAuth stub
under `/oauth` is public.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from sidecar.sandbox.context import STATE_KEY, USER_KEY
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import Token
from sidecar.sandbox.state import TrackerState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC_PREFIXES = ("/oauth/", "/oauth")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    state = request.app[STATE_KEY]
    token = _token(state, request.headers.get("Authorization", ""))
    _check_org(state, request)
    request[USER_KEY] = state.users.get(token.login)
    return await handler(request)


def _token(state: TrackerState, header: str) -> Token:
    scheme, _, value = header.strip().partition(" ")
    wanted = {"oauth": "oauth", "bearer": "iam"}.get(scheme.lower())
    token = state.valid_token(value.strip()) if wanted else None
    if token is None or token.token_type != wanted:
        raise ApiError(401, "unauthorized")
    if wanted == "iam" and state.org.type != "cloud":
        raise ApiError(401, "unauthorized")
    return token


def _check_org(state: TrackerState, request: web.Request) -> None:
    y360 = request.headers.getall("X-Org-ID", [])
    cloud = request.headers.getall("X-Cloud-Org-ID", [])
    if state.org.type == "cloud":
        ok = cloud == [state.org.id] and (not y360 or _tolerated(state, y360))
    else:
        ok = y360 == [state.org.id] and not cloud
    if not ok:
        raise ApiError(403, "org")


def _tolerated(state: TrackerState, y360: list[str]) -> bool:
    return state.tolerate_not_provided_org and y360 == ["not provided"]
