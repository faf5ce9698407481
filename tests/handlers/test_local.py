"""Local-state handlers in process: the stop result's wire shape, and the timer's 60-second tick
observed on an event loop whose clock runs two hundred times faster than the wall clock."""

from __future__ import annotations

import asyncio
import selectors
from typing import Any

import msgspec

from sidecar.api.local import StopTimerResult
from sidecar.local.timer import Timer

SPEED = 200.0


class _FastSelector(selectors.DefaultSelector):
    """Waits 1/SPEED of what the loop asks: the loop counts in virtual seconds."""

    def select(self, timeout: float | None = None) -> list[Any]:
        return super().select(None if timeout is None else timeout / SPEED)


class FastClockLoop(asyncio.SelectorEventLoop):
    """`asyncio.sleep(60)` passes in 0.3 s of real time; `time()` reports virtual seconds."""

    def __init__(self) -> None:
        super().__init__(_FastSelector())
        self._origin = super().time()

    def time(self) -> float:
        return self._origin + (super().time() - self._origin) * SPEED


def test_stop_timer_result_is_a_two_element_array() -> None:
    assert msgspec.json.encode(StopTimerResult(elapsed_seconds=65, issue_key="YT-1")) == (
        b'[65,"YT-1"]'
    )
    assert msgspec.json.encode(StopTimerResult(elapsed_seconds=0, issue_key=None)) == b"[0,null]"


async def _run_timer(events: list[tuple[str, Any]]) -> None:
    loop = asyncio.get_running_loop()
    timer = Timer(lambda method, payload: events.append((method, payload)), clock=loop.time)
    timer.start("YT-1", "Fix it")
    await asyncio.sleep(150)  # virtual seconds: ticks at 60 and 120
    timer.stop()
    await asyncio.sleep(100)  # no ticks once stopped
    timer.close()


def test_a_running_timer_ticks_every_sixty_seconds_and_stops_ticking() -> None:
    events: list[tuple[str, Any]] = []
    with asyncio.Runner(loop_factory=FastClockLoop) as runner:
        runner.run(_run_timer(events))
    assert {method for method, _ in events} == {"timer-tick"}
    states = [payload for _, payload in events]
    assert [s.active for s in states] == [True, True, True, False]
    # A millisecond of scheduling delay is 0.2 virtual seconds, hence the small tolerance.
    elapsed = [s.elapsed for s in states]
    assert elapsed[0] == 0 and 60 <= elapsed[1] < 63 and 120 <= elapsed[2] < 126
    assert elapsed[3] == 0
    assert {s.issue_key for s in states[:3]} == {"YT-1"}
