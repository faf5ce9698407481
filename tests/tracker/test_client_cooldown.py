"""TrackerClient with a cooldown: the slot is taken inside aiohttp, once the connection is ready.

What that placement must not break: the time limit ignores the wait for the slot but still
ends a stalled answer, credentials are read after the wait (a refresh during it is used), and
interactive requests reach the server before queued background ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiohttp import web

from sidecar.errors import NotAuthenticated
from sidecar.tracker import errors
from sidecar.tracker.auth import Credentials
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.retry import RetryPolicy
from tests.tracker.conftest import TOKEN, FakeCredentials, MiniServer

MakeClient = Callable[..., TrackerClient]
GAP = 0.15


def ok() -> web.Response:
    return web.json_response({"ok": True})


async def test_waiting_for_the_slot_does_not_count_against_the_time_limit(
    server: MiniServer, make_client: MakeClient
) -> None:
    server.reply("GET", "/v3/myself", ok())
    once = RetryPolicy(max_attempts=1, sleep_scale=0)  # a timeout must not be retried away
    client = make_client(cooldown_s=GAP, request_timeout_s=2.5 * GAP, retry=once)
    # The fourth request waits about three gaps for its slot, longer than its time limit.
    answers = await asyncio.gather(*(client.request("GET", "/v3/myself") for _ in range(4)))
    assert [a.status for a in answers] == [200] * 4


async def test_a_stalled_answer_still_times_out(
    server: MiniServer, make_client: MakeClient
) -> None:
    server.route("GET", "/v3/myself", lambda _request: asyncio.sleep(5, ok()))
    policy = RetryPolicy(max_attempts=1, sleep_scale=0)
    client = make_client(cooldown_s=GAP, request_timeout_s=0.5, retry=policy)
    with pytest.raises(errors.RequestTimeout) as info:
        await client.request("GET", "/v3/myself")
    assert info.value.message.startswith("request timed out: ") and info.value.sent


async def test_credentials_are_read_after_the_wait(
    server: MiniServer, make_client: MakeClient, creds: FakeCredentials
) -> None:
    fresh = Credentials("y0_refreshed", "oauth", "1234567", "yandex360")

    async def first(_request: web.Request) -> web.Response:
        creds.creds = fresh  # a refresh lands while the second request waits for its slot
        return ok()

    server.route("GET", "/v3/myself", first)
    server.reply("GET", "/v3/issues/A-1", ok())
    client = make_client(cooldown_s=GAP)
    await asyncio.gather(
        client.request("GET", "/v3/myself"), client.request("GET", "/v3/issues/A-1")
    )
    tokens = [r.headers["Authorization"] for r in server.requests]
    assert tokens == [f"OAuth {TOKEN}", "OAuth y0_refreshed"]


async def test_interactive_requests_reach_the_server_before_queued_background_ones(
    server: MiniServer, make_client: MakeClient
) -> None:
    first_out = asyncio.Event()

    async def queues(_request: web.Request) -> web.Response:
        first_out.set()
        return ok()

    server.route("GET", "/v3/queues", queues)
    for path in ("/v3/users", "/v3/projects", "/v3/issues/A-1"):
        server.reply("GET", path, ok())
    client = make_client(cooldown_s=GAP)
    background = [
        asyncio.create_task(client.request("GET", path, background=True))
        for path in ("/v3/queues", "/v3/users", "/v3/projects")
    ]
    await first_out.wait()  # the first background request is out, the next one waits
    await client.request("GET", "/v3/issues/A-1")
    await asyncio.gather(*background)
    order = [r.path_qs for r in server.requests]
    assert order == ["/v3/queues", "/v3/issues/A-1", "/v3/users", "/v3/projects"]


async def test_no_session_fails_before_anything_is_sent_with_a_cooldown(
    server: MiniServer, make_client: MakeClient
) -> None:
    client = make_client(cooldown_s=GAP, credentials=FakeCredentials(None))
    with pytest.raises(NotAuthenticated):
        await client.request("GET", "/v3/myself")
    assert server.requests == []
