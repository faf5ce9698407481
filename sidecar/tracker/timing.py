"""When a request may go on the wire and how long it may take: the time budget and the send hook.

Owns: `Budget`, one attempt's time limit, which stands still while the request waits for its
cooldown turn or gap (aiohttp's own `total` timeout would count that wait; the cooldown pauses
the budget its turn carries), and `SendHook`, which the client passes into aiohttp's request
flow (`transport.SendHooks`) to take the cooldown slot at the last moment: the connection is
ready and the headers are about to be written, so a TCP+TLS handshake never shortens the gap the
server sees, and the credentials are read after the wait; and `deadline`, the overall limit of a
transfer, which counts everything (a body trickled a byte at a time never trips an inactivity
limit). Must not know: HTTP, URLs or retries.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from . import errors
from .cooldown import Turn


class Budget:
    """One attempt's time limit; it does not run while the request waits for the cooldown.

    The attempt enters `limit`, an `asyncio.Timeout` set at once (counting from here): it runs
    around every Tracker request, where a context manager of its own around it cost two more
    coroutines, and a generator-based one and a second rescheduling ~4 µs.
    """

    def __init__(self, seconds: float | None) -> None:
        self._left = seconds
        self.limit = asyncio.timeout(seconds)
        """Entered by the attempt (`async with budget.limit`); on expiry it raises TimeoutError."""

    def pause(self) -> None:
        limit = self.limit
        if limit.expired() or (when := limit.when()) is None:
            return
        self._left = when - asyncio.get_running_loop().time()
        limit.reschedule(None)

    def resume(self) -> None:
        limit, left = self.limit, self._left
        if left is None or limit.expired() or limit.when() is not None:
            return
        limit.reschedule(asyncio.get_running_loop().time() + left)

    @contextmanager
    def paused(self) -> Iterator[None]:
        self.pause()
        try:
            yield
        finally:
            self.resume()


@dataclass
class SendHook:
    """One exchange's cooldown slot, taken from inside aiohttp (`transport.SendHooks`)."""

    turn: Turn
    authorize: Callable[[MutableMapping[str, str]], Awaitable[None]]

    async def before_send(self, headers: MutableMapping[str, str]) -> None:
        await self.turn.ready()  # the turn pauses the request's budget while it waits
        await self.authorize(headers)  # fresh credentials, after the wait
        self.turn.started()

    def body_sent(self) -> None:
        self.turn.touch()


@asynccontextmanager
async def deadline(seconds: float) -> AsyncIterator[None]:
    """The block ends with RequestTimeout after `seconds`, whatever it is waiting for."""
    limit = asyncio.timeout(seconds)
    try:
        async with limit:
            yield
    except TimeoutError:
        if not limit.expired():
            raise
        raise errors.RequestTimeout(
            f"request timed out: the transfer took longer than {seconds:g} s", sent=True
        ) from None
