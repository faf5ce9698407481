"""The transport seam between the endpoint and the bytes, plus an in-memory twin for tests.

Owns the `Transport` protocol: read whole frames, write whole messages (the transport frames
them: NDJSON adds the newline), close, and a `closed` event for "the peer is gone". The app
serves whatever transport it is given (`App.serve(transport)`, stdio by default).
Must not know JSON-RPC.
"""

import asyncio
from collections.abc import Callable
from typing import Protocol

from sidecar.rpc.framing import Frame, Part, frame_message


class Transport(Protocol):
    """Frame-level duplex channel used by the endpoint."""

    closed: asyncio.Event
    """Set when the peer can no longer receive (broken pipe): nobody is listening."""

    async def read(self) -> Frame | None:
        """The next frame or OVERSIZED marker; None at end of input."""
        ...

    def deliver_to(self, receive: Callable[[Frame], None] | None) -> None:
        """Hand frames that can be taken at once to `receive` as they arrive, in order with
        those `read` returns; None: everything through `read` again.

        A transport may ignore it: `read` returns every frame not handed over.
        """
        ...

    def write(self, *parts: Part) -> None:
        """Queue one encoded message, the parts in order (the transport adds its framing).

        Never blocks the loop, and keeps the parts as given: they must not change afterwards.
        """
        ...

    async def close(self) -> None:
        """Flush what is queued (bounded wait) and release the channel."""
        ...


class MemoryTransport:
    """The NDJSON wire in memory: tests feed lines in and read newline-terminated lines out."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()
        self.frames: list[bytes] = []
        """Every frame written, in order."""
        self.is_closed = False
        self._inbox: asyncio.Queue[Frame | None] = asyncio.Queue()
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()

    def feed(self, frame: Frame) -> None:
        """Deliver one frame (a line without its newline) as if the peer sent it."""
        self._inbox.put_nowait(frame)

    def feed_eof(self) -> None:
        self._inbox.put_nowait(None)

    def deliver_to(self, receive: Callable[[Frame], None] | None) -> None:
        """Every frame goes through `read`: tests feed and then await as the peer would."""

    async def read(self) -> Frame | None:
        frame = await self._inbox.get()
        if frame is None:
            self._inbox.put_nowait(None)  # EOF stays EOF for later reads
        return frame

    def write(self, *parts: Part) -> None:
        frame = b"".join(frame_message(*parts))
        self.frames.append(frame)
        self._outbox.put_nowait(frame)

    async def next_frame(self) -> bytes:
        """Wait for the next frame written that no earlier call returned."""
        return await self._outbox.get()

    def pending(self) -> int:
        """How many written frames `next_frame` has not returned yet."""
        return self._outbox.qsize()

    async def close(self) -> None:
        self.is_closed = True
