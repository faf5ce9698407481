"""A small time-bounded cache for issue lists, catalogs and the current login.

Owns: expiry and invalidation. Must not know: what is cached or why it is invalidated.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    """Entries live `ttl_s` seconds (None = until cleared; 0 = never stored)."""

    def __init__(self, ttl_s: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self.ttl_s is not None and self._clock() - stored_at >= self.ttl_s:
            del self._entries[key]
            return None
        return value

    def age(self, key: Hashable) -> float | None:
        entry = self._entries.get(key)
        return None if entry is None else self._clock() - entry[0]

    def put(self, key: Hashable, value: V) -> None:
        if self.ttl_s != 0:
            self._entries[key] = (self._clock(), value)

    def values(self) -> list[V]:
        """Live values (expired entries are dropped on the way)."""
        return [v for k in list(self._entries) if (v := self.get(k)) is not None]

    def drop_where(self, predicate: Callable[[V], bool]) -> None:
        for key in [k for k, (_, v) in self._entries.items() if predicate(v)]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
