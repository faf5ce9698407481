"""NDJSON framing: one JSON value per line, in bytes.

Owns splitting a byte stream into lines (with a size cap that never buffers an oversize line
whole) and the newline that ends each message written (`frame_message`): the endpoint hands a
transport whole encoded messages (in one or more parts), and a transport that speaks NDJSON
frames them here. Must not know JSON-RPC: it never looks inside a line, so invalid UTF-8
passes through untouched for the layer above to reject.
"""

import enum
from collections.abc import Callable, Iterator
from typing import Final

DEFAULT_MAX_LINE: Final = 64 * 1024 * 1024
READ_CHUNK: Final = 64 * 1024


class Oversized(enum.Enum):
    """Marker for a line longer than the limit (its bytes were skipped)."""

    OVERSIZED = "oversized"


OVERSIZED: Final = Oversized.OVERSIZED

Frame = bytes | Oversized


class LineSplitter:
    """Incremental line splitter: feed chunks, get complete non-blank lines back."""

    def __init__(self, max_line: int = DEFAULT_MAX_LINE) -> None:
        self._max_line = max_line
        self._buffer = bytearray()
        self._skipping = False

    def feed(self, chunk: bytes) -> list[Frame]:
        """Add bytes; return the frames they complete."""
        end = chunk.find(b"\n")
        if end == len(chunk) - 1 and not self._buffer and not self._skipping:
            # One whole line in one read, nothing held over (a lone request, the usual case):
            # taken as it is, without the copies into and out of the buffer.
            if end > self._max_line:
                return [OVERSIZED]
            lone: list[Frame] = []
            _complete(chunk[:end], lone)
            return lone
        frames: list[Frame] = []
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            self._take(chunk[start:end], frames, complete=True)
            start = end + 1
        self._take(chunk[start:], frames, complete=False)
        return frames

    def finish(self) -> list[Frame]:
        """End of stream: a last line without a newline still counts."""
        frames: list[Frame] = []
        self._take(b"", frames, complete=True)
        return frames

    def _take(self, piece: bytes, frames: list[Frame], *, complete: bool) -> None:
        if not self._skipping:
            self._buffer += piece
            if len(self._buffer) > self._max_line:
                frames.append(OVERSIZED)
                self._buffer.clear()
                self._skipping = True
        if not complete:
            return
        if not self._skipping:
            self._emit(frames)
        self._skipping = False

    def _emit(self, frames: list[Frame]) -> None:
        line = bytes(self._buffer)
        self._buffer.clear()
        _complete(line, frames)


def _complete(line: bytes, frames: list[Frame]) -> None:
    """A whole line, its newline gone: without a CR before it, kept unless blank."""
    if line.endswith(b"\r"):
        line = line[:-1]
    if line.strip():
        frames.append(line)


def iter_frames(read: Callable[[int], bytes], max_line: int = DEFAULT_MAX_LINE) -> Iterator[Frame]:
    """Frames from a blocking `read(n)` that returns b"" at end of stream."""
    splitter = LineSplitter(max_line)
    while chunk := read(READ_CHUNK):
        yield from splitter.feed(chunk)
    yield from splitter.finish()


Part = bytes | memoryview
"""A piece of an outgoing message; a message may be written as several, never joined."""

NEWLINE: Final = b"\n"


def frame_message(*parts: Part) -> tuple[Part, ...]:
    """One line: the parts of an encoded message, in order, then the newline.

    Never joined: an answer of many megabytes (an image preview) is written from the buffers it
    was encoded into, not copied once more to add one byte. The message is compact JSON from
    msgspec, which escapes control characters, so it holds no newline of its own.
    """
    return (*parts, NEWLINE)
