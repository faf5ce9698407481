"""The signed-in session: the one source of Tracker credentials for every request.

Owns: the in-memory copy of the stored session (loaded once, updated on every change),
sign-in/sign-out, token refresh (before expiry and once after a 401) shared by concurrent
requests through one lock, the end of a session whose refresh token is refused, IAM expiry, and
the wording of store failures. Implements the tracker's CredentialsProvider.
Must not know: HTTP details (the refresh rule is an injected `Refresher`, built by
`handlers/auth.make_refresher`) or which store backs it.

Store calls block (D-Bus, Keychain, Credential Manager) and may never return (a hung bus, an
unlock prompt nobody answers). Each runs in a daemon thread of its own: the event loop keeps
serving, and a call that never returns cannot hold up the process's exit.

Ordering: `generation` grows with every change of the in-memory session. A refresh or a load
that started under an older generation never writes its result back, so a logout during
in-flight requests cannot be undone by them. Store writes are serialised by one lock, in the
order the changes were made.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from sidecar.errors import LocalIOError, NotAuthenticated, RefreshRefused, SidecarError
from sidecar.local.offload import in_daemon_thread
from sidecar.redaction import Secrets
from sidecar.session.stores import SessionStore, StoredSession, StoreError, StoreInfo
from sidecar.tracker.auth import Credentials

log = logging.getLogger("sidecar.session")
T = TypeVar("T")

IAM_EXPIRED = "The IAM token has expired. Sign in again to continue."
IAM_REJECTED = (
    "The IAM token is no longer accepted (IAM tokens expire within 12 hours). "
    "Sign in again to continue."
)
IAM_LIFETIME_S = 12 * 3600.0
REFRESH_MARGIN_S = 300.0
REFRESH_RETRY_S = 30.0  # after a failed early refresh, keep the old token this long

Refresher = Callable[[StoredSession], Awaitable[StoredSession | None]]
"""Trades a session's refresh token for a fresh session.

