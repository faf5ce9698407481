"""The current user: profile, the login that `me()` and the today total need, and the ids
Tracker's user references carry (the tray tells the user's own changes by them).

The login is looked up once per session (the old backend asked `/myself` on every call), or
read from the disk cache's index when the session's token is known there. The profile is
answered from the disk cache for --catalog-ttl-s and refetched in the background. Every
`/myself` answer tells the disk cache whose store the session uses (`kept.learned`).
"""

from __future__ import annotations

from sidecar.api.auth import UserProfile
from sidecar.api.base import NoParams
from sidecar.errors import InternalError
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.kept import USER, Stored
from sidecar.tracker.client import api_path
from sidecar.tracker.models import UserWire

NO_LOGIN = "Unable to determine current user login"


async def get_current_user(deps: Deps, params: NoParams, call: Call) -> UserProfile:
    """GET /v3/myself → UserProfile (also primes the cached login)."""

    async def load(background: bool = False) -> UserProfile:
        return convert.user_profile(await _myself(deps, background=background))

    stored = Stored("get_current_user", params, USER, UserProfile)
    fresh_s, again = deps.kept.catalog_ttl_s, lambda: load(background=True)
    return await deps.kept.read(call, stored, load, fresh_s=fresh_s, revalidate=again)


async def _myself(deps: Deps, *, background: bool = False) -> UserWire:
    since = deps.session.generation  # an answer for the previous account is never kept
    mark = deps.kept.mark()
    response = await deps.tracker.request("GET", api_path("myself"), background=background)
    wire = response.json(UserWire)
    login = _login_of(wire)
    if login is not None:
        deps.caches.login.put("login", login, since=since)
        await deps.kept.learned(login, mark)
    return wire


def _login_of(wire: UserWire) -> str | None:
    for value in (wire.login, wire.email):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


async def current_login(deps: Deps, *, background: bool = False) -> str:
    """The signed-in user's login (else email), cached until sign-in or sign-out."""
    since = deps.session.generation
    cached = deps.caches.login.get("login") or await deps.kept.login()
    if cached is not None:
        deps.caches.login.put("login", cached, since=since)  # the disk index's, kept in memory
        return cached
    login = _login_of(await _myself(deps, background=background))
    if login is None:
        raise InternalError(NO_LOGIN)
    return login


async def current_ids(deps: Deps, *, background: bool = False) -> frozenset[str]:
    """The user's uid and cloud uid, as the `id` of a user reference (e.g. a change's author)."""
    wire = await _myself(deps, background=background)
    return frozenset(str(value) for value in (wire.uid, wire.cloudUid) if value not in (None, ""))
