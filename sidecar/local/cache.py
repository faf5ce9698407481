"""Small in-memory caches: time-bounded values, fresh-then-last-good pages, shared calls.

Owns: expiry, freshness, invalidation, in-flight sharing, and the epoch rule. A cache built
with `epoch` (the app passes the session's generation, which moves on with every sign-in,
sign-out, refresh or ended session) keeps each value with the epoch its computation *started*
in: `put` takes that epoch (`since`) and stores nothing from an epoch that has passed, and no
value of an earlier epoch is ever returned. So a Tracker answer for one account that arrives
after the next signed in is answered to its own request at most, and never served to anyone
else. Must not know: what is cached, what an epoch stands for, or why entries are dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

V = TypeVar("V")


class Epoch:
    """The epoch a cache's values belong to; unbound (always 0) without a source."""

    def __init__(self, source: Callable[[], int] | None) -> None:
        self._source, self.bound = source, source is not None

    def now(self) -> int:
        return self._source() if self._source is not None else 0

    def accepts(self, since: int | None) -> bool:
        """Whether a value computed from epoch `since` on may be stored now.

        Raises:
            TypeError: a bound cache was given no `since` (a caller that forgot would store an
                earlier session's answer for the next).
        """
        if since is None and self.bound:
            raise TypeError("a cache bound to an epoch needs `since`")
        return since is None or since == self.now()


class TTLCache(Generic[V]):
    """Entries live `ttl_s` seconds (None = until cleared; 0 = never stored)."""

    def __init__(
        self,
        ttl_s: float | None,
        clock: Callable[[], float] = time.monotonic,
        *,
        epoch: Callable[[], int] | None = None,
    ) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._epoch = Epoch(epoch)
        self._entries: dict[Hashable, tuple[float, int, V]] = {}

    def epoch(self) -> int:
        """The current epoch: what a computation meant for `put` notes before it starts."""
        return self._epoch.now()

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, epoch, value = entry
        expired = self.ttl_s is not None and self._clock() - stored_at >= self.ttl_s
        if expired or epoch != self._epoch.now():
            del self._entries[key]
            return None
        return value

    def put(self, key: Hashable, value: V, *, since: int | None = None) -> bool:
        """Store `value`, computed from epoch `since` on; False when that epoch has passed."""
        if self.ttl_s == 0 or not self._epoch.accepts(since):
            return False
        self._entries[key] = (self._clock(), self._epoch.now(), value)
        return True

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class _Kept(Generic[V]):
    value: V
    stored_at: float
    epoch: int
    stale: bool = False


class FreshCache(Generic[V]):
    """A value answers as fresh for `fresh_s` after it was stored, and stays the last good
    value for `keep_s` (0 stores nothing); at most `limit` keys, the least recently stored go.

    `fresh_s` never exceeds `keep_s`. `stale_all` ends every window at once but keeps the values
    as last good: what changed them is known, what they were is still the best offline answer.
    """

    def __init__(
        self,
        fresh_s: float,
        keep_s: float,
        *,
        limit: int = 32,
        clock: Callable[[], float] = time.monotonic,
        epoch: Callable[[], int] | None = None,
    ) -> None:
        self.fresh_s, self.keep_s = min(fresh_s, keep_s), keep_s
        self._limit, self._clock = limit, clock
        self._epoch = Epoch(epoch)
        self._entries: OrderedDict[Hashable, _Kept[V]] = OrderedDict()

    def fresh(self, key: Hashable) -> V | None:
        kept = self._kept(key)
        return kept.value if kept is not None and self._is_fresh(kept) else None

    def last_good(self, key: Hashable) -> tuple[V, float] | None:
        """The value last stored for `key`, fresh or not, and its age in seconds."""
        kept = self._kept(key)
        return None if kept is None else (kept.value, self._clock() - kept.stored_at)

    def fresh_values(self) -> list[V]:
        return [kept.value for kept in self._entries.values() if self._is_fresh(kept)]

    def put(self, key: Hashable, value: V, *, since: int | None = None, age_s: float = 0.0) -> bool:
        """Store `value`, computed from epoch `since` on and fetched `age_s` seconds ago (a page
        read back from disk is not new); False when that epoch has passed."""
        if self.keep_s <= 0 or not self._epoch.accepts(since):
            return False
        self._entries.pop(key, None)
        self._entries[key] = _Kept(value, self._clock() - age_s, self._epoch.now())
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)
        return True

    def stale_all(self) -> None:
        for kept in self._entries.values():
            kept.stale = True

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _is_fresh(self, kept: _Kept[V]) -> bool:
        current = kept.epoch == self._epoch.now()
        return current and not kept.stale and self._clock() - kept.stored_at < self.fresh_s

    def _kept(self, key: Hashable) -> _Kept[V] | None:
        kept = self._entries.get(key)
        if kept is None:
            return None
        if self._clock() - kept.stored_at >= self.keep_s or kept.epoch != self._epoch.now():
            del self._entries[key]
            return None
        return kept


@dataclass
class _Run(Generic[V]):
    task: asyncio.Future[V]
    waiters: int = 0


class SharedCalls(Generic[V]):
    """Calls with equal keys made while one is running share its result (or its exception).

    The shared run belongs to no caller: cancelling one caller leaves it to the others, and it
    is cancelled only when its last caller is.
    """

    def __init__(self) -> None:
        self._running: dict[Hashable, _Run[V]] = {}

    async def run(self, key: Hashable, make: Callable[[], Awaitable[V]]) -> V:
        run = self._running.get(key)
        if run is None:
            run = self._running[key] = _Run(asyncio.ensure_future(make()))
            run.task.add_done_callback(partial(self._done, key))
        run.waiters += 1
        try:
            return await asyncio.shield(run.task)
        except asyncio.CancelledError:
            if run.waiters == 1:
                run.task.cancel()
            raise
        finally:
            run.waiters -= 1

    def __len__(self) -> int:
        return len(self._running)

    def _done(self, key: Hashable, task: asyncio.Future[V]) -> None:
        if self._running.get(key) is not None and self._running[key].task is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # seen here, so a run whose callers all left is not reported
