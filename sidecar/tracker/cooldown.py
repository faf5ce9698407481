"""The one global gap between the starts of any two Tracker requests.

Owns: `Cooldown`, an aiolimiter `AsyncLimiter(1, gap)` (capacity 1, so never a burst) behind a
priority turnstile: interactive waiters always pass before background ones, FIFO within each
class. Must not know: HTTP or what the slot is used for.
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
        self._busy = False

    @asynccontextmanager
    async def slot(self, background: bool = False) -> AsyncIterator[None]:
        if self.gap_s > 0:
            await self._enter(background)
            try:
                await self._limiter_for_loop().acquire()
            finally:
                self._leave()
        yield

    def _limiter_for_loop(self) -> AsyncLimiter:
        if self._limiter is None:
            self._limiter = AsyncLimiter(1, self.gap_s)
        return self._limiter

    async def _enter(self, background: bool) -> None:
        if not self._busy and not self._waiters:
            self._busy = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter: _Waiter = (int(background), next(self._order), future)
        heapq.heappush(self._waiters, waiter)
        try:
            await future
        except asyncio.CancelledError:
            self._abandon(waiter)
            raise

    def _abandon(self, waiter: _Waiter) -> None:
        future = waiter[2]
        if future.done() and not future.cancelled():
            self._leave()  # the turn was handed to us just before the cancel: pass it on
            return
        if waiter in self._waiters:
            self._waiters.remove(waiter)
            heapq.heapify(self._waiters)

    def _leave(self) -> None:
        while self._waiters:
            future = heapq.heappop(self._waiters)[2]
            if not future.done():
                future.set_result(None)  # the turn passes on; _busy stays set
                return
        self._busy = False