Returns None when this process cannot refresh (no client credentials). Raises NotAuthenticated
when the refresh token is refused (the session is over), RefreshRefused when Yandex ID refused
this process for another reason (the session stays stored, but cannot be renewed here), any
other SidecarError when the attempt failed (network, server).
"""


class SessionManager:
    def __init__(
        self,
        store: SessionStore,
        *,
        refresher: Refresher | None = None,
        clock: Callable[[], float] = time.time,
        secrets: Secrets | None = None,
        on_store_used: Callable[[], object] | None = None,
    ) -> None:
        self._store = store
        self._on_store_used = on_store_used
        """Called once, after the first store call: the store has then decided where sessions
        go (a keyring that is missing falls back to memory), which the app says on stderr."""
        self._secrets = Secrets() if secrets is None else secrets
        self.refresher = refresher
        """How a refresh token becomes a fresh session; the app sets it once its client exists."""
        self._clock = clock
        self._session: StoredSession | None = None
        self._loaded = False
        self._load_lock = asyncio.Lock()
        self._refresh_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._early_refresh_after = 0.0
        self.generation = 0

    # -- reading ------------------------------------------------------------------------------

    async def session(self) -> StoredSession | None:
        """The current session, or None.

        Raises:
            LocalIOError: `Failed to load stored token: …` (the frontend signs in again).
        """
        try:
            return await self._cached()
        except StoreError as exc:
            raise LocalIOError(f"Failed to load stored token: {exc}") from None

    async def has_session(self) -> bool:
        """Raises LocalIOError `Failed to read session from keyring service '…': …`."""
        try:
            return await self._cached() is not None
        except StoreError as exc:
            message = f"Failed to read session from keyring service '{exc.service}': {exc}"
            raise LocalIOError(message) from None

    async def _cached(self) -> StoredSession | None:
        if self._loaded:
            return self._session
        async with self._load_lock:  # one store read, however many requests start together
            if not self._loaded:
                generation = self.generation
                loaded = await self._use_store(self._store.load)
                if loaded is not None:
                    self._secrets.add(loaded.token, loaded.refresh_token)
                if generation == self.generation:  # else a sign-in/out decided meanwhile
                    self._session, self._loaded = loaded, True
        return self._session

    async def _required(self) -> StoredSession:
        # Read directly once loaded: it runs twice per Tracker request.
        session = self._session if self._loaded else await self.session()
        if session is None:
            raise NotAuthenticated()
        return session

    async def _use_store(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await off_loop(fn, *args)
        finally:
            hook, self._on_store_used = self._on_store_used, None
            if hook is not None:
                hook()

    # -- changing -----------------------------------------------------------------------------

    async def store_info(self) -> StoreInfo:
        """Where sessions are kept; the first call decides it when the store must probe."""
        return await self._use_store(self._store.info)

    async def check_store(self) -> None:
        """Raises LocalIOError when no session could be saved (before a code is spent on it)."""
        try:
            await self._use_store(self._store.check)
        except StoreError as exc:
            raise self._save_failed(exc) from None

    async def sign_in(self, session: StoredSession) -> None:
        """Store the session, then use it. Raises LocalIOError when it cannot be stored."""
        async with self._write_lock:
            try:
                await self._use_store(self._store.save, session)
            except StoreError as exc:
                raise self._save_failed(exc) from None
            self._set(session)

    def _save_failed(self, exc: StoreError) -> LocalIOError:
        """`Failed to save session to keyring: <detail>`, then what to do (the flags)."""
        message = f"Failed to save session to keyring: {exc}"
        hint = self._store.hint
        return LocalIOError(f"{message}. {hint}" if hint else message)

    async def sign_out(self) -> None:
        """Forget the session; later requests (even ones in flight) get NotAuthenticated.

        Raises LocalIOError `Failed to clear session: …` when the stored entry stays.
        """
        self._set(None)  # at once: no attempt starting from now on carries the old token
        async with self._write_lock:
            self._set(None)  # a sign-in that held the lock before us is undone as well
            try:
                await self._use_store(self._store.delete)
            except StoreError as exc:
                raise LocalIOError(f"Failed to clear session: {exc}") from None

    def _set(self, session: StoredSession | None) -> None:
        if session is not None:  # redacted in errors and the log from now on
            self._secrets.add(session.token, session.refresh_token)
        self._session, self._loaded = session, True
        self._early_refresh_after = 0.0
        self.generation += 1

    # -- CredentialsProvider ------------------------------------------------------------------

    async def require(self) -> None:
        """Before any network work of a request: a session that can be used now, or why not.

        An expired OAuth token is refreshed here (one that is only near expiry is left to
        `current`, which refreshes it early and keeps it if that fails).

        Raises:
            NotAuthenticated: no session, an expired IAM token, or a refused refresh.
            LocalIOError: the store could not be read.
            SidecarError: the token has expired and refreshing it failed.
        """
        session = await self._required()
        if not self._expired(session, margin=0):
            return
        if session.token_type == "iam":
            raise NotAuthenticated(IAM_EXPIRED)
        if self._can_refresh(session):
            await self._refresh_early(session)

    async def current(self) -> Credentials:
        """The credentials for the next attempt, refreshed first when they are about to expire.

        Raises:
            NotAuthenticated: no session, an expired IAM token, or a refused refresh token.
            LocalIOError: the store could not be read.
            SidecarError: the access token has expired and refreshing it failed.
        """
        session = await self._required()
        if session.token_type == "iam":
            if self._expired(session, margin=0):
                raise NotAuthenticated(IAM_EXPIRED)
        elif self._refresh_due(session):
            session = await self._refresh_early(session)
        return credentials_of(session)

    async def refreshed(self, stale: Credentials) -> Credentials | None:
        """Called once after a 401: new credentials, or None when there is no way to refresh.

        Raises:
            NotAuthenticated: the refresh token was refused, the session ended meanwhile, or
                the rejected token was an IAM token (those are not refreshed here).
        """
        session = await self._refresh(stale.token)
        return None if session is None else credentials_of(session)

    # -- refresh ------------------------------------------------------------------------------

    def _expired(self, session: StoredSession, *, margin: float) -> bool:
        return session.expires_at is not None and session.expires_at - margin <= self._clock()

    def _can_refresh(self, session: StoredSession) -> bool:
        return self.refresher is not None and bool(session.refresh_token)

    def _refresh_due(self, session: StoredSession) -> bool:
        return (
            self._can_refresh(session)
            and self._expired(session, margin=REFRESH_MARGIN_S)
            and self._clock() >= self._early_refresh_after
        )

    async def _refresh_early(self, session: StoredSession) -> StoredSession:
        """Refresh ahead of expiry; while the old token still works, a failure only postpones."""
        try:
            fresh = await self._refresh(session.token)
        except SidecarError as exc:
            if _session_over(exc) or self._expired(session, margin=0):
                raise
            self._early_refresh_after = self._clock() + REFRESH_RETRY_S
            log.warning("token refresh failed (%s); the current token is kept for now", exc.kind)
        else:
            if fresh is not None:
                return fresh
        return await self._required()  # whatever is current now: never a signed-out token

    async def _refresh(self, stale_token: str) -> StoredSession | None:
        async with self._refresh_lock:
            session = await self._required()
            if session.token != stale_token:
                return session  # refreshed (or signed in anew) while we waited
            if session.token_type == "iam":
                raise NotAuthenticated(
                    IAM_EXPIRED if self._expired(session, margin=0) else IAM_REJECTED
                )
            if not self._can_refresh(session):
                return None
            return await self._exchange(session)

    async def _exchange(self, session: StoredSession) -> StoredSession | None:
        assert self.refresher is not None
        generation = self.generation
        try:
            fresh = await self.refresher(session)
        except RefreshRefused:
            raise  # not the refresh token's fault: the stored session stays for another process
        except NotAuthenticated:
            if await self._adopt_stored(session, generation):
                return await self._required()
            await self._end(generation)
            raise NotAuthenticated() from None
        if fresh is None:
            return None
        await self._keep(fresh, generation)
        return await self._required()

    async def _keep(self, fresh: StoredSession, generation: int) -> None:
        """Use and store a refreshed session, unless the session changed meanwhile."""
        async with self._write_lock:
            if generation != self.generation:
                return  # signed out (or in again) meanwhile: never resurrect the old session
            self._set(fresh)
            try:
                await self._use_store(self._store.save, fresh)
            except StoreError as exc:
                log.warning("the refreshed session could not be stored: %s", exc)

    async def _adopt_stored(self, refused: StoredSession, generation: int) -> bool:
        """Take up the stored session when another process sharing the store replaced ours.

        A refresh token works once: when two sidecars share one entry and the other one
        refreshed first, ours is refused although the stored session is fresh. Ending the
        session then would delete the other process's good session from the store.
        """
        try:
            stored = await self._use_store(self._store.load)
        except StoreError:
            return False
        if stored is None or stored.token == refused.token:
            return False
        async with self._write_lock:
            if generation != self.generation:
                return False  # signed in or out here meanwhile: that decision stands
            log.info("the stored session was refreshed elsewhere; using it")
            self._set(stored)
        return True

    async def _end(self, generation: int) -> None:
        """The refresh token was refused: the session is over, here and in the store."""
        async with self._write_lock:
            if generation != self.generation:
                return
            log.info("the refresh token was refused; the session has ended")
            self._set(None)
            try:
                await self._use_store(self._store.delete)
            except StoreError as exc:
                log.warning("the ended session could not be removed from the store: %s", exc)


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a new daemon thread: a keyring that never answers cannot hold up exit."""
    return await in_daemon_thread(fn, *args, name="session-store")


def _session_over(exc: SidecarError) -> bool:
    """Signed out, or the refresh token refused: no use keeping the old token."""
    return isinstance(exc, NotAuthenticated) and not isinstance(exc, RefreshRefused)


def credentials_of(session: StoredSession) -> Credentials:
    token_type: Literal["oauth", "iam"] = "iam" if session.token_type == "iam" else "oauth"
    org_type: Literal["yandex360", "cloud"] = (
        "cloud" if session.org_type == "cloud" else "yandex360"
    )
    return Credentials(
        token=session.token, token_type=token_type, org_id=session.org_id, org_type=org_type
    )
