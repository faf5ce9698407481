"""TTLCache expiry; FreshCache's window, last good value and invalidation; SharedCalls."""

from __future__ import annotations

import asyncio

import pytest

from sidecar.local.cache import FreshCache, SharedCalls, TTLCache


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_expiry_and_zero_ttl() -> None:
    clock = Clock()
    cache: TTLCache[int] = TTLCache(10, clock)
    cache.put("a", 1)
    clock.now = 9.9
    assert cache.get("a") == 1
    clock.now = 10
    assert cache.get("a") is None and len(cache) == 0
    off: TTLCache[int] = TTLCache(0, clock)
    off.put("a", 1)
    assert off.get("a") is None
    cache.put("b", 2)
    cache.clear()
    assert len(cache) == 0


def test_fresh_for_the_window_then_last_good_until_kept_no_longer() -> None:
    clock = Clock()
    cache: FreshCache[str] = FreshCache(5, 300, clock=clock)
    cache.put("k", "page")
    clock.now = 4.9
    assert cache.fresh("k") == "page" and cache.fresh_values() == ["page"]
    clock.now = 5
    assert cache.fresh("k") is None and cache.fresh_values() == []
    assert cache.last_good("k") == ("page", 5)
    clock.now = 300
    assert cache.last_good("k") is None and len(cache) == 0


def test_stale_all_ends_every_window_but_keeps_the_last_good() -> None:
    clock = Clock()
    cache: FreshCache[str] = FreshCache(5, 300, clock=clock)
    cache.put("a", "A")
    cache.put("b", "B")
    cache.stale_all()
    assert (cache.fresh("a"), cache.fresh("b")) == (None, None)
    assert cache.last_good("a") == ("A", 0)
    cache.put("a", "A2")  # a new answer is fresh again
    assert cache.fresh("a") == "A2"
    cache.clear()
    assert cache.last_good("a") is None


def test_the_window_never_outlives_what_is_kept_and_zero_keeps_nothing() -> None:
    assert FreshCache[int](5, 2).fresh_s == 2
    off: FreshCache[int] = FreshCache(5, 0)
    off.put("a", 1)
    assert (off.fresh("a"), off.last_good("a")) == (None, None)


def test_the_oldest_keys_go_past_the_limit() -> None:
    cache: FreshCache[int] = FreshCache(5, 300, limit=2)
    for n in range(3):
        cache.put(n, n)
    assert [cache.last_good(n) is not None for n in range(3)] == [False, True, True]


async def test_calls_in_flight_share_one_run() -> None:
    shared: SharedCalls[int] = SharedCalls()
    runs = 0
    gate = asyncio.Event()

    async def make() -> int:
        nonlocal runs
        runs += 1
        await gate.wait()
        return runs

    calls = [asyncio.create_task(shared.run("k", make)) for _ in range(3)]
    other = asyncio.create_task(shared.run("other", make))
    await asyncio.sleep(0)
    gate.set()
    assert [await c for c in calls] == [1, 1, 1] and await other == 2
    assert len(shared) == 0
    assert await shared.run("k", make) == 3  # a finished run is not reused


async def test_a_shared_failure_reaches_every_caller() -> None:
    shared: SharedCalls[int] = SharedCalls()

    async def make() -> int:
        await asyncio.sleep(0)
        raise ValueError("refused")

    results = await asyncio.gather(
        *(shared.run("k", make) for _ in range(2)), return_exceptions=True
    )
    assert [str(r) for r in results] == ["refused", "refused"]


async def test_the_run_stops_only_with_its_last_caller() -> None:
    shared: SharedCalls[int] = SharedCalls()
    started, gate = asyncio.Event(), asyncio.Event()

    async def make() -> int:
        started.set()
        await gate.wait()
        return 7

    first = asyncio.create_task(shared.run("k", make))
    second = asyncio.create_task(shared.run("k", make))
    await started.wait()
    first.cancel()
    gate.set()
    assert await second == 7
    with pytest.raises(asyncio.CancelledError):
        await first
    gate.clear()
    lone = asyncio.create_task(shared.run("k", make))
    await asyncio.sleep(0.01)
    lone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await lone
    for _ in range(3):  # the cancelled run's done callback
        await asyncio.sleep(0)
    assert len(shared) == 0


# -- bound to an epoch (the session): nothing of a past one is kept or returned -------------


class Epoch:
    now = 1

    def __call__(self) -> int:
        return self.now


def test_a_bound_ttl_cache_keeps_nothing_from_a_past_epoch() -> None:
    epoch = Epoch()
    cache: TTLCache[str] = TTLCache(None, epoch=epoch)
    since = cache.epoch()
    epoch.now = 2  # signed out and in again while the answer was on its way
    assert cache.put("login", "alice", since=since) is False
    assert cache.get("login") is None and len(cache) == 0
    assert cache.put("login", "bob", since=cache.epoch()) is True
    assert cache.get("login") == "bob"
    epoch.now = 3  # a session that ended without the caches being cleared
    assert cache.get("login") is None and len(cache) == 0


def test_a_bound_fresh_cache_keeps_nothing_from_a_past_epoch() -> None:
    epoch, clock = Epoch(), Clock()
    cache: FreshCache[str] = FreshCache(5, 300, clock=clock, epoch=epoch)
    assert cache.put("k", "A's page", since=1) is True
    epoch.now = 2
    assert cache.fresh("k") is None and cache.fresh_values() == []
    assert cache.last_good("k") is None and len(cache) == 0  # not even as the last good page
    assert cache.put("k", "A's late page", since=1) is False
    assert cache.put("k", "B's page", since=2) is True
    assert cache.fresh("k") == "B's page"


@pytest.mark.parametrize("kind", ["ttl", "fresh"])
def test_a_bound_cache_refuses_a_put_without_its_epoch(kind: str) -> None:
    cache: TTLCache[str] | FreshCache[str] = (
        TTLCache(None, epoch=Epoch()) if kind == "ttl" else FreshCache(5, 300, epoch=Epoch())
    )
    with pytest.raises(TypeError):
        cache.put("login", "alice")
