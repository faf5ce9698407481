"""A tiny real HTTPS server (aiohttp.web + a trustme CA) for the client's component tests.

Each test routes the few paths it needs; every request is recorded with its arrival time on
the loop clock. Used until the shared fake Tracker covers these fault shapes.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from aiohttp import web
from multidict import CIMultiDict

from sidecar.errors import NotAuthenticated
from sidecar.tracker.auth import Credentials
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.config import ClientConfig
from sidecar.tracker.retry import RetryPolicy

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    method: str
    path_qs: str
    headers: CIMultiDict[str]
    at: float


@dataclass
class MiniServer:
    url: str = ""
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def reply(self, method: str, path: str, *responses: web.Response) -> None:
        """Answer with `responses` in order, repeating the last one."""
        queue = list(responses)

        async def handler(_request: web.Request) -> web.Response:
            template = queue.pop(0) if len(queue) > 1 else queue[0]
            # A Response can be sent once; serve a copy so templates may repeat.
            body = template.body if isinstance(template.body, bytes) else b""
            return web.Response(status=template.status, body=body, headers=template.headers)

        self.route(method, path, handler)

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path_qs.split("?")[0] == path]


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


async def _serve(ca: trustme.CA) -> AsyncIterator[MiniServer]:
    server = MiniServer()

    @web.middleware
    async def dispatch(request: web.Request, handler: Handler) -> web.StreamResponse:
        loop_time = asyncio.get_running_loop().time()
        server.requests.append(
            Seen(request.method, request.path_qs, CIMultiDict(request.headers), loop_time)
        )
        del handler  # the app has no routes of its own; tests route through `server`
        routed = server.routes.get((request.method, request.path))
        if routed is None:
            return web.Response(status=404, text=f"no route {request.method} {request.path}")
        return await routed(request)

    app = web.Application(middlewares=[dispatch], client_max_size=64 * 1024 * 1024)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"https://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.fixture
async def server(ca: trustme.CA) -> AsyncIterator[MiniServer]:
    async for s in _serve(ca):
        yield s


@pytest.fixture
async def other_server(ca: trustme.CA) -> AsyncIterator[MiniServer]:
    """A second origin (different port) for cross-origin checks."""
    async for s in _serve(ca):
        yield s


class FakeCredentials:
    """A session in memory; `refresh_to` is what `refreshed()` hands out (None = cannot)."""

    def __init__(self, creds: Credentials | None, refresh_to: Credentials | None = None):
        self.creds = creds
        self.refresh_to = refresh_to
        self.refresh_calls: list[Credentials] = []

    async def require(self) -> None:
        await self.current()

    async def current(self) -> Credentials:
        if self.creds is None:
            raise NotAuthenticated()
        return self.creds

    async def refreshed(self, stale: Credentials) -> Credentials | None:
        self.refresh_calls.append(stale)
        if self.refresh_to is not None:
            self.creds = self.refresh_to
        return self.refresh_to


TOKEN = "y0_test-token-SECRET"


@pytest.fixture
def creds() -> FakeCredentials:
    return FakeCredentials(Credentials(TOKEN, "oauth", "1234567", "yandex360"))


@pytest.fixture
async def make_client(
    server: MiniServer, ca_file: str, creds: FakeCredentials
) -> AsyncIterator[Callable[..., TrackerClient]]:
    made: list[TrackerClient] = []

    def make(**overrides: object) -> TrackerClient:
        options: dict[str, object] = {
            "api_base_url": server.url,
            "oauth_base_url": server.url,
            "ca_file": ca_file,
            "cooldown_s": 0.0,
            "user_agent": "ytracker-sidecar/test",
            "retry": RetryPolicy(sleep_scale=0),
        }
        options.update(overrides)
        provider = options.pop("credentials", creds)
        client = TrackerClient(
            ClientConfig(**options),  # type: ignore[arg-type]
            provider,  # type: ignore[arg-type]
            logger=logging.getLogger("test.tracker"),
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def client(make_client: Callable[..., TrackerClient]) -> TrackerClient:
    return make_client()


def write_file(path: Path, size: int) -> bytes:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(data)
    return data
