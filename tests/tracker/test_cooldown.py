"""The global cooldown: spacing of starts, no bursts, interactive before background, and turns
(only the holder connects; the gap counts from the moment a request is written)."""

from __future__ import annotations

import asyncio
import contextlib
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


# -- turns: the slot is taken when the request is about to be written ----------------------


async def test_the_gap_counts_from_the_start_not_from_the_turn() -> None:
    """A slow connection (between acquire and ready) must not shorten the next gap."""
    cooldown = Cooldown(GAP)
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def job(connect_s: float) -> None:
        async with cooldown.turn() as turn:
            await turn.acquire()
            await asyncio.sleep(connect_s)  # opening a connection
            await turn.ready()
            turn.started()
            starts.append(loop.time())

    await asyncio.gather(job(GAP * 0.8), job(0), job(0))
    assert min(b - a for a, b in itertools.pairwise(starts)) >= GAP - TICK


async def test_only_the_holder_is_between_its_turn_and_its_start() -> None:
    cooldown = Cooldown(GAP)
    holding: list[str] = []
    overlaps: list[list[str]] = []

    async def job(name: str) -> None:
        async with cooldown.turn() as turn:
            await turn.acquire()
            holding.append(name)
            overlaps.append(list(holding))
            await asyncio.sleep(0.01)
            await turn.ready()
            holding.remove(name)
            turn.started()

    await asyncio.gather(*(job(str(n)) for n in range(4)))
    assert all(len(seen) == 1 for seen in overlaps), overlaps


async def test_a_waiting_background_holder_yields_to_an_interactive_request() -> None:
    cooldown = Cooldown(GAP)
    loop = asyncio.get_running_loop()
    seen: list[tuple[str, float]] = []

    async def job(name: str, background: bool) -> None:
        async with cooldown.turn(background) as turn:
            await turn.acquire()
            await turn.ready()
            turn.started()
            seen.append((name, loop.time()))

    first = asyncio.create_task(job("first", True))
    waiting = asyncio.create_task(job("bg", True))  # holds the turn, waiting out the gap
    await asyncio.sleep(GAP / 4)
    await job("ui", False)
    await asyncio.gather(first, waiting)
    assert [name for name, _ in seen] == ["first", "ui", "bg"]
    assert min(gaps(seen)) >= GAP - TICK


async def test_a_body_written_late_pushes_the_next_start() -> None:
    cooldown = Cooldown(GAP)
    loop = asyncio.get_running_loop()
    async with cooldown.turn() as turn:
        await turn.acquire()
        await turn.ready()
        turn.started()
        await asyncio.sleep(GAP / 2)
        turn.touch()  # the first body bytes only now
        touched = loop.time()
        turn.touch()  # later chunks change nothing
    async with cooldown.slot():
        assert loop.time() - touched >= GAP - TICK


async def test_a_holder_cancelled_while_waiting_passes_the_turn_on() -> None:
    cooldown = Cooldown(GAP)
    order: list[str] = []

    async def job(name: str) -> None:
        async with cooldown.turn() as turn:
            await turn.acquire()
            await turn.ready()
            turn.started()
            order.append(name)

    await job("a")
    doomed = asyncio.create_task(job("b"))  # becomes the holder and waits out the gap
    last = asyncio.create_task(job("c"))
    await asyncio.sleep(GAP / 4)
    doomed.cancel()
    await asyncio.gather(doomed, last, return_exceptions=True)
    assert order == ["a", "c"]


async def test_leaving_without_starting_passes_the_turn_on() -> None:
    cooldown = Cooldown(GAP)
    with contextlib.suppress(ConnectionError):
        async with cooldown.turn() as turn:
            await turn.acquire()
            raise ConnectionError("connect failed")
    loop = asyncio.get_running_loop()
    before = loop.time()
    async with cooldown.slot():
        assert loop.time() - before < GAP  # nothing started, so nothing to wait for
