"""Sign-in state: has_session, client credentials, OAuth code exchange, token sign-in, logout.

Owns: the commands' validation and messages (`docs/frontend-contract.md` §5, §9.11), how a
token grant becomes a stored session, and the refresh rule (`make_refresher`: which grant
refreshes a session and which refusal ends it). Must not know: where the session is stored or when a
refresh happens (`sidecar/session/manager.py`), nor the OAuth wire (`sidecar/tracker/oauth.py`).
That wire is imported where it is used: it pulls in the Tracker client, and `has_session` and
`get_client_credentials_info` are served before that has loaded (`handlers.LOCAL`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sidecar.api.auth import (
    ClientCredentialsInfo,
    ExchangeCodeParams,
    LoginWithTokenParams,
    SecretStoreInfo,
)
from sidecar.api.base import NoParams
from sidecar.errors import InvalidInput, NotAuthenticated, RefreshRefused
from sidecar.handlers.deps import Call, Deps
from sidecar.session.manager import IAM_LIFETIME_S, Refresher
from sidecar.session.stores import StoredSession, canonical_org_type
from sidecar.tracker.auth import check_credential
from sidecar.tracker.errors import HTTPStatusError

if TYPE_CHECKING:
    from sidecar.tracker import oauth
    from sidecar.tracker.client import TrackerClient

MISSING_CLIENT = (
    "Client credentials are missing. Configure your OAuth app credentials before logging in."
)
EMPTY_TOKEN = "Access token must not be empty"
IAM_NEEDS_CLOUD = 'IAM tokens work only with Yandex Cloud organizations (orgType "cloud")'


async def has_session(deps: Deps, params: NoParams, call: Call) -> bool:
    """True when a session is stored (no Tracker call)."""
    return await deps.session.has_session()


async def get_client_credentials_info(
    deps: Deps, params: NoParams, call: Call
) -> ClientCredentialsInfo:
    """Whether YTRACKER_CLIENT_ID/YTRACKER_CLIENT_SECRET were passed in, and where sessions go."""
    store = await deps.session.store_info()
    return ClientCredentialsInfo(
        client_id=deps.client_id or None,
        has_client_secret=bool(deps.client_secret),
        secret_store=SecretStoreInfo(
            kind=store.kind,
            persistent=store.persistent,
            location=store.location,
            warning=store.warning,
        ),
    )


async def exchange_code(deps: Deps, params: ExchangeCodeParams, call: Call) -> bool:
    """Exchange an OAuth verification code for a token and store the session."""
    if not deps.client_id or not deps.client_secret:
        raise InvalidInput(MISSING_CLIENT)
    from sidecar.tracker import oauth  # with the Tracker half (see the module docstring)

    _check_sendable(None, (params.org_id or "").strip() or None)  # before the code is spent
    await deps.session.check_store()  # a one-time code must not be spent on a session we drop
    grant = await oauth.exchange_code(
        deps.tracker, params.code.strip(), deps.client_id, deps.client_secret
    )
    await _sign_in(deps, session_from_grant(grant, params.org_id, params.org_type))
    return True


def session_from_grant(
    grant: oauth.TokenGrant, org_id: str | None, org_type: str, now: float | None = None
) -> StoredSession:
    """A stored session for a fresh OAuth grant (the expiry kept for proactive refresh)."""
    issued = time.time() if now is None else now
    return StoredSession(
        token=grant.access_token,
        token_type="oauth",
        org_id=org_id,
        org_type=canonical_org_type(org_type),
        refresh_token=grant.refresh_token,
        expires_at=issued + grant.expires_in if grant.expires_in else None,
    )


def make_refresher(
    tracker: TrackerClient, client_id: str | None, client_secret: str | None
) -> Refresher:
    """The session's refresh rule: Yandex OAuth's refresh-token grant with the app's client.

    The refresher returns None without client credentials or a refresh token (nothing to
    refresh with). `invalid_grant` means the refresh token is expired or revoked:
    NotAuthenticated ends the session. Any other 4xx but 429 (`invalid_client`,
    `unsupported_grant_type`, …) is RefreshRefused: `unauthenticated` for the caller, never a
    raw `http 400`, while the stored session stays. Network errors, 429 and 5xx propagate as
    they are (retryable: the next request tries again).
    """

    from sidecar.tracker import oauth  # with the Tracker half (see the module docstring)

    async def refresh(session: StoredSession) -> StoredSession | None:
        if not (client_id and client_secret and session.refresh_token):
            return None
        try:
            grant = await oauth.refresh_token(
                tracker, session.refresh_token, client_id, client_secret
            )
        except HTTPStatusError as exc:
            if exc.tracker_code == "invalid_grant":
                raise NotAuthenticated() from exc
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                description = exc.error_messages[0] if exc.error_messages else None
                refused = RefreshRefused(
                    status=exc.status, oauth_error=exc.tracker_code, description=description
                )
                raise refused from exc
            raise
        return refreshed_session(session, grant, time.time())

    return refresh


def refreshed_session(
    old: StoredSession, grant: oauth.TokenGrant, now: float | None = None
) -> StoredSession:
    """The session after a refresh grant: same organization, the old refresh token if no new."""
    fresh = session_from_grant(grant, old.org_id, old.org_type, now)
    fresh.refresh_token = fresh.refresh_token or old.refresh_token
    return fresh


async def login_with_token(deps: Deps, params: LoginWithTokenParams, call: Call) -> bool:
    """Sign in with an existing OAuth or IAM token (federated users, live tests)."""
    org_type = canonical_org_type(params.org_type)
    if params.token_type == "iam" and org_type != "cloud":
        raise InvalidInput(IAM_NEEDS_CLOUD)
    session = StoredSession(
        token=params.token, token_type=params.token_type, org_id=params.org_id, org_type=org_type
    )
    if params.token_type == "iam":  # its real expiry is unknown here; 12 h is the most it gets
        session.expires_at = time.time() + IAM_LIFETIME_S
    await _sign_in(deps, session)
    return True


async def _sign_in(deps: Deps, session: StoredSession) -> None:
    token = session.token.strip()
    if not token:
        raise InvalidInput(EMPTY_TOKEN)
    org_id = (session.org_id or "").strip() or None
    _check_sendable(token, org_id)
    session.token, session.org_id = token, org_id
    session.org_type = canonical_org_type(session.org_type)
    deps.caches.clear()  # another account must never see the previous one's lists or login
    await deps.session.sign_in(session)
    if deps.tray is not None:
        deps.tray.signed_in()


def _check_sendable(token: str | None, org_id: str | None) -> None:
    """Refuse, before anything is stored, what could never go into a header: a line break would
    break every later call (or inject a header), a space or non-ASCII is no token.

    Raises:
        InvalidInput: `The token must be printable ASCII without spaces or line breaks` (or
            `The organization id …`).
    """
    try:
        if token is not None:
            check_credential(token, "The token")
        if org_id is not None:
            check_credential(org_id, "The organization id")
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


async def logout(deps: Deps, params: NoParams, call: Call) -> None:
    """Forget the session, caches and login; discard a running timer; empty the tray; delete
    the account's disk cache."""
    account = await deps.kept.account_to_wipe(deps.caches.login.get("login"))
    deps.caches.clear()
    deps.timer.discard()
    if deps.tray is not None:
        deps.tray.signed_out()
    try:
        await deps.session.sign_out()  # `Failed to clear session: …` unless the entry is gone
    finally:
        await deps.kept.wipe(account)  # the account's disk cache files
