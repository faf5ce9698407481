"""The process's stdin/stdout as a `Transport`, owned exclusively while serving.

Owns the file descriptors: protocol output goes to a private dup of fd 1, and fd 1 itself is
pointed at stderr so stray prints, libraries and child processes cannot corrupt the wire; fd 0
is dup'ed for the reader and then pointed at the null device. Must not know JSON-RPC.

Pipes and sockets on POSIX (what a desktop shell gives us) are served by the event loop itself:
stdin is read when the loop sees it readable, stdout is non-blocking and what the parent has not
taken yet waits in a buffer, so a slow parent never blocks the loop. No thread means no GIL
hand-off per message: with reader and writer threads every request and answer woke a thread,
which then competed with the loop for the GIL during its TLS and socket writes. Anything else
(Windows, where asyncio cannot watch inherited pipes; a terminal; a regular file) keeps the
thread pair: a daemon reader thread and one writer thread.

Backpressure both ways. Reading: the reader stops taking stdin while `queue_size` frames wait,
so a fast parent blocks in its writes. Writing: answers the parent has not taken yet are
counted; above `high_water` bytes no further request is handed to the endpoint until they are
down to `low_water`, so a parent that stops reading stdout (a hung UI thread) costs at most the
answers of the requests already started, not one answer per request it goes on sending. While
frames wait to be handed over, `read` yields to the loop between them, so what the previous
ones answered is counted before the next is taken. A stdin EOF seen meanwhile lifts the pause:
the rest is read and the process ends as usual (unsent frames are dropped after the bounded
flush of `close`).
"""

import asyncio
import collections
import concurrent.futures
import contextlib
import itertools
import logging
import math
import os
import queue
import stat
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from sidecar.rpc.framing import (
    DEFAULT_MAX_LINE,
    READ_CHUNK,
    Frame,
    LineSplitter,
    Part,
    frame_message,
    iter_frames,
)

_log = logging.getLogger(__name__)
HIGH_WATER = 1024 * 1024  # unsent answer bytes that stop the taking of new requests
LOW_WATER = 256 * 1024  # ... until they are down to this
_IOV_MAX = 1024  # buffers per writev; POSIX guarantees at least 16, Linux and macOS take 1024
_COALESCE_S = 0.0005  # a frame this soon after the last flush waits for the end of the turn


