"""The one global gap between the moments any two Tracker requests go on the wire.

Owns: `Cooldown` and its `Turn`s. A request first queues for the turn (interactive before
background, FIFO within each class). Only the holder may open or reuse a connection; once its
connection is ready and its bytes are about to be written it calls `ready()`, which waits until
`gap_s` after the previous request's start, then `started()`, which records the new start and
passes the turn on. Taking the slot that late, rather than before the connection exists, keeps
the gap at the server: a TCP+TLS handshake can no longer eat into it. While it waits, a holder
yields the turn to a waiter of a better class, so an interactive request never waits behind a
background one for a whole extra gap. A turn may carry a `Pausable` (the request's time budget):
it is paused exactly while the turn waits, so queueing never eats into a request's time limit.
A `hold(seconds)` (Tracker answered 429) moves the earliest next start for everyone: turns wait
for it like for the gap, and with the gap off (`--cooldown-ms 0`) requests still pass
`wait_hold()` before they go out.
Must not know: HTTP or what the slot is used for.

Not a rate-limiter library: a leaky bucket (aiolimiter) counts a slot when it is acquired and
serves waiters first come, first served, while this queue ranks interactive before background,
lets a waiting holder yield, and counts from the moment the bytes go out (`touch()` pushes the
start when the body follows its headers late), which a bucket cannot move.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from typing import Protocol

# Loopback to a busy local server already delays single requests by up to ~6 ms more than
# their neighbours (measured with the benchmark on a loaded 2-core machine); a server that
# counts arrivals must still see the full gap.
JITTER_MARGIN_S = 0.01
_NEVER = float("-inf")


class Pausable(Protocol):
    """A timer that must not run while its request waits in the queue."""

    def paused(self) -> AbstractContextManager[None]: ...


class Turn:
    """One request's place in the cooldown queue."""

    def __init__(
        self, cooldown: Cooldown, rank: int, order: int, pausable: Pausable | None = None
    ) -> None:
        self._cooldown = cooldown
        self.key = (rank, order)
        self.pausable = pausable
        self.granted: asyncio.Future[None] | None = None
        self.poke: asyncio.Future[None] | None = None
        self.touched = False

    def __lt__(self, other: Turn) -> bool:
        return self.key < other.key

    def waiting(self) -> AbstractContextManager[None]:
        """Around a wait: the request's timer (if any) stands still meanwhile."""
        return self.pausable.paused() if self.pausable is not None else nullcontext()

    @property
    def queued(self) -> bool:
        return self.granted is not None and not self.granted.done()

    async def acquire(self) -> None:
        """Wait for the turn: only the holder may open or reuse a connection."""
        if self._cooldown.gap_s > 0:
            await self._cooldown._wait_turn(self)

    async def ready(self) -> None:
        """Wait, holding the turn, until this request may start (no-op without a gap)."""
        if self._cooldown.gap_s > 0:
            await self._cooldown._wait_gap(self)

    def started(self) -> None:
        """The request is being written now: the next one starts `gap_s` after this."""
        if self._cooldown.gap_s > 0:
            self._cooldown._record_start(self)

    def touch(self) -> None:
        """Its first body bytes went out only now (after the headers): count from here."""
        if not self.touched and self._cooldown.gap_s > 0:
            self.touched = True
            self._cooldown._push_last_start()


class Cooldown:
    """Per request: `async with cooldown.turn(background) as turn`, then `acquire`, `ready`,
    `started` on the turn (or `async with cooldown.slot(background)` for all at once)."""

    def __init__(self, gap_s: float, *, margin_s: float = 0.0) -> None:
        self.gap_s = gap_s
        # Aimed for above the gap: two requests written exactly `gap_s` apart can reach the
        # server closer together when the first is delayed on the way (see `JITTER_MARGIN_S`).
        self._target_s = gap_s + margin_s if gap_s > 0 else 0.0
        self._queue: list[Turn] = []
        self._holder: Turn | None = None
        self._last_start = float("-inf")
        self._not_before = _NEVER  # set by `hold`
        self._order = itertools.count()

    @property
    def active(self) -> bool:
        return self.gap_s > 0

    @property
    def ever_held(self) -> bool:
        """A `hold` was made (it may be over): only then can `wait_hold` have to wait."""
        return self._not_before != _NEVER

    @asynccontextmanager
    async def turn(
        self, background: bool = False, pausable: Pausable | None = None
    ) -> AsyncIterator[Turn]:
        """One request's place; `await turn.acquire()` queues. Leaving gives up what it holds.

        `pausable` is paused while the turn waits (for its place or for the gap).
        """
        turn = Turn(self, int(background), next(self._order), pausable)
        try:
            yield turn
        finally:
            self._leave(turn)

    @asynccontextmanager
    async def slot(self, background: bool = False) -> AsyncIterator[None]:
        """Start no sooner than `gap_s` after the last start (turn and start at once)."""
        async with self.turn(background) as turn:
            await turn.acquire()
            await turn.ready()
            turn.started()
        yield

    def hold(self, seconds: float) -> None:
        """No request starts within `seconds` from now (others already on the wire go on)."""
        now = asyncio.get_running_loop().time()
        self._not_before = max(self._not_before, now + seconds)

    async def wait_hold(self, pausable: Pausable | None = None) -> None:
        """Wait out a `hold` (the queue-less path when the gap is off); `pausable` stands still."""
        loop = asyncio.get_running_loop()
        while (delay := self._not_before - loop.time()) > 0:
            with pausable.paused() if pausable is not None else nullcontext():
                await asyncio.sleep(delay)

    # -- the queue ----------------------------------------------------------------------------

    async def _wait_turn(self, turn: Turn) -> None:
        self._enqueue(turn)
        assert turn.granted is not None
        if turn.granted.done():
            return
        # A cancelled wait cancels the future (`_hand_over` skips it); one granted just before
        # is passed on when the `turn()` block is left.
        with turn.waiting():
            await turn.granted

    def _enqueue(self, turn: Turn) -> None:
        turn.granted = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, turn)
        if self._holder is None:
            self._hand_over()
        elif turn.key[0] < self._holder.key[0]:
            poke = self._holder.poke  # set while the holder waits out the gap
            if poke is not None and not poke.done():
                poke.set_result(None)

    def _hand_over(self) -> None:
        """Give the turn to the best request still waiting, if any."""
        self._holder = None
        while self._queue:
            turn = heapq.heappop(self._queue)
            if turn.queued:
                assert turn.granted is not None
                turn.granted.set_result(None)
                self._holder = turn
                return

    def _leave(self, turn: Turn) -> None:
        if self._holder is turn:
            self._hand_over()

    def _outranked(self, turn: Turn) -> bool:
        while self._queue and not self._queue[0].queued:
            heapq.heappop(self._queue)
        return bool(self._queue) and self._queue[0].key[0] < turn.key[0]

    # -- the gap ------------------------------------------------------------------------------

    async def _wait_gap(self, turn: Turn) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._outranked(turn):
                self._hand_over()  # `turn` is not queued, so a better one gets it
                await self._wait_turn(turn)  # back in line, ahead of later peers
                continue
            delay = max(self._last_start + self._target_s, self._not_before) - loop.time()
            if delay <= 0:
                return
            turn.poke = loop.create_future()
            try:
                with turn.waiting():
                    await asyncio.wait([turn.poke], timeout=delay)
            finally:
                turn.poke = None

    def _record_start(self, turn: Turn) -> None:
        self._last_start = asyncio.get_running_loop().time()
        self._leave(turn)

    def _push_last_start(self) -> None:
        self._last_start = max(self._last_start, asyncio.get_running_loop().time())
