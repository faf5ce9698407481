"""Blocking file-system calls run beside the event loop, in daemon threads nobody joins.

Owns: `in_daemon_thread` (one call, one thread) and `DaemonWorker` (one thread running a
sequence of calls in order, as a download's writes need). A file system may never answer (a
hung network home, a FUSE server that stopped, a FIFO opened the wrong way): the loop keeps
serving meanwhile, and, unlike `asyncio.to_thread`, whose executor `asyncio.run` joins at exit,
a thread stuck in the kernel cannot hold up the process's exit. Callers bound their wait
(`asyncio.wait_for` over `asyncio.shield`) and decide what a late answer means.
Must not know: what the calls do.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class DaemonWorker:
    """A daemon thread that runs the calls given to `submit`, one after another, in order.

    Each call's future settles with its outcome; cancelling a future abandons its call (it runs
    on, its outcome is dropped), and so is an error nobody awaits any more, without a warning.
    The thread starts with the first call and ends after `close`.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._started = False

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Queue `fn(*args)`; call from inside the running loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        future.add_done_callback(_seen)
        self._jobs.put((loop, future, fn, args))
        if not self._started:
            self._started = True
            threading.Thread(target=self._run, name=self._name, daemon=True).start()
        return future

    def close(self) -> None:
        """End the thread once the calls already queued have run."""
        self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, fn, args = job
            result, error = None, None
            try:
                result = fn(*args)
            except BaseException as exc:
                error = exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:
                return  # the loop has closed: the process is ending


def in_daemon_thread(fn: Callable[..., T], *args: Any, name: str = "local-io") -> asyncio.Future[T]:
    """Start `fn(*args)` in a new daemon thread; the future settles with its outcome."""
    worker = DaemonWorker(name)
    future = worker.submit(fn, *args)
    worker.close()
    return future


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # cancelled: nobody waits for this any more
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # marks it retrieved: an abandoned call's error is not reported
