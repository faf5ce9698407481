"""The work timer: state, start/stop results, and a timer-tick on every change."""

from __future__ import annotations

from typing import Any

from sidecar.local.timer import Timer


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_start_stop_and_ticks() -> None:
    events: list[tuple[str, Any]] = []
    clock = Clock()
    timer = Timer(lambda m, p: events.append((m, p)), clock)
    assert timer.state().active is False and timer.state().elapsed == 0
    assert timer.stop() == (0, None)
    timer.start("YT-1", "Fix it")
    clock.now += 65
    state = timer.state()
    assert (state.active, state.issue_key, state.issue_summary) == (True, "YT-1", "Fix it")
    assert (state.start_time, state.elapsed) == (1_000_000, 65)
    assert timer.stop() == (65, "YT-1")
    assert timer.state().active is False
    assert [m for m, _ in events] == ["timer-tick"] * 3
    assert events[1][1].active is True and events[2][1].active is False
    timer.close()


async def test_start_replaces_a_running_timer() -> None:
    clock = Clock()
    timer = Timer(lambda m, p: None, clock)
    timer.start("A-1", None)
    clock.now += 10
    timer.start("B-2", "b")
    assert timer.state().issue_key == "B-2" and timer.state().elapsed == 0
    timer.discard()
    assert timer.stop() == (0, None)
