"""A route table entry: endpoint modules list `Route`s relative to `/v2|v3`; `app.py` mounts them.

Owns: the `Route` record only. Must not know: any endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Route(NamedTuple):
    method: str
    path: str  # below the version prefix, e.g. "/issues/{key}"
    handler: Handler
