"""Two session managers over one store, as two sidecars over one keyring entry, in process.

The real-keyring version is `test_lifecycle_keyring.py` (run by scripts/keyring_tests.sh); this
one runs everywhere. Refresh tokens work once, as Yandex OAuth's do.
"""

from __future__ import annotations

from sidecar.errors import NotAuthenticated
from sidecar.session.manager import SessionManager
from sidecar.session.stores import MemoryStore, StoredSession


class OneTimeRefresh:
    """An OAuth server in miniature: each refresh token is spent on first use."""

    def __init__(self) -> None:
        self.live = {"r0"}
        self.minted = 0

    async def __call__(self, session: StoredSession) -> StoredSession:
        if session.refresh_token not in self.live:
            raise NotAuthenticated()
        self.live.discard(session.refresh_token)
        self.minted += 1
        self.live.add(f"r{self.minted}")
        return StoredSession(token=f"t{self.minted}", refresh_token=f"r{self.minted}")


async def test_the_second_process_adopts_the_session_the_first_refreshed() -> None:
    store = MemoryStore(StoredSession(token="t0", refresh_token="r0"))
    oauth = OneTimeRefresh()
    first, second = (SessionManager(store, refresher=oauth) for _ in range(2))
    stale = await second.current()  # both have loaded t0 / r0
    assert (await first.current()).token == "t0"

    assert (await first.refreshed(stale)).token == "t1"  # type: ignore[union-attr]
    adopted = await second.refreshed(stale)  # r0 is spent: take up what the store holds

    assert adopted is not None and adopted.token == "t1"
    assert store.load() == StoredSession(token="t1", refresh_token="r1")
    assert oauth.minted == 1


async def test_a_refused_refresh_still_ends_a_session_nobody_replaced() -> None:
    store = MemoryStore(StoredSession(token="t0", refresh_token="spent"))
    manager = SessionManager(store, refresher=OneTimeRefresh())
    stale = await manager.current()
    try:
        await manager.refreshed(stale)
    except NotAuthenticated:
        pass
    else:
        raise AssertionError("a refused refresh must end the session")
    assert store.load() is None and not await manager.has_session()
