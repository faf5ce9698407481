"""The process's stdin/stdout as a `Transport`, owned exclusively while serving.

Owns the file descriptors: protocol output goes to a private dup of fd 1, and fd 1 itself is
pointed at stderr so stray prints, libraries and child processes cannot corrupt the wire; fd 0
is dup'ed for the reader and then pointed at the null device. Reading happens in a daemon thread
(asyncio pipe APIs do not work on inherited Windows pipes); writing happens in one writer thread
so a slow parent never blocks the event loop. Must not know JSON-RPC.
"""

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable

from sidecar.rpc.framing import DEFAULT_MAX_LINE, Frame, iter_frames
from sidecar.rpc.transport import MemoryTransport, Transport

__all__ = ["MemoryTransport", "StdioTransport", "Transport"]

_log = logging.getLogger(__name__)


class StdioTransport:
    """Claims fds 0/1 on construction; construct it inside the running event loop."""

    def __init__(
        self,
        *,
        max_line: int = DEFAULT_MAX_LINE,
        queue_size: int = 64,
        flush_timeout_s: float = 0.25,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self.closed = asyncio.Event()
        self._flush_timeout_s = flush_timeout_s
        self._inbox: asyncio.Queue[Frame | None] = asyncio.Queue(queue_size)
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._writer_done = asyncio.Event()
        self._eof = False
        self._in_fd, self._out_fd = _claim_stdio()
        self._start_thread(self._read_loop, max_line, name="rpc-stdin")
        self._start_thread(self._write_loop, name="rpc-stdout")

    async def read(self) -> Frame | None:
        if self._eof:
            return None
        frame = await self._inbox.get()
        self._eof = frame is None
        return frame

    def write(self, frame: bytes) -> None:
        if not self.closed.is_set():
            self._outbox.put(frame)

    async def close(self) -> None:
        """Flush queued frames (bounded wait). Restores nothing: the process is exiting."""
        self._outbox.put(None)
        try:
            await asyncio.wait_for(self._writer_done.wait(), self._flush_timeout_s)
        except TimeoutError:
            _log.warning("stdout flush timed out; dropping unsent frames")
            return
        os.close(self._out_fd)  # the parent sees EOF on our stdout

    def _start_thread(self, target: Callable[..., None], *args: object, name: str) -> None:
        threading.Thread(target=target, args=args, name=name, daemon=True).start()

    def _read_loop(self, max_line: int) -> None:
        try:
            for frame in iter_frames(lambda n: os.read(self._in_fd, n), max_line):
                if not self._hand_over(frame):
                    return
        except OSError as exc:
            _log.warning("stdin read failed: %s", exc)
        self._hand_over(None)

    def _hand_over(self, frame: Frame | None) -> bool:
        """Put a frame on the loop's bounded queue, blocking this thread for backpressure."""
        try:
            put = asyncio.run_coroutine_threadsafe(self._inbox.put(frame), self._loop)
            put.result()
        except (RuntimeError, concurrent.futures.CancelledError):
            return False  # the loop is gone
        return True

    def _write_loop(self) -> None:
        while (frame := self._outbox.get()) is not None:
            if not self._write_all(frame):
                self._signal(self.closed)
                break
        self._signal(self._writer_done)

    def _write_all(self, frame: bytes) -> bool:
        view = memoryview(frame)
        try:
            while view:
                view = view[os.write(self._out_fd, view) :]
        except OSError as exc:  # BrokenPipeError above all: the host is gone
            _log.info("stdout closed by the peer: %s", exc)
            return False
        return True

    def _signal(self, event: asyncio.Event) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed
            self._loop.call_soon_threadsafe(event.set)


def _claim_stdio() -> tuple[int, int]:
    """Keep private dups of fds 0/1; divert fd 1 to stderr and fd 0 to the null device."""
    out_fd, in_fd = os.dup(1), os.dup(0)
    os.dup2(2, 1)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    if sys.platform == "win32":
        _rebind_windows_std_handles()
    return in_fd, out_fd


if sys.platform == "win32":  # pragma: no cover - exercised on Windows CI only
    import ctypes
    import msvcrt

    def _rebind_windows_std_handles() -> None:
        """Native code and children use the Win32 std handles, not the CRT fds: rebind them."""
        kernel32 = ctypes.windll.kernel32
        kernel32.SetStdHandle(-10, msvcrt.get_osfhandle(0))  # STD_INPUT_HANDLE
        kernel32.SetStdHandle(-11, msvcrt.get_osfhandle(1))  # STD_OUTPUT_HANDLE
