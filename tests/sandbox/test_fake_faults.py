"""Every fault action is observable from a real aiohttp client over HTTPS."""

from __future__ import annotations

import asyncio
import gzip
import time

import aiohttp
import pytest

from tests.fakes.tracker import HEADERS, FakeTrackerServer
from tests.sandbox.conftest import Api


async def _fetch(
    server: FakeTrackerServer, path: str = "/v3/myself", limit_s: float = 5.0
) -> bytes:
    limits = aiohttp.ClientTimeout(total=limit_s)
    async with aiohttp.ClientSession(headers=HEADERS, timeout=limits) as session:
        async with session.get(server.url + path, ssl=server.client_ssl()) as response:
            return await response.read()


async def test_status_headers_and_json_body_then_normal_again(
    api: Api, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.faults.add(
        "GET",
        r"/myself$",
        status=429,
        headers={"Retry-After": "2"},
        body={"errors": {}, "errorMessages": ["slow down"], "statusCode": 429},
    )
    first = await api("GET", "/v3/myself")
    assert (first.status, first.headers["Retry-After"]) == (429, "2")
    assert first.json()["errorMessages"] == ["slow down"]
    assert (await api("GET", "/v3/myself")).status == 200


async def test_html_body_and_times(api: Api, fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add(
        "*", r"/myself$", status=502, body="<html><body>Bad Gateway</body></html>", times=2
    )
    for _ in range(2):
        reply = await api("GET", "/v3/myself")
        assert reply.status == 502
        assert reply.headers["Content-Type"].startswith("text/html")
    assert (await api("GET", "/v3/myself")).status == 200


async def test_faults_match_method_and_path(api: Api, fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add("POST", r"/myself$", status=500)
    assert (await api("GET", "/v3/myself")).status == 200
    assert len(fake_tracker.faults.pending()) == 1


async def test_delay_then_normal_answer(api: Api, fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add("GET", r"/myself$", delay_s=0.3)
    started = time.monotonic()
    reply = await api("GET", "/v3/myself")
    assert reply.status == 200
    assert time.monotonic() - started >= 0.3


async def test_reset_before_headers(fake_tracker: FakeTrackerServer) -> None:
    # aiohttp itself retries an idempotent request once after a disconnect, hence times=2.
    fake_tracker.faults.add("GET", r"/myself$", action="reset_before_headers", times=2)
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await _fetch(fake_tracker)
    assert len(fake_tracker.requests_to("GET", r"/myself$")) == 2


@pytest.mark.parametrize("action", ["reset_after_headers", "truncate_body"])
async def test_body_cut_short(fake_tracker: FakeTrackerServer, action: str) -> None:
    fake_tracker.faults.add("GET", r"/myself$", action=action)  # type: ignore[arg-type]
    with pytest.raises((aiohttp.ClientPayloadError, aiohttp.ClientOSError)):
        await _fetch(fake_tracker)


async def test_stall_body_times_out(fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add("GET", r"/myself$", action="stall_body")
    with pytest.raises(asyncio.TimeoutError):
        await _fetch(fake_tracker, limit_s=0.5)
    # The client's TLS close needs a few loop turns; without them its socket outlives the loop.
    await asyncio.sleep(0.2)


async def test_hold_answers_for_real_once_released(
    api: Api, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.faults.add("GET", r"/myself$", action="hold")
    held = asyncio.ensure_future(api("GET", "/v3/myself"))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(held), 0.5)
    assert fake_tracker.requests_to("GET", r"/myself$")  # arrived, and held
    fake_tracker.faults.release()
    reply = await held
    assert reply.status == 200 and reply.json()["login"] == "alice"


async def test_malformed_json_and_empty_200(api: Api, fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add("GET", r"/myself$", action="malformed_json")
    fake_tracker.faults.add("GET", r"/myself$", action="empty_200")
    broken = await api("GET", "/v3/myself")
    assert broken.status == 200
    with pytest.raises(ValueError):
        broken.json()
    empty = await api("GET", "/v3/myself")
    assert (empty.status, empty.body) == (200, b"")


async def test_redirect_to_another_host(api: Api, fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add(
        "GET", r"/attachments/", action="redirect", location="https://evil.example/steal"
    )
    reply = await api("GET", "/v3/issues/TEST-1/attachments/302/server.log")
    assert (reply.status, reply.headers["Location"]) == (302, "https://evil.example/steal")


def test_reset_clears_faults_and_log(fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add("GET", r".*", status=500)
    fake_tracker.reset()
    assert fake_tracker.faults.pending() == []
    assert fake_tracker.requests == []


async def test_echo_repeats_the_request_secrets_and_remembers_them(
    api: Api, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.faults.add("GET", r"/myself$", action="echo", status=403)
    reply = await api("GET", "/v3/myself")
    assert (reply.status, reply.headers["X-Request-Id"]) == (403, HEADERS["Authorization"])
    assert reply.json()["errors"]["authorization"] == HEADERS["Authorization"]
    fake_tracker.faults.add("POST", r"/oauth/token$", action="echo", status=400)
    form = {"grant_type": "refresh_token", "refresh_token": "1:R-x", "client_secret": "s3cret"}
    reply = await api("POST", "/oauth/token", headers={}, data=form)
    body = reply.json()
    assert (reply.status, body["error"]) == (400, "1:R-x")
    assert "s3cret" in body["error_description"] and "s3cret" in body["errorMessages"]
    assert fake_tracker.faults.echoed == ["test-token", "1:R-x", "s3cret"]


async def test_gzip_bomb_inflates_to_its_size(api: Api, fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add("GET", r"/myself$", action="gzip", body=b"ab", size=5 << 20)
    async with aiohttp.ClientSession(auto_decompress=False) as raw:
        async with raw.get(fake_tracker.url + "/v3/myself", ssl=fake_tracker.client_ssl()) as r:
            assert r.headers["Content-Encoding"] == "gzip"
            wire = await r.read()
    assert len(wire) < 64 * 1024
    assert gzip.decompress(wire) == b"ab" * (5 << 19)


async def test_trickle_body_never_pauses_long(fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.faults.add("GET", r"/myself$", action="trickle_body", interval_s=0.05)
    limits = aiohttp.ClientTimeout(sock_read=0.5)
    got = b""
    async with aiohttp.ClientSession(headers=HEADERS, timeout=limits) as session:
        async with session.get(fake_tracker.url + "/v3/myself", ssl=fake_tracker.client_ssl()) as r:
            assert r.content_length is None
            while len(got) < 10:
                got += await r.content.readany()
    assert got.startswith(b"x" * 10)
    fake_tracker.faults.release()
