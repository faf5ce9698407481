"""The request log: every request the sandbox received, recorded before anything can fail it.

Owns: `RecordedRequest`, `RequestLog` and the outermost middleware that fills it. Must not know:
faults, auth or any endpoint. Appends happen on the server thread; readers on other threads get
copies (`list(log)`), which is safe under the GIL.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Middleware

if TYPE_CHECKING:  # multidict comes with aiohttp; the sandbox names only aiohttp at run time
    from multidict import CIMultiDict, MultiDict

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: MultiDict[str]
    headers: CIMultiDict[str]
    body: bytes
    started: float  # time.monotonic() at arrival

    def json(self) -> object:
        return json.loads(self.body)


class RequestLog:
    def __init__(self) -> None:
        self._items: list[RecordedRequest] = []

    def add(self, item: RecordedRequest) -> None:
        self._items.append(item)

    def clear(self) -> None:
        self._items.clear()

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def matching(self, method: str, path_regex: str) -> list[RecordedRequest]:
        pattern = re.compile(path_regex)
        wanted = method.upper()
        return [r for r in self if wanted in ("*", r.method) and pattern.search(r.path)]


def recorder(
    log: Callable[[], RequestLog],
) -> Middleware:
    """Middleware recording each request; `log` is looked up per request (reset swaps nothing)."""

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.monotonic()
        body = await request.read() if request.body_exists else b""
        log().add(
            RecordedRequest(
                request.method,
                request.path,
                request.rel_url.query.copy(),
                request.headers.copy(),
                body,
                started,
            )
        )
        return await handler(request)

    return record