def loop_pollable(fd: int) -> bool:
    """Whether the event loop can watch `fd` without side effects on anyone else."""
    if sys.platform == "win32":
        return False
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class StdioTransport:
    """Claims fds 0/1 on construction; construct it inside the running event loop."""

    def __init__(
        self,
        *,
        max_line: int = DEFAULT_MAX_LINE,
        queue_size: int = 64,
        flush_timeout_s: float = 0.25,
        high_water: int = HIGH_WATER,
        low_water: int = LOW_WATER,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self.closed = asyncio.Event()
        self._flush_timeout_s = flush_timeout_s
        self._eof = False
        in_fd, out_fd = _claim_stdio()
        self._reader: _LoopReader | _ThreadReader
        self._writer: _LoopWriter | _ThreadWriter
        if loop_pollable(in_fd):
            self._reader = _LoopReader(self._loop, in_fd, max_line, queue_size)
        else:
            self._reader = _ThreadReader(self._loop, in_fd, max_line, queue_size)
        room = _Room(high_water, low_water)
        if loop_pollable(out_fd):
            self._writer = _LoopWriter(self._loop, out_fd, self.closed, room)
        else:
            self._writer = _ThreadWriter(self._loop, out_fd, self.closed, room)
        self._room = room
        self._receive: Callable[[Frame], None] | None = None

    def deliver_to(self, receive: Callable[[Frame], None] | None) -> None:
        if isinstance(self._reader, _LoopReader):  # the thread reader hands over through `read`
            self._reader.direct = None if receive is None else self._direct
        self._receive = receive

    def _direct(self, frame: Frame) -> bool:
        """Hand `frame` to the receiver now, unless unsent answers leave no room for it."""
        if self._receive is None or not self._room.free.is_set():
            return False
        self._receive(frame)
        return True

    async def read(self) -> Frame | None:
        if self._eof:
            return None
        if self._reader.waiting():
            await asyncio.sleep(0)  # let the requests handed over just now answer first
        if not self._room.free.is_set():
            await _first(self._room.free.wait(), self._reader.eof_seen.wait())
        frame = await self._reader.get()
        self._eof = frame is None
        return frame

    def write(self, *parts: Part) -> None:
        if not self.closed.is_set():
            self._writer.write(frame_message(*parts))

    async def close(self) -> None:
        """Flush queued frames (bounded wait). Restores nothing: the process is exiting."""
        self._reader.stop()
        await self._writer.close(self._flush_timeout_s)


class _Room:
    """Unsent answer bytes against the water marks; `free` is set while requests may be taken."""

    def __init__(self, high: int, low: int) -> None:
        self.high, self.low = high, min(low, high)
        self.pending = 0
        self.free = asyncio.Event()
        self.free.set()

    def add(self, count: int) -> None:
        self.pending += count
        if self.pending > self.high:
            self.free.clear()

    def sent(self, count: int) -> None:
        self.pending = max(self.pending - count, 0)
        if self.pending <= self.low:
            self.free.set()


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    """Wait until the first of `waits` is done; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


# -- the event-loop pair (POSIX pipes and sockets) ----------------------------------------------


class _LoopReader:
    """stdin read when the loop sees it readable; stops watching while `limit` frames wait.

    A read that completes one line while none waits goes to `direct` when set (and it takes it)
    instead of the inbox: the line is dispatched in the same turn of the loop that read it, where
    `read` would hand it over a turn later. Several lines at once (a burst) keep to the inbox, so
    `read` checks the room for answers between them.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, max_line: int, limit: int):
        self._loop, self._fd, self._limit = loop, fd, limit
        self._inbox: asyncio.Queue[Frame | None] = asyncio.Queue()
        self._splitter = LineSplitter(max_line)
        self._watching = False
        self._done = False
        self.eof_seen = asyncio.Event()
        self.direct: Callable[[Frame], bool] | None = None
        self._watch(True)

    def waiting(self) -> bool:
        return not self._inbox.empty()

    async def get(self) -> Frame | None:
        frame = await self._inbox.get()
        if not self._done and self._inbox.qsize() < self._limit:
            self._watch(True)
        return frame

    def stop(self) -> None:
        self._done = True
        self._watch(False)

    def _taken_directly(self, frame: Frame) -> bool:
        return self.direct is not None and self._inbox.empty() and self.direct(frame)

    def _watch(self, on: bool) -> None:
        if on and not self._watching:
            self._loop.add_reader(self._fd, self._on_readable)
        elif not on and self._watching:
            self._loop.remove_reader(self._fd)
        self._watching = on

    def _on_readable(self) -> None:
        try:
            chunk = os.read(self._fd, READ_CHUNK)  # readable: returns without blocking
        except BlockingIOError:
            return
        except OSError as exc:
            _log.warning("stdin read failed: %s", exc)
            chunk = b""
        if not chunk:
            self._put([*self._splitter.finish(), None])
            self.eof_seen.set()
            self.stop()
            return
        frames = self._splitter.feed(chunk)
        if len(frames) == 1 and self._taken_directly(frames[0]):
            return
        self._put(frames)
        if self._inbox.qsize() >= self._limit:
            self._watch(False)  # backpressure: the parent's writes block until we catch up

    def _put(self, frames: Sequence[Frame | None]) -> None:
        for frame in frames:
            self._inbox.put_nowait(frame)


