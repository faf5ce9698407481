"""The signed-in session: the one source of Tracker credentials for every request.

Owns: the in-memory copy of the stored session, sign-in/sign-out, and token refresh (before
expiry and once after a 401), shared by concurrent requests through one lock. Implements the
tracker's CredentialsProvider. Must not know: HTTP details (refresh is an injected function) or
which store backs it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from sidecar.secrets import SessionStore, StoredSession
from sidecar.tracker.auth import Credentials
from sidecar.tracker.errors import LocalIOError, NotAuthenticated, SidecarError

IAM_EXPIRED = "The IAM token has expired. Sign in again to continue."
REFRESH_MARGIN_S = 300.0

Refresher = Callable[[StoredSession], Awaitable[StoredSession]]
"""Exchanges a session's refresh token for a new session (raises on refusal)."""


class SessionManager:
    def __init__(
        self,
        store: SessionStore,
        *,
        refresher: Refresher | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._refresher = refresher
        self._clock = clock
        self._session: StoredSession | None = None
        self._loaded = False
        self._lock = asyncio.Lock()
        self.generation = 0  # bumped by sign-in/out so stale refreshes are dropped

    async def session(self) -> StoredSession | None:
        if not self._loaded:
            self._session = await self._load()
            self._loaded = True
        return self._session

    async def _load(self) -> StoredSession | None:
        try:
            return await asyncio.to_thread(self._store.load)
        except SidecarError:
            raise
        except Exception as exc:
            raise LocalIOError(f"Failed to load stored token: {exc}") from exc

    async def has_session(self) -> bool:
        return await self.session() is not None

    async def sign_in(self, session: StoredSession) -> None:
        await asyncio.to_thread(self._store.save, session)
        self._session, self._loaded = session, True
        self.generation += 1

    async def sign_out(self) -> None:
        """Forget the session; later requests (even ones in flight) get NotAuthenticated."""
        self._session, self._loaded = None, True
        self.generation += 1
        await asyncio.to_thread(self._store.delete)

    async def current(self) -> Credentials:
        session = await self.session()
        if session is None:
            raise NotAuthenticated()
        if self._expired(session, margin=0) and session.token_type == "iam":
            raise NotAuthenticated(IAM_EXPIRED)
        if self._expired(session, margin=REFRESH_MARGIN_S) and self._can_refresh(session):
            session = await self._refresh(session.token) or session
        return credentials_of(session)

    async def refreshed(self, stale: Credentials) -> Credentials | None:
        """Called once after a 401: a new token, or None when the session cannot be refreshed."""
        session = await self._refresh(stale.token)
        return credentials_of(session) if session is not None else None

    def _expired(self, session: StoredSession, *, margin: float) -> bool:
        return session.expires_at is not None and session.expires_at - margin <= self._clock()

    def _can_refresh(self, session: StoredSession) -> bool:
        return self._refresher is not None and bool(session.refresh_token)

    async def _refresh(self, stale_token: str) -> StoredSession | None:
        async with self._lock:
            session = await self.session()
            if session is None:
                return None
            if session.token != stale_token:
                return session  # another request refreshed while we waited
            if not self._can_refresh(session):
                if session.token_type == "iam" and self._expired(session, margin=0):
                    raise NotAuthenticated(IAM_EXPIRED)
                return None
            return await self._exchange(session)

    async def _exchange(self, session: StoredSession) -> StoredSession | None:
        assert self._refresher is not None
        generation = self.generation
        try:
            fresh = await self._refresher(session)
        except NotAuthenticated:
            return None
        if generation != self.generation:
            return None  # signed out (or in again) meanwhile: never resurrect the old session
        await self.sign_in(fresh)
        return fresh


def credentials_of(session: StoredSession) -> Credentials:
    token_type: Literal["oauth", "iam"] = "iam" if session.token_type == "iam" else "oauth"
    org_type: Literal["yandex360", "cloud"] = (
        "cloud" if session.org_type == "cloud" else "yandex360"
    )
    return Credentials(
        token=session.token, token_type=token_type, org_id=session.org_id, org_type=org_type
    )
