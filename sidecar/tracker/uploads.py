"""Request bodies streamed from disk: the multipart form of an attachment upload, with progress.

Owns: `file_form`, a fresh multipart body per send whose `file` part reads the file as aiohttp
writes it (opened again for every attempt, closed with the attempt's ExitStack), and reporting
bytes read to a progress callback on the event loop. Must not know: URLs, retries or
credentials; aiohttp is imported on first use, like everywhere in the client.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING

from sidecar.errors import LocalIOError

if TYPE_CHECKING:
    import aiohttp

ProgressCallback = Callable[[int, "int | None"], None]


class _ProgressReader(io.BufferedReader):
    """A file whose reads (done by aiohttp in worker threads) report bytes read so far."""

    def __init__(self, raw: io.FileIO, report: Callable[[int], None]) -> None:
        super().__init__(raw)
        self._report = report
        self._done = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self._done += len(chunk)
        self._report(self._done)
        return chunk


def file_form(
    file_path: str,
    filename: str,
    content_type: str,
    progress: ProgressCallback | None,
    stack: ExitStack,
) -> aiohttp.FormData:
    """A multipart body whose `file` part streams from a freshly opened file.

    Raises:
        LocalIOError: the file cannot be opened.
    """
    import aiohttp  # deferred: see `client.map_aiohttp_errors`

    try:
        raw = io.FileIO(file_path, "rb")
    except OSError as exc:
        raise LocalIOError(f"io error: {exc.strerror}: {file_path}") from exc
    total = os.fstat(raw.fileno()).st_size
    report = _threadsafe_reporter(progress, total)
    reader = stack.enter_context(_ProgressReader(raw, report))
    # Raw UTF-8 in Content-Disposition, as browsers send it; only quotes and breaks escaped.
    safe_name = filename.replace('"', "%22").replace("\r", " ").replace("\n", " ")
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("file", reader, filename=safe_name, content_type=content_type)
    return form


def _threadsafe_reporter(progress: ProgressCallback | None, total: int) -> Callable[[int], None]:
    if progress is None:
        return lambda _done: None
    loop = asyncio.get_running_loop()

    def report(done: int) -> None:
        loop.call_soon_threadsafe(progress, done, total)

    return report
