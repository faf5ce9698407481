"""TTLCache expiry and invalidation."""

from __future__ import annotations

from sidecar.local.cache import TTLCache


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_expiry_and_zero_ttl() -> None:
    clock = Clock()
    cache: TTLCache[int] = TTLCache(10, clock)
    cache.put("a", 1)
    clock.now = 9.9
    assert cache.get("a") == 1 and cache.age("a") == 9.9
    clock.now = 10
    assert cache.get("a") is None and len(cache) == 0
    off: TTLCache[int] = TTLCache(0, clock)
    off.put("a", 1)
    assert off.get("a") is None


def test_values_drop_where_and_clear() -> None:
    cache: TTLCache[int] = TTLCache(None)
    for i in range(4):
        cache.put(i, i)
    cache.drop_where(lambda v: v % 2 == 0)
    assert sorted(cache.values()) == [1, 3]
    cache.clear()
    assert cache.values() == []
