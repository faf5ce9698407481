"""Blocking file-system calls run beside the event loop, in daemon threads nobody joins.

Owns: `in_daemon_thread`. A file system may never answer (a hung network home, a FUSE server
that stopped, a FIFO opened the wrong way): the loop keeps serving meanwhile, and, unlike
`asyncio.to_thread`, whose executor `asyncio.run` joins at exit, a thread stuck in the kernel
cannot hold up the process's exit. Callers bound their wait (`asyncio.wait_for` over
`asyncio.shield`) and decide what a late answer means. Must not know: what the calls do.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def in_daemon_thread(fn: Callable[..., T], *args: Any, name: str = "local-io") -> asyncio.Future[T]:
    """Start `fn(*args)` in a new daemon thread; the future settles with its outcome.

    Cancelling the future abandons the call (it runs on, and its outcome is dropped); so is
    an error nobody awaits any more, without a warning. Call from inside the running loop.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    future.add_done_callback(_seen)

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # cancelled: nobody waits for this any more
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        result, error = None, None
        try:
            result = fn(*args)
        except BaseException as exc:
            error = exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass  # the loop has closed: the process is ending

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # marks it retrieved: an abandoned call's error is not reported