class _LoopWriter:
    """Non-blocking stdout; what the parent has not read yet waits here, never in the loop.

    Frames written during one turn of the loop leave together, in one `writev` call at the end
    of it: at exit thousands of answers come at once, and one system call each (and one
    wake-up of the reading parent each) cost more than making them. A frame written when none
    has left for `_COALESCE_S` (an answer to a lone request, the usual case) leaves at once:
    waiting for the end of the turn cost the loop one more turn per answer.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, fd: int, closed: asyncio.Event, room: _Room
    ):
        self._loop, self._fd, self._closed, self._room = loop, fd, closed, room
        os.set_blocking(fd, False)  # our private dup; the parent holds the other end
        self._pending: collections.deque[memoryview] = collections.deque()
        self._drained = asyncio.Event()
        self._drained.set()
        self._watching = False  # waiting for the pipe to take more
        self._flushed_at = -math.inf  # loop time of the last flush

    def write(self, frame: tuple[Part, ...]) -> None:
        idle = not self._pending
        for part in frame:
            self._pending.append(memoryview(part))
        self._room.add(_size(frame))
        if idle and not self._watching:
            self._drained.clear()
            if self._loop.time() - self._flushed_at > _COALESCE_S:
                self._flush()
            else:
                self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flushed_at = self._loop.time()
        while self._pending:
            try:
                sent = os.writev(self._fd, list(itertools.islice(self._pending, _IOV_MAX)))
            except BlockingIOError:
                break
            except OSError as exc:  # BrokenPipeError above all: the host is gone
                self._lost(exc)
                return
            self._room.sent(sent)
            self._consume(sent)
        self._watch(bool(self._pending))
        if not self._pending:
            self._drained.set()

    def _consume(self, sent: int) -> None:
        while sent:
            view = self._pending[0]
            if sent < len(view):
                self._pending[0] = view[sent:]
                return
            sent -= len(view)
            self._pending.popleft()

    def _watch(self, on: bool) -> None:
        if on and not self._watching:
            self._loop.add_writer(self._fd, self._flush)
        elif not on and self._watching:
            self._loop.remove_writer(self._fd)
        self._watching = on

    def _lost(self, exc: OSError) -> None:
        _log.info("stdout closed by the peer: %s", exc)
        self._pending.clear()
        self._room.sent(self._room.pending)
        self._watch(False)
        self._closed.set()
        self._drained.set()

    async def close(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._drained.wait(), timeout_s)
        except TimeoutError:
            _log.warning("stdout flush timed out; dropping unsent frames")
            self._watch(False)
            return
        with contextlib.suppress(OSError):
            os.set_blocking(self._fd, True)  # as we found it, for anyone sharing the pipe
        os.close(self._fd)  # the parent sees EOF on our stdout


# -- the thread pair (Windows, terminals, files) -------------------------------------------------


def _start_thread(target: Callable[..., None], *args: object, name: str) -> None:
    threading.Thread(target=target, args=args, name=name, daemon=True).start()


class _ThreadReader:
    """A daemon thread reading stdin, blocking on the loop's bounded queue for backpressure."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, max_line: int, limit: int):
        self._loop, self._fd = loop, fd
        self._inbox: asyncio.Queue[Frame | None] = asyncio.Queue(limit)
        self.eof_seen = asyncio.Event()
        _start_thread(self._read_loop, max_line, name="rpc-stdin")

    def waiting(self) -> bool:
        return not self._inbox.empty()

    async def get(self) -> Frame | None:
        return await self._inbox.get()

    def stop(self) -> None:
        """The thread ends at EOF or when the loop is gone; nothing to do."""

    def _read_loop(self, max_line: int) -> None:
        try:
            for frame in iter_frames(lambda n: os.read(self._fd, n), max_line):
                if not self._hand_over(frame):
                    return
        except OSError as exc:
            _log.warning("stdin read failed: %s", exc)
        with contextlib.suppress(RuntimeError):  # the loop is gone
            self._loop.call_soon_threadsafe(self.eof_seen.set)
        self._hand_over(None)

    def _hand_over(self, frame: Frame | None) -> bool:
        """Put a frame on the loop's bounded queue, blocking this thread for backpressure."""
        try:
            put = asyncio.run_coroutine_threadsafe(self._inbox.put(frame), self._loop)
            put.result()
        except (RuntimeError, concurrent.futures.CancelledError):
            return False  # the loop is gone
        return True


class _ThreadWriter:
    """One writer thread, so a slow parent never blocks the event loop."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, fd: int, closed: asyncio.Event, room: _Room
    ):
        self._loop, self._fd, self._closed, self._room = loop, fd, closed, room
        self._outbox: queue.SimpleQueue[tuple[Part, ...] | None] = queue.SimpleQueue()
        self._done = asyncio.Event()
        _start_thread(self._write_loop, name="rpc-stdout")

    def write(self, frame: tuple[Part, ...]) -> None:
        self._room.add(_size(frame))
        self._outbox.put(frame)

    async def close(self, timeout_s: float) -> None:
        self._outbox.put(None)
        try:
            await asyncio.wait_for(self._done.wait(), timeout_s)
        except TimeoutError:
            _log.warning("stdout flush timed out; dropping unsent frames")
            return
        os.close(self._fd)  # the parent sees EOF on our stdout

    def _write_loop(self) -> None:
        while (frame := self._outbox.get()) is not None:
            written = all(self._write_all(part) for part in frame)
            with contextlib.suppress(RuntimeError):  # loop already closed
                self._loop.call_soon_threadsafe(self._room.sent, _size(frame))
            if not written:
                self._signal(self._closed)
                break
        self._signal(self._done)

    def _write_all(self, part: Part) -> bool:
        view = memoryview(part)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:  # BrokenPipeError above all: the host is gone
            _log.info("stdout closed by the peer: %s", exc)
            return False
        return True

    def _signal(self, event: asyncio.Event) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed
            self._loop.call_soon_threadsafe(event.set)


def _size(frame: tuple[Part, ...]) -> int:
    return sum(map(len, frame))


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
