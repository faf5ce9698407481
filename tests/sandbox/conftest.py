"""Fixtures for testing the sandbox Tracker itself: `api`, a tiny HTTPS client bound to it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from tests.fakes.tracker import HEADERS, FakeTrackerServer


@dataclass
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """Requests to the fake with the default token and org header unless `headers` replaces them."""

    def __init__(self, session: aiohttp.ClientSession, server: FakeTrackerServer) -> None:
        self.session, self.server = session, server

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Reply:
        url = path if path.startswith("http") else self.server.url + path
        sent = HEADERS if headers is None else headers
        async with self.session.request(
            method, url, headers=sent, ssl=self.server.client_ssl(), allow_redirects=False, **kwargs
        ) as response:
            return Reply(response.status, response.headers, await response.read())


@pytest.fixture
async def api(fake_tracker: FakeTrackerServer) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, fake_tracker)
