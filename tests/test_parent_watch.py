"""The parent watch's parts on this machine: what it watches, and the pidfd wait. The whole
watch, with a real app killed under a real sidecar, is tests/e2e/test_parent_watch.py."""

from __future__ import annotations

import asyncio
import os
import sys
from subprocess import PIPE

import pytest

from sidecar import parent_watch

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the watch is POSIX only")


def test_from_source_the_watched_process_is_the_parent() -> None:
    watched = parent_watch.watched_process()
    assert watched is not None
    pid, still_ours, what = watched
    assert (pid, what) == (os.getppid(), "the parent process")
    assert still_ours()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_parent_of_a_process_is_read_from_proc() -> None:
    assert parent_watch._parent_of(os.getpid()) == os.getppid()


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="no pidfd here")
async def test_the_pidfd_wait_ends_when_the_process_does() -> None:
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", "input()", stdin=PIPE)
    try:
        waiting = asyncio.create_task(parent_watch._pidfd_gone(child.pid, lambda: True))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        child.kill()
        assert await asyncio.wait_for(waiting, 30) is True
    finally:
        if child.returncode is None:
            child.kill()
        await child.wait()


async def test_without_anything_to_watch_it_never_returns() -> None:
    waiting = asyncio.create_task(parent_watch.parent_gone(None))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    waiting.cancel()
