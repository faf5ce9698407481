"""Serving the sandbox on a socket: `start(state)` → `RunningServer` with a base URL.

Owns: the runner, the site and shutdown. Runs inside whatever event loop calls it (the sidecar's
own loop in `--demo`, a fixture thread's loop in tests). Must not know: threads or certificates;
the caller passes an `ssl_context` for HTTPS, or a `sock` it already listens on (`--demo` binds
one before the sandbox has loaded, so its URL is known at once).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

from aiohttp import web

from sidecar.sandbox.app import create_app
from sidecar.sandbox.state import TrackerState


@dataclass
class RunningServer:
    runner: web.AppRunner
    url: str  # e.g. "http://127.0.0.1:54321": clients append "/v3/..."
    state: TrackerState

    @property
    def oauth_url(self) -> str:
        return f"{self.url}/oauth"

    async def close(self) -> None:
        await self.runner.cleanup()


async def start(
    state: TrackerState,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_context: ssl.SSLContext | None = None,
    sock: socket.socket | None = None,
) -> RunningServer:
    # Handlers are cancelled when a client goes away, so a stalled fault never outlives it.
    runner = web.AppRunner(
        create_app(state), handler_cancellation=True, access_log=None, shutdown_timeout=1.0
    )
    await runner.setup()
    site: web.BaseSite
    if sock is not None:
        site = web.SockSite(runner, sock, ssl_context=ssl_context)
    else:
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    scheme = "https" if ssl_context else "http"
    return RunningServer(runner, f"{scheme}://{bound_host}:{bound_port}", state)
