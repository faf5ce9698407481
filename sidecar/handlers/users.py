"""The current user: profile, the login that `me()` and the today total need, and the ids
Tracker's user references carry (the tray tells the user's own changes by them).

The login is looked up once per session (the old backend asked `/myself` on every call).
"""

from __future__ import annotations

from sidecar.api.auth import UserProfile
from sidecar.api.base import NoParams
from sidecar.errors import InternalError
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.tracker.client import api_path
from sidecar.tracker.models import UserWire

NO_LOGIN = "Unable to determine current user login"


async def get_current_user(deps: Deps, params: NoParams, call: Call) -> UserProfile:
    """GET /v3/myself → UserProfile (also primes the cached login)."""
    wire = await _myself(deps)
    return convert.user_profile(wire)


async def _myself(deps: Deps, *, background: bool = False) -> UserWire:
    since = deps.session.generation  # an answer for the previous account is never kept
    response = await deps.tracker.request("GET", api_path("myself"), background=background)
    wire = response.json(UserWire)
    login = _login_of(wire)
    if login is not None:
        deps.caches.login.put("login", login, since=since)
    return wire


def _login_of(wire: UserWire) -> str | None:
    for value in (wire.login, wire.email):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


async def current_login(deps: Deps, *, background: bool = False) -> str:
    """The signed-in user's login (else email), cached until sign-in or sign-out."""
    cached = deps.caches.login.get("login")
    if cached is not None:
        return cached
    login = _login_of(await _myself(deps, background=background))
    if login is None:
        raise InternalError(NO_LOGIN)
    return login


async def current_ids(deps: Deps, *, background: bool = False) -> frozenset[str]:
    """The user's uid and cloud uid, as the `id` of a user reference (e.g. a change's author)."""
    wire = await _myself(deps, background=background)
    return frozenset(str(value) for value in (wire.uid, wire.cloudUid) if value not in (None, ""))
