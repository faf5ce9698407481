"""The one global gap between the starts of any two Tracker requests.

Owns: `Cooldown`, an aiolimiter `AsyncLimiter(1, gap)` (capacity 1, so never a burst) with a
priority queue in front: each slot the limiter frees goes to the best waiter *at that moment*,
interactive before background, FIFO within each class. Must not know: HTTP or what the slot
is used for.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiolimiter import AsyncLimiter

_Waiter = tuple[int, int, "asyncio.Future[None]"]


class Cooldown:
    """`async with cooldown.slot(background=...)` starts no sooner than `gap_s` after the last."""

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        # Created on first use: an AsyncLimiter binds to the loop it first runs on.
        self._limiter: AsyncLimiter | None = None
        self._waiters: list[_Waiter] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def slot(self, background: bool = False) -> AsyncIterator[None]:
        if self.gap_s > 0:
            await self._wait_turn(background)
        yield

    async def _wait_turn(self, background: bool) -> None:
        limiter = self._limiter_for_loop()
        if not self._waiters and self._pump is None and limiter.has_capacity():
            await limiter.acquire()  # free capacity: returns without suspending
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (int(background), next(self._order), future))
        if self._pump is None:
            self._pump = asyncio.create_task(self._grant_slots(limiter))
        # A cancelled wait cancels `future`, which the pump then skips.
        await future

    async def _grant_slots(self, limiter: AsyncLimiter) -> None:
        """Hand each slot the limiter frees to the best waiter queued when it frees."""
        try:
            while self._waiters:
                await limiter.acquire()
                self._grant_next()
        finally:
            self._pump = None

    def _grant_next(self) -> None:
        while self._waiters:
            future = heapq.heappop(self._waiters)[2]
            if not future.done():
                future.set_result(None)
                return

    def _limiter_for_loop(self) -> AsyncLimiter:
        if self._limiter is None:
            self._limiter = AsyncLimiter(1, self.gap_s)
        return self._limiter
