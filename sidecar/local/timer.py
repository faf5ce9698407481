"""The work timer: one running issue at a time, `timer-tick` on every change and every 60 s.

Owns: timer state and its tick schedule (`docs/frontend-contract.md` §4.13, §4.14, §5). Kept in
memory like the app's. Must not know: the wire; it calls the `notify` function it is given.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sidecar.api.local import TimerState

TICK_EVENT = "timer-tick"
TICK_INTERVAL_S = 60.0


class Timer:
    def __init__(
        self, notify: Callable[[str, Any], None], clock: Callable[[], float] = time.time
    ) -> None:
        self._notify = notify
        self._clock = clock
        self._key: str | None = None
        self._summary: str | None = None
        self._start: int | None = None
        self._ticker: asyncio.Task[None] | None = None

    def state(self) -> TimerState:
        if self._start is None:
            return TimerState(
                active=False, issue_key=None, issue_summary=None, start_time=None, elapsed=0
            )
        return TimerState(
            active=True,
            issue_key=self._key,
            issue_summary=self._summary,
            start_time=self._start,
            elapsed=self._elapsed(),
        )

    def _elapsed(self) -> int:
        return max(int(self._clock()) - (self._start or 0), 0)

    def start(self, issue_key: str, issue_summary: str | None) -> None:
        """Replace any running timer without saving it (the frontend asked the user first)."""
        self._key, self._summary, self._start = issue_key, issue_summary, int(self._clock())
        self._restart_ticker()
        self._broadcast()

    def stop(self) -> tuple[int, str | None]:
        result = (self._elapsed(), self._key) if self._start is not None else (0, None)
        self.discard()
        return result

    def discard(self) -> None:
        """Reset to idle (logout discards a running timer without logging it)."""
        self._key = self._summary = None
        self._start = None
        self._cancel_ticker()
        self._broadcast()

    def _broadcast(self) -> None:
        self._notify(TICK_EVENT, self.state())

    def _restart_ticker(self) -> None:
        self._cancel_ticker()
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    def _cancel_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_INTERVAL_S)
            self._broadcast()

    def close(self) -> None:
        self._cancel_ticker()
