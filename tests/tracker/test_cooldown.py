"""The global cooldown: spacing of starts, no bursts, interactive before background."""

from __future__ import annotations

import asyncio
import itertools

from sidecar.tracker.cooldown import Cooldown

GAP = 0.05
# asyncio may fire a timer up to one clock tick early (15.6 ms on old Windows Pythons).
TICK = 0.016


async def starts(cooldown: Cooldown, jobs: list[tuple[str, bool]]) -> list[tuple[str, float]]:
    loop = asyncio.get_running_loop()
    seen: list[tuple[str, float]] = []

    async def job(name: str, background: bool) -> None:
        async with cooldown.slot(background=background):
            seen.append((name, loop.time()))

    tasks = []
    for name, background in jobs:
        tasks.append(asyncio.create_task(job(name, background)))
        await asyncio.sleep(0)  # fix the arrival order
    await asyncio.gather(*tasks)
    return seen


def gaps(seen: list[tuple[str, float]]) -> list[float]:
    return [b[1] - a[1] for a, b in itertools.pairwise(seen)]


async def test_starts_are_spaced_by_the_gap() -> None:
    seen = await starts(Cooldown(GAP), [(str(i), False) for i in range(5)])
    assert [name for name, _ in seen] == ["0", "1", "2", "3", "4"]
    assert min(gaps(seen)) >= GAP - TICK


async def test_no_burst_after_idle() -> None:
    cooldown = Cooldown(GAP)
    await starts(cooldown, [("warm", False)])
    await asyncio.sleep(GAP * 3)
    seen = await starts(cooldown, [("a", False), ("b", False), ("c", False)])
    assert min(gaps(seen)) >= GAP - TICK


async def test_interactive_waiters_go_before_background_ones() -> None:
    jobs = [("first", True), ("bg1", True), ("bg2", True), ("ui1", False), ("ui2", False)]
    seen = await starts(Cooldown(GAP), jobs)
    assert [name for name, _ in seen] == ["first", "ui1", "ui2", "bg1", "bg2"]
    assert min(gaps(seen)) >= GAP - TICK


async def test_zero_gap_never_waits() -> None:
    loop = asyncio.get_running_loop()
    before = loop.time()
    seen = await starts(Cooldown(0), [(str(i), i % 2 == 0) for i in range(20)])
    assert len(seen) == 20
    assert seen[-1][1] - before < GAP


async def test_cancelled_waiter_does_not_block_the_queue() -> None:
    cooldown = Cooldown(GAP)
    loop = asyncio.get_running_loop()
    order: list[str] = []

    async def job(name: str) -> None:
        async with cooldown.slot():
            order.append(name)

    first = asyncio.create_task(job("a"))
    doomed = asyncio.create_task(job("b"))
    last = asyncio.create_task(job("c"))
    await asyncio.sleep(0)
    doomed.cancel()
    started = loop.time()
    await asyncio.gather(first, last, return_exceptions=True)
    assert order == ["a", "c"]
    assert loop.time() - started < GAP * 4
