"""The event-loop stdin reader's direct hand-over: a lone line goes to the receiver in the turn
that read it, a burst and anything behind a waiting line go through `get`, in order."""

import asyncio
import os
from collections.abc import Callable, Iterator

import pytest

from sidecar.rpc.framing import Frame
from sidecar.rpc.stdio import _LoopReader

GUARD_TURNS = 500  # hang guard only, not a speed assertion


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    yield read_fd, write_fd
    os.close(read_fd)
    os.close(write_fd)


async def until(condition: Callable[[], object]) -> None:
    for _ in range(GUARD_TURNS):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the reader never got there")


async def test_a_lone_line_goes_to_the_receiver(pipe: tuple[int, int]) -> None:
    reader = _LoopReader(asyncio.get_running_loop(), pipe[0], 1024, 64)
    taken: list[Frame] = []
    reader.direct = lambda frame: taken.append(frame) is None
    os.write(pipe[1], b"one\n")
    await until(lambda: taken)
    assert taken == [b"one"]
    assert not reader.waiting()
    reader.stop()


async def test_a_burst_and_what_follows_it_wait_for_get(pipe: tuple[int, int]) -> None:
    reader = _LoopReader(asyncio.get_running_loop(), pipe[0], 1024, 64)
    taken: list[Frame] = []
    reader.direct = lambda frame: taken.append(frame) is None
    os.write(pipe[1], b"two\nthree\n")
    await until(reader.waiting)
    os.write(pipe[1], b"four\n")  # alone, but behind lines not taken yet
    await asyncio.sleep(0.01)
    assert [await reader.get() for _ in range(2)] == [b"two", b"three"]
    await until(reader.waiting)
    assert await reader.get() == b"four"
    assert taken == []
    reader.stop()


async def test_a_line_the_receiver_refuses_waits_for_get(pipe: tuple[int, int]) -> None:
    reader = _LoopReader(asyncio.get_running_loop(), pipe[0], 1024, 64)
    reader.direct = lambda frame: False  # no room for answers
    os.write(pipe[1], b"five\n")
    assert await asyncio.wait_for(reader.get(), 5) == b"five"
    reader.stop()
