"""SessionManager on its own: loading once, store failures and their wording, refresh before
expiry and after a 401 shared by concurrent requests, refused refresh tokens, IAM expiry, and
sign-out racing loads and refreshes. The store is the memory store (or one that fails or
blocks on purpose); the refresher is a test function with a counter."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

import pytest

from sidecar.errors import (
    NOT_AUTHENTICATED_MESSAGE,
    LocalIOError,
    NotAuthenticated,
    RefreshRefused,
)
from sidecar.session.manager import (
    IAM_EXPIRED,
    IAM_REJECTED,
    REFRESH_MARGIN_S,
    REFRESH_RETRY_S,
    SessionManager,
    credentials_of,
)
from sidecar.session.stores import SERVICE, MemoryStore, StoredSession, StoreError
from sidecar.tracker.errors import NetworkError

NOW = 1_800_000_000.0
N = 20


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@dataclass
class Refresher:
    """Mints `fresh-<n>` tokens; can fail, refuse, or wait for a gate."""

    calls: int = 0
    refuse: bool = False
    fail: Exception | None = None
    gate: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)
    lifetime: float = 3600.0
    clock: Clock = field(default_factory=Clock)

    async def __call__(self, session: StoredSession) -> StoredSession | None:
        self.calls += 1
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)  # let every concurrent caller pile up behind the lock
        if self.refuse:
            raise NotAuthenticated()
        if self.fail is not None:
            raise self.fail
        return StoredSession(
            token=f"fresh-{self.calls}",
            org_id=session.org_id,
            org_type=session.org_type,
            refresh_token=f"1:refresh-{self.calls}",
            expires_at=self.clock.now + self.lifetime,
        )


class CountingStore(MemoryStore):
    def __init__(self, initial: StoredSession | None = None) -> None:
        super().__init__(initial)
        self.loads = self.saves = self.deletes = 0

    def load(self) -> StoredSession | None:
        self.loads += 1
        return super().load()

    def save(self, session: StoredSession) -> None:
        self.saves += 1
        super().save(session)

    def delete(self) -> None:
        self.deletes += 1
        super().delete()


class FailingStore(MemoryStore):
    def __init__(self, initial: StoredSession | None = None, *, fail: set[str]) -> None:
        super().__init__(initial)
        self.fail = fail

    def _check(self, op: str) -> None:
        if op in self.fail:
            raise StoreError("the store is locked (test)", service="ru.sovego.ytracker")

    def check(self) -> None:
        self._check("check")

    def load(self) -> StoredSession | None:
        self._check("load")
        return super().load()

    def save(self, session: StoredSession) -> None:
        self._check("save")
        super().save(session)

    def delete(self) -> None:
        self._check("delete")
        super().delete()


def oauth(
    token: str = "old", *, expires_in: float | None = 3600.0, refresh: bool = True
) -> StoredSession:
    return StoredSession(
        token=token,
        org_id="12345",
        refresh_token="1:old-refresh" if refresh else None,
        expires_at=None if expires_in is None else NOW + expires_in,
    )


def manager(
    store: MemoryStore, refresher: Refresher | None = None, clock: Clock | None = None
) -> SessionManager:
    clock = clock or (refresher.clock if refresher else Clock())
    return SessionManager(store, refresher=refresher, clock=clock)


# -- reading --------------------------------------------------------------------------------


async def test_without_a_session_requests_get_the_apps_relogin_message() -> None:
    sessions = manager(MemoryStore())
    assert await sessions.has_session() is False
    with pytest.raises(NotAuthenticated) as caught:
        await sessions.current()
    assert (
        caught.value.message
        == NOT_AUTHENTICATED_MESSAGE
        == ("Not authenticated. Sign in again to continue.")
    )


async def test_the_store_is_read_once_however_many_requests_start_together() -> None:
    store = CountingStore(oauth())
    sessions = manager(store)
    tokens = await asyncio.gather(*(sessions.current() for _ in range(N)))
    assert {t.token for t in tokens} == {"old"} and store.loads == 1
    assert await sessions.has_session() and store.loads == 1


async def test_a_failing_read_is_worded_per_caller_and_retried_next_time() -> None:
    store = FailingStore(oauth(), fail={"load"})
    sessions = manager(store)
    with pytest.raises(LocalIOError) as caught:
        await sessions.has_session()
    assert caught.value.message == (
        "Failed to read session from keyring service 'ru.sovego.ytracker': "
        "the store is locked (test)"
    )
    with pytest.raises(LocalIOError) as caught:
        await sessions.current()
    assert caught.value.message == "Failed to load stored token: the store is locked (test)"
    assert caught.value.kind == "local_io"
    store.fail.clear()
    assert (await sessions.current()).token == "old"


async def test_credentials_carry_the_org_and_token_type() -> None:
    creds = credentials_of(
        StoredSession(token="t", token_type="iam", org_id="b1", org_type="cloud")
    )
    assert (creds.token_type, creds.org_id, creds.org_type) == ("iam", "b1", "cloud")
    assert "'t'" not in repr(creds)


# -- signing in and out ---------------------------------------------------------------------


async def test_sign_in_stores_then_uses_the_session() -> None:
    store = CountingStore()
    sessions = manager(store)
    await sessions.sign_in(oauth("new"))
    assert store.load() == oauth("new") and (await sessions.current()).token == "new"


async def test_a_session_that_cannot_be_stored_is_not_used() -> None:
    sessions = manager(FailingStore(fail={"save", "check"}))
    with pytest.raises(LocalIOError) as caught:
        await sessions.check_store()
    assert caught.value.message == "Failed to save session to keyring: the store is locked (test)"
    with pytest.raises(LocalIOError, match=r"^Failed to save session to keyring: "):
        await sessions.sign_in(oauth())
    assert await sessions.has_session() is False


async def test_sign_out_failure_is_reported_and_the_session_is_gone_here() -> None:
    sessions = manager(FailingStore(oauth(), fail={"delete"}))
    with pytest.raises(LocalIOError) as caught:
        await sessions.sign_out()
    assert caught.value.message == "Failed to clear session: the store is locked (test)"
    assert await sessions.has_session() is False


async def test_sign_out_of_nothing_is_fine() -> None:
    sessions = manager(MemoryStore())
    await sessions.sign_out()
    assert await sessions.has_session() is False


class BlockingStore(MemoryStore):
    """`load` waits on a thread event, so a test can act while a read is in flight."""

    def __init__(self, initial: StoredSession | None) -> None:
        super().__init__(initial)
        self.entered, self.release = threading.Event(), threading.Event()

    def load(self) -> StoredSession | None:
        self.entered.set()
        self.release.wait(5)
        return super().load()


async def test_a_read_in_flight_cannot_bring_back_a_signed_out_session() -> None:
    store = BlockingStore(oauth())
    sessions = manager(store)
    reading = asyncio.create_task(sessions.has_session())
    await asyncio.to_thread(store.entered.wait, 5)
    await sessions.sign_out()
    store.release.set()
    assert await reading is False
    with pytest.raises(NotAuthenticated):
        await sessions.current()


async def test_sign_in_and_sign_out_reach_the_store_in_the_order_they_were_made() -> None:
    store = MemoryStore()
    sessions = manager(store)
    await asyncio.gather(sessions.sign_in(oauth("a")), sessions.sign_out())
    assert store.load() is None and await sessions.has_session() is False
    await asyncio.gather(sessions.sign_out(), sessions.sign_in(oauth("b")))
    assert store.load() == oauth("b") and (await sessions.current()).token == "b"


# -- refresh before expiry ------------------------------------------------------------------


async def test_a_token_near_expiry_is_refreshed_once_for_concurrent_requests() -> None:
    refresher = Refresher()
    store = CountingStore(oauth(expires_in=REFRESH_MARGIN_S - 1))
    sessions = manager(store, refresher)
    tokens = await asyncio.gather(*(sessions.current() for _ in range(N)))
    assert refresher.calls == 1
    assert {t.token for t in tokens} == {"fresh-1"}
    stored = store.load()
    assert stored is not None and stored.token == "fresh-1"
    assert stored.refresh_token == "1:refresh-1" and stored.org_id == "12345"


async def test_an_expired_token_is_refreshed_before_use() -> None:
    refresher = Refresher()
    sessions = manager(MemoryStore(oauth(expires_in=-10)), refresher)
    assert (await sessions.current()).token == "fresh-1"
    assert (await sessions.current()).token == "fresh-1" and refresher.calls == 1


async def test_a_token_far_from_expiry_or_without_expiry_is_used_as_is() -> None:
    refresher = Refresher()
    for session in (oauth(expires_in=REFRESH_MARGIN_S + 60), oauth(expires_in=None)):
        assert (await manager(MemoryStore(session), refresher).current()).token == "old"
    assert refresher.calls == 0


async def test_without_a_refresh_token_an_expired_token_is_still_tried() -> None:
    refresher = Refresher()
    sessions = manager(MemoryStore(oauth(expires_in=-10, refresh=False)), refresher)
    assert (await sessions.current()).token == "old" and refresher.calls == 0


async def test_a_refresher_without_client_credentials_leaves_the_token() -> None:
    async def cannot(_session: StoredSession) -> StoredSession | None:
        return None

    sessions = SessionManager(MemoryStore(oauth(expires_in=10)), refresher=cannot, clock=Clock())
    assert (await sessions.current()).token == "old"


async def test_a_failed_early_refresh_keeps_the_token_and_waits_before_trying_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refresher = Refresher(fail=NetworkError("network error: connection reset"))
    sessions = manager(MemoryStore(oauth(expires_in=60)), refresher)
    with caplog.at_level(logging.WARNING, "sidecar.session"):
        assert (await sessions.current()).token == "old"
    assert (await sessions.current()).token == "old" and refresher.calls == 1
    assert "token refresh failed (network)" in caplog.text
    refresher.clock.now += REFRESH_RETRY_S
    refresher.fail = None
    assert (await sessions.current()).token == "fresh-2"


async def test_a_failed_refresh_of_an_expired_token_fails_the_request() -> None:
    refresher = Refresher(fail=NetworkError("network error: connection reset"))
    sessions = manager(MemoryStore(oauth(expires_in=-1)), refresher)
    with pytest.raises(NetworkError):
        await sessions.current()
    assert await sessions.has_session()  # a network failure ends nothing


async def test_a_refused_refresh_token_ends_the_session_everywhere() -> None:
    refresher = Refresher(refuse=True)
    store = CountingStore(oauth(expires_in=-1))
    sessions = manager(store, refresher)
    results = await asyncio.gather(*(sessions.current() for _ in range(N)), return_exceptions=True)
    assert all(isinstance(r, NotAuthenticated) for r in results)
    assert {r.message for r in results if isinstance(r, NotAuthenticated)} == {
        NOT_AUTHENTICATED_MESSAGE
    }
    assert refresher.calls == 1 and store.load() is None
    assert await sessions.has_session() is False


def refused_for_the_client() -> RefreshRefused:
    return RefreshRefused(status=401, oauth_error="invalid_client", description="Bad client")


async def test_a_refresh_refused_for_the_client_keeps_a_token_that_still_works() -> None:
    refresher = Refresher(fail=refused_for_the_client())
    sessions = manager(MemoryStore(oauth(expires_in=60)), refresher)
    assert (await sessions.current()).token == "old"  # early refresh: postponed, not fatal


async def test_a_refresh_refused_for_the_client_fails_the_request_but_keeps_the_session() -> None:
    refresher = Refresher(fail=refused_for_the_client())
    store = CountingStore(oauth(expires_in=-1))
    sessions = manager(store, refresher)
    with pytest.raises(RefreshRefused) as caught:
        await sessions.current()
    assert caught.value.kind == "unauthenticated"
    assert caught.value.message == NOT_AUTHENTICATED_MESSAGE
    data = caught.value.data()
    assert (data.status, data.tracker_code, data.error_messages) == (
        401,
        "invalid_client",
        ["Bad client"],
    )
    assert store.deletes == 0 and await sessions.has_session()
    stale = credentials_of(oauth(expires_in=-1))
    with pytest.raises(RefreshRefused):  # after a 401 as well
        await sessions.refreshed(stale)
    assert store.deletes == 0 and await sessions.has_session()


async def test_a_refreshed_session_that_cannot_be_stored_still_serves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refresher = Refresher()
    sessions = manager(FailingStore(oauth(expires_in=-1), fail={"save"}), refresher)
    with caplog.at_level(logging.WARNING, "sidecar.session"):
        assert (await sessions.current()).token == "fresh-1"
    assert "could not be stored" in caplog.text and "fresh-1" not in caplog.text


# -- refresh after a 401 --------------------------------------------------------------------


async def test_a_401_refreshes_once_for_every_request_that_got_it() -> None:
    refresher = Refresher()
    sessions = manager(MemoryStore(oauth()), refresher)
    stale = await sessions.current()
    fresh = await asyncio.gather(*(sessions.refreshed(stale) for _ in range(N)))
    assert refresher.calls == 1
    assert {c.token for c in fresh if c is not None} == {"fresh-1"} and None not in fresh
    assert (await sessions.current()).token == "fresh-1"


async def test_a_401_without_a_refresh_token_leaves_the_401() -> None:
    sessions = manager(MemoryStore(oauth(refresh=False)), Refresher())
    assert await sessions.refreshed(await sessions.current()) is None


async def test_a_401_with_a_refused_refresh_token_is_the_relogin_message() -> None:
    sessions = manager(MemoryStore(oauth()), Refresher(refuse=True))
    stale = await sessions.current()
    with pytest.raises(NotAuthenticated) as caught:
        await sessions.refreshed(stale)
    assert caught.value.message == NOT_AUTHENTICATED_MESSAGE
    assert await sessions.has_session() is False


async def test_a_401_after_sign_out_is_not_authenticated() -> None:
    sessions = manager(MemoryStore(oauth()), Refresher())
    stale = await sessions.current()
    await sessions.sign_out()
    with pytest.raises(NotAuthenticated):
        await sessions.refreshed(stale)


# -- IAM ------------------------------------------------------------------------------------


def iam(expires_in: float) -> StoredSession:
    return StoredSession(
        token="t1.iam", token_type="iam", org_id="b1", org_type="cloud", expires_at=NOW + expires_in
    )


async def test_an_expired_iam_token_says_so() -> None:
    refresher = Refresher()
    sessions = manager(MemoryStore(iam(-1)), refresher)
    with pytest.raises(NotAuthenticated) as caught:
        await sessions.current()
    assert caught.value.message == IAM_EXPIRED and caught.value.kind == "unauthenticated"
    assert "sign in again" in caught.value.message.lower() and refresher.calls == 0


async def test_an_iam_token_near_expiry_is_used_and_a_401_on_it_says_why() -> None:
    sessions = manager(MemoryStore(iam(60)), Refresher())
    creds = await sessions.current()
    assert creds.token_type == "iam"
    with pytest.raises(NotAuthenticated) as caught:
        await sessions.refreshed(creds)
    assert caught.value.message == IAM_REJECTED
    assert "expire" in IAM_REJECTED and "sign in again" in IAM_REJECTED.lower()


# -- sign-out racing a refresh --------------------------------------------------------------


async def test_a_refresh_in_flight_at_sign_out_is_thrown_away() -> None:
    refresher = Refresher(gate=asyncio.Event())
    store = MemoryStore(oauth(expires_in=-1))
    sessions = manager(store, refresher)
    requests = [asyncio.create_task(sessions.current()) for _ in range(N)]
    await refresher.started.wait()
    await sessions.sign_out()
    refresher.gate.set()  # type: ignore[union-attr]
    results = await asyncio.gather(*requests, return_exceptions=True)
    assert all(isinstance(r, NotAuthenticated) for r in results), results
    assert store.load() is None and refresher.calls == 1
    with pytest.raises(NotAuthenticated):
        await sessions.current()


async def test_a_refresh_in_flight_at_a_new_sign_in_yields_the_new_session() -> None:
    refresher = Refresher(gate=asyncio.Event())
    store = MemoryStore(oauth(expires_in=-1))
    sessions = manager(store, refresher)
    request = asyncio.create_task(sessions.current())
    await refresher.started.wait()
    await sessions.sign_in(oauth("someone-else"))
    refresher.gate.set()  # type: ignore[union-attr]
    assert (await request).token == "someone-else"
    assert store.load() == oauth("someone-else")


def test_store_errors_name_the_current_service_by_default() -> None:
    assert StoreError("x").service == SERVICE


# -- require: the check before any network work ---------------------------------------------


async def test_require_without_a_session_is_the_relogin_message() -> None:
    with pytest.raises(NotAuthenticated) as caught:
        await manager(MemoryStore()).require()
    assert caught.value.message == NOT_AUTHENTICATED_MESSAGE


async def test_require_refreshes_an_expired_token_but_leaves_an_early_refresh_to_current() -> None:
    refresher = Refresher()
    near = manager(MemoryStore(oauth(expires_in=60)), refresher)
    await near.require()
    assert refresher.calls == 0  # still valid: `current` refreshes it early, just in time
    expired = manager(MemoryStore(oauth(expires_in=-1)), refresher)
    await expired.require()
    assert refresher.calls == 1 and (await expired.current()).token == "fresh-1"
    assert refresher.calls == 1


async def test_require_of_an_expired_iam_token_says_so() -> None:
    sessions = manager(MemoryStore(iam(expires_in=-1)))
    with pytest.raises(NotAuthenticated) as caught:
        await sessions.require()
    assert caught.value.message == IAM_EXPIRED


async def test_require_of_an_expired_token_that_cannot_be_refreshed_lets_the_401_speak() -> None:
    await manager(MemoryStore(oauth(expires_in=-1, refresh=False)), Refresher()).require()
