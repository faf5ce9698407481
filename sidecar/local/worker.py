"""One daemon thread that runs blocking jobs in the order they were given.

Owns: the thread (started on the first job), the queue, handing results back to the event loop,
and the time limit on waiting for one. A job that outlives its wait still runs to its end, and
its result is dropped; a job whose waiter gave up before it started is skipped. The thread is a
daemon, so a job stuck in the kernel (a hung network folder) never holds up the process's exit.
Must not know: what the jobs do (the disk cache's SQLite work, `local/disk_cache.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("sidecar.cache")

_Job = tuple[Callable[[], Any], "asyncio.Future[Any] | None", "asyncio.AbstractEventLoop | None"]


class WorkerTimeout(Exception):
    """The job did not finish within its wait; it may still run later."""


class Worker:
    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def run(self, job: Callable[[], T], *, timeout_s: float) -> T:
        """`job()` on the thread, after every job given before it.

        Raises:
            WorkerTimeout: it was not done within `timeout_s`.
            whatever `job` raised.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._put((job, future, loop))
        try:
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            raise WorkerTimeout(f"{self._name}: no answer within {timeout_s:g} s") from None

    def post(self, job: Callable[[], object]) -> None:
        """`job()` on the thread, after every job given before it; nobody waits for it."""
        self._put((job, None, None))

    def stop(self) -> None:
        """Let the thread end once the jobs already given are done."""
        if self._thread is not None:
            self._jobs.put(None)

    def _put(self, job: _Job) -> None:
        self._jobs.put(job)
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
            self._thread.start()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, future, loop = job
            if future is not None and future.done():  # its waiter gave up before it started
                continue
            result, error = _call(fn, future is None)
            if future is not None and loop is not None:
                with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                    loop.call_soon_threadsafe(_settle, future, result, error)


def _call(fn: Callable[[], Any], unwatched: bool) -> tuple[Any, BaseException | None]:
    try:
        return fn(), None
    except Exception as exc:
        if unwatched:  # a posted job's failure has nobody else to tell
            log.warning("disk cache job failed: %s", exc, exc_info=exc)
        return None, exc


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the waiter timed out or was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
