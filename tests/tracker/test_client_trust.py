"""The client against hostile servers (issue 14): redirects of OAuth forms, credentials that
follow redirects home, Retry-After values, bodies that inflate without end, echoed secrets,
bodies that trickle, URLs and credentials that cannot be sent.

Every server here is a real HTTPS server on loopback (`tests/tracker/conftest.py`).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from sidecar.errors import InvalidInput, NotAuthenticated
from sidecar.tracker import errors, oauth
from sidecar.tracker.auth import Credentials
from sidecar.tracker.bodies import MAX_BODY, MAX_ERROR_BODY
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.redaction import REDACTED
from sidecar.tracker.retry import RetryPolicy
from tests.tracker.conftest import TOKEN, FakeCredentials, MiniServer

MakeClient = Callable[..., TrackerClient]
REDIRECTS = [301, 302, 303, 307, 308]
CODE, CLIENT_SECRET, REFRESH = "7654321", "client-SECRET-value", "1:refresh-SECRET"


def ok() -> web.Response:
    return web.json_response({"ok": True})


def redirect(status: int, location: str) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


# -- 1: no OAuth form follows a redirect --------------------------------------------------


@pytest.mark.parametrize("status", REDIRECTS)
@pytest.mark.parametrize("grant", ["code", "refresh"])
async def test_an_oauth_form_never_follows_a_redirect(
    server: MiniServer, other_server: MiniServer, client: TrackerClient, status: int, grant: str
) -> None:
    """Not to another host (the secrets would go there), nor on the same one."""
    other_server.reply("POST", "/token", web.json_response({"access_token": "y0_stolen"}))
    other_server.reply("GET", "/token", web.json_response({"access_token": "y0_stolen"}))
    server.reply("POST", "/token", redirect(status, other_server.url + "/token"))
    with pytest.raises(errors.RedirectRefused) as info:
        if grant == "code":
            await oauth.exchange_code(client, CODE, "cid", CLIENT_SECRET)
        else:
            await oauth.refresh_token(client, REFRESH, "cid", CLIENT_SECRET)
    assert other_server.requests == []
    assert len(server.requests) == 1
    exc = info.value
    assert (exc.kind, exc.status, exc.data().retryable) == ("invalid", status, False)
    assert "127.0.0.1" in exc.message and "--oauth-base-url" in exc.message


async def test_a_same_host_redirect_of_the_token_endpoint_is_refused_too(
    server: MiniServer, client: TrackerClient
) -> None:
    server.reply("POST", "/token", redirect(308, "/token2"))
    server.reply("POST", "/token2", web.json_response({"access_token": "y0_x"}))
    with pytest.raises(errors.RedirectRefused):
        await oauth.exchange_code(client, CODE, "cid", CLIENT_SECRET)
    assert [r.path_qs for r in server.requests] == ["/token"]


# -- 11: credentials only on requests the sidecar addressed to the API --------------------


async def test_a_redirect_from_another_host_into_the_api_gets_no_credentials(
    server: MiniServer, other_server: MiniServer, client: TrackerClient
) -> None:
    other_server.reply("GET", "/img", redirect(302, server.url + "/v3/issues/TEST-1"))
    server.reply("GET", "/v3/issues/TEST-1", web.Response(body=b"not for you"))
    resp = await client.request("GET", other_server.url + "/img", binary=True)
    assert resp.body == b"not for you"
    [home] = server.requests
    assert "Authorization" not in home.headers and "X-Org-ID" not in home.headers


async def test_a_round_trip_through_another_host_loses_the_credentials_for_good(
    server: MiniServer, other_server: MiniServer, client: TrackerClient
) -> None:
    """API → storage → API: the first hop carries the token, the way back does not."""
    server.reply("GET", "/v3/att/1", redirect(302, other_server.url + "/bounce"))
    other_server.reply("GET", "/bounce", redirect(307, server.url + "/v3/att/2"))
    server.reply("GET", "/v3/att/2", web.Response(body=b"data"))
    assert (await client.request("GET", "/v3/att/1", binary=True)).body == b"data"
    first, back = server.requests
    assert first.headers["Authorization"] == f"OAuth {TOKEN}"
    assert "Authorization" not in back.headers and "X-Org-ID" not in back.headers
    assert "Authorization" not in other_server.requests[0].headers


async def test_same_origin_redirects_keep_the_credentials(
    server: MiniServer, client: TrackerClient
) -> None:
    server.reply("GET", "/v3/a", redirect(307, "/v3/b"))
    server.reply("GET", "/v3/b", ok())
    await client.request("GET", "/v3/a")
    assert [r.headers.get("Authorization") for r in server.requests] == [f"OAuth {TOKEN}"] * 2


# -- 5, 12: Retry-After parsed, capped and shared ---------------------------------------------


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf", "1e308", "-5", "soon"])
async def test_an_unusable_retry_after_is_ignored(
    server: MiniServer, client: TrackerClient, value: str
) -> None:
    """`inf` ended as an OverflowError (-32603) when the error's data was built; NaN went into
    the event loop's timer heap."""
    server.reply("GET", "/v3/myself", web.Response(status=429, headers={"Retry-After": value}))
    with pytest.raises(errors.RateLimited) as info:
        await client.request("GET", "/v3/myself")
    assert info.value.retry_after_s is None
    assert info.value.data().retry_after_ms is None
    assert len(server.requests) == 4  # retried with backoff, as without the header


@pytest.mark.parametrize(
    ("value", "ms"), [("21", 21_000), ("86400", 86_400_000), ("9" * 40, 86_400_000)]
)
async def test_a_long_retry_after_is_answered_at_once_with_retry_after_ms(
    server: MiniServer, make_client: MakeClient, value: str, ms: int
) -> None:
    """No call is held for minutes: beyond 20 s the caller hears at once how long to wait."""
    server.reply("GET", "/v3/myself", web.Response(status=429, headers={"Retry-After": value}))
    client = make_client(retry=RetryPolicy())  # real sleeps: a wait would hang this test
    with pytest.raises(errors.RateLimited) as info:
        await asyncio.wait_for(client.request("GET", "/v3/myself"), 15)
    assert info.value.data().retry_after_ms == ms
    assert info.value.data().kind == "rate_limited"
    assert len(server.requests) == 1


@pytest.mark.parametrize("cooldown_s", [0.0, 0.01])
async def test_a_429_holds_every_request_back_not_only_its_own(
    server: MiniServer, make_client: MakeClient, cooldown_s: float
) -> None:
    """While one call waits out Retry-After, another call must not hit Tracker either."""
    got_429 = asyncio.Event()

    async def limited(_request: web.Request) -> web.Response:
        if not got_429.is_set():
            got_429.set()
            return web.Response(status=429, headers={"Retry-After": "1"})
        return ok()

    server.route("GET", "/v3/limited", limited)
    server.reply("GET", "/v3/other", ok())
    client = make_client(retry=RetryPolicy(), cooldown_s=cooldown_s)
    first = asyncio.create_task(client.request("GET", "/v3/limited"))
    await got_429.wait()
    await asyncio.sleep(0.05)  # the 429 has been read: the hold is in place
    await client.request("GET", "/v3/other")
    await first
    limited_at = server.seen("/v3/limited")[0].at
    other_at = server.seen("/v3/other")[0].at
    assert other_at - limited_at >= 1.0 - 0.02, other_at - limited_at


async def test_a_held_request_does_not_spend_its_time_limit_waiting(
    server: MiniServer, make_client: MakeClient
) -> None:
    """The hold counts as a cooldown wait: a 0.5 s limit is not used up by a 1 s hold."""
    server.reply("GET", "/v3/limited", web.Response(status=429, headers={"Retry-After": "1"}))
    server.reply("GET", "/v3/other", ok())
    client = make_client(retry=RetryPolicy(max_attempts=1), request_timeout_s=0.5)
    with pytest.raises(errors.RateLimited):
        await client.request("GET", "/v3/limited")
    assert (await client.request("GET", "/v3/other")).status == 200


async def test_an_oauth_429_does_not_hold_tracker_requests(
    server: MiniServer, make_client: MakeClient
) -> None:
    server.reply("POST", "/token", web.Response(status=429, headers={"Retry-After": "20"}))
    server.reply("GET", "/v3/other", ok())
    client = make_client(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(errors.RateLimited):
        await oauth.exchange_code(client, CODE, "cid", CLIENT_SECRET)
    await asyncio.wait_for(client.request("GET", "/v3/other"), 5)


# -- 3: bodies are read within a cap ------------------------------------------------------------


def gzip_bomb(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b'"' + b"a" * ((1 << 20) - 1)
    parts = [compressor.compress(block) for _ in range(size >> 20)]
    return b"".join([*parts, compressor.flush()])


async def test_a_json_gzip_bomb_stops_at_the_cap(server: MiniServer, client: TrackerClient) -> None:
    bomb = gzip_bomb(MAX_BODY + (8 << 20))
    assert len(bomb) < MAX_BODY // 500
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    server.reply("GET", "/v3/issues", web.Response(body=bomb, headers=headers))
    with pytest.raises(errors.DecodeError) as info:
        await client.request("GET", "/v3/issues")
    assert info.value.message == (
        f"unexpected error: the response body is too large (more than {MAX_BODY} bytes; "
        "the limit is 32 MiB)"
    )
    assert info.value.status == 200


async def test_a_declared_oversize_body_is_refused_before_it_is_read(
    server: MiniServer, client: TrackerClient
) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = MAX_BODY + 1
        await response.prepare(request)
        await response.write(b"[" + b" " * 1000)
        await asyncio.sleep(30)  # never sends the rest: the client must not wait for it
        return response

    server.route("GET", "/v3/issues", huge)
    with pytest.raises(errors.DecodeError, match=rf"too large \({MAX_BODY + 1} bytes;"):
        await asyncio.wait_for(client.request("GET", "/v3/issues"), 10)


async def test_a_page_just_under_the_cap_is_read(server: MiniServer, client: TrackerClient) -> None:
    page = json.dumps(["x" * 1000] * 2000).encode()
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    server.reply("GET", "/v3/issues", web.Response(body=gzip.compress(page), headers=headers))
    assert (await client.request("GET", "/v3/issues")).json(list[str]) == ["x" * 1000] * 2000


async def test_a_huge_error_body_is_cut_for_the_message(
    server: MiniServer, client: TrackerClient
) -> None:
    body = gzip_bomb(64 << 20)
    headers = {"Content-Encoding": "gzip", "Content-Type": "text/html"}
    server.reply("GET", "/v3/myself", web.Response(status=500, body=body, headers=headers))
    with pytest.raises(errors.ServerError) as info:
        await client.request("GET", "/v3/myself")
    prefix = "http 500 Internal Server Error: "
    assert info.value.message == prefix + '"' + "a" * (MAX_ERROR_BODY - 1) + "…"


# -- 4: secrets a server echoes are redacted -----------------------------------------------------


def echo_handler(status: int) -> Callable[[web.Request], Any]:
    async def echo(request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        form = dict(await request.post()) if request.method == "POST" else {}
        said = f"you sent {auth} and {json.dumps(form)} ({form.get('code')})"
        body = {
            "errors": {auth: said, "form": form},
            "errorMessages": [said, str(form.get("client_secret"))],
            "code": auth or str(form.get("refresh_token")),
            "error": str(form.get("code") or form.get("refresh_token")),
            "error_description": said + " " + request.query_string,
            "statusCode": status,
        }
        return web.json_response(body, status=status, headers={"X-Request-Id": auth or said})

    return echo


def assert_no_secret(exc: Exception, *secrets: str) -> None:
    data = exc.data()  # type: ignore[attr-defined]
    texts = [exc.args[0], exc.message, json.dumps(data.errors), *data.error_messages]  # type: ignore[attr-defined]
    texts += [data.tracker_code or "", data.request_id or ""]
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text)
    assert REDACTED in exc.message  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429, 500, 503])
async def test_an_echoed_token_is_redacted_from_every_field(
    server: MiniServer, client: TrackerClient, status: int
) -> None:
    server.route("GET", "/v3/myself", echo_handler(status))
    with pytest.raises(errors.HTTPStatusError) as info:
        await client.request("GET", "/v3/myself")
    assert_no_secret(info.value, TOKEN)
    assert "OAuth [redacted]" in info.value.message


async def test_an_echoed_token_is_redacted_from_binary_errors(
    server: MiniServer, client: TrackerClient
) -> None:
    server.route("GET", "/v3/att/1/f.png", echo_handler(404))
    with pytest.raises(errors.NotFound) as info:
        async with client.stream("/v3/att/1/f.png"):
            pass
    assert_no_secret(info.value, TOKEN)


async def test_a_token_refused_then_refreshed_is_redacted_too(
    server: MiniServer, make_client: MakeClient
) -> None:
    """Both the stale token (the first 401) and the fresh one (the second) are known."""
    fresh = Credentials("y0_fresh-SECRET", "oauth", "1234567", "yandex360")
    provider = FakeCredentials(Credentials(TOKEN, "oauth", "1234567"), refresh_to=fresh)
    server.route("GET", "/v3/myself", echo_handler(401))
    with pytest.raises(errors.Unauthorized) as info:
        await make_client(credentials=provider).request("GET", "/v3/myself")
    assert len(server.requests) == 2
    assert_no_secret(info.value, TOKEN, "y0_fresh-SECRET")


@pytest.mark.parametrize("status", [400, 401, 403, 500])
@pytest.mark.parametrize("grant", ["code", "refresh"])
async def test_an_echoed_oauth_form_is_redacted(
    server: MiniServer, client: TrackerClient, status: int, grant: str
) -> None:
    server.route("POST", "/token", echo_handler(status))
    with pytest.raises(errors.HTTPStatusError) as info:
        if grant == "code":
            await oauth.exchange_code(client, CODE, "cid", CLIENT_SECRET)
        else:
            await oauth.refresh_token(client, REFRESH, "cid", CLIENT_SECRET)
    assert_no_secret(info.value, CODE, CLIENT_SECRET, REFRESH, "1%3Arefresh-SECRET")
    assert "cid" in info.value.message  # the client id is no secret


async def test_tokens_granted_earlier_are_redacted_from_later_errors(
    server: MiniServer, client: TrackerClient
) -> None:
    grant = {"access_token": "y0_granted-SECRET", "refresh_token": "1:granted-REFRESH"}
    server.reply("POST", "/token", web.json_response(grant))
    await oauth.exchange_code(client, CODE, "cid", CLIENT_SECRET)
    leak = "y0_granted-SECRET and 1:granted-REFRESH"
    server.reply("GET", "/v3/myself", web.Response(status=500, text=leak))
    with pytest.raises(errors.ServerError) as info:
        await client.request("GET", "/v3/myself")
    assert info.value.message == "http 500 Internal Server Error: [redacted] and [redacted]"


# -- 15: an overall deadline for transfers ------------------------------------------------------


async def trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "image/png"})
    response.content_length = 1 << 30
    await response.prepare(request)
    try:
        for _ in range(600):
            await response.write(b"x")
            await asyncio.sleep(0.05)
    except ConnectionError:
        pass
    return response


async def test_a_trickled_body_ends_at_the_transfer_deadline(
    server: MiniServer, make_client: MakeClient
) -> None:
    """A byte every 50 ms never trips the inactivity limit; the overall deadline ends it."""
    server.route("GET", "/v3/att/1/f.png", trickle)
    client = make_client(transfer_idle_timeout_s=5.0, transfer_timeout_s=0.5)
    received = 0
    with pytest.raises(errors.RequestTimeout) as info:
        async with client.stream("/v3/att/1/f.png") as body:
            async for chunk in body.chunks():
                received += len(chunk)
    assert info.value.message == "request timed out: the transfer took longer than 0.5 s"
    assert (info.value.kind, info.value.data().retryable) == ("timeout", True)
    assert received > 0


async def test_an_upload_that_gets_no_answer_ends_at_the_transfer_deadline(
    server: MiniServer, make_client: MakeClient, tmp_path: Any
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(30)
        return ok()

    server.route("POST", "/v3/issues/A-1/attachments/", slow)
    (tmp_path / "f.txt").write_bytes(b"hello")
    client = make_client(transfer_idle_timeout_s=20.0, transfer_timeout_s=0.5)
    with pytest.raises(errors.RequestTimeout, match=r"took longer than 0\.5 s"):
        await asyncio.wait_for(
            client.upload(
                "/v3/issues/A-1/attachments/",
                str(tmp_path / "f.txt"),
                filename="f.txt",
                content_type="text/plain",
            ),
            10,
        )


async def test_a_stalled_body_ends_at_the_inactivity_limit(
    server: MiniServer, make_client: MakeClient
) -> None:
    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = 100
        await response.prepare(request)
        await response.write(b"x")
        await asyncio.sleep(30)
        return response

    server.route("GET", "/v3/att/1/f.png", stall)
    client = make_client(transfer_idle_timeout_s=0.3, transfer_timeout_s=60.0)
    with pytest.raises(errors.RequestTimeout):
        async with client.stream("/v3/att/1/f.png") as body:
            async for _chunk in body.chunks():
                pass


# -- 13: what cannot be sent is refused before anything is ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:99999/x",
        "https://[::1/x",
        "https://exa mple.com/x",
        "https://h\x00x/y",
        "https://h/a\r\nb",
        "https://h\\evil/x",
        "v3/a\x00b",
        "/v3/a\nb",
    ],
)
async def test_a_url_the_parser_rejects_is_invalid_input(
    server: MiniServer, client: TrackerClient, url: str
) -> None:
    with pytest.raises(InvalidInput, match=r"^invalid URL"):
        await client.request("GET", url, binary=True)
    assert server.requests == []


@pytest.mark.parametrize(
    ("token", "org"),
    [("tok\r\nX-Evil: 1", "1"), ("tok", "1\n2"), ("to ken", "1"), ("токен", "1"), ("t\x00k", "1")],
)
async def test_a_stored_session_that_cannot_be_sent_is_no_session(
    server: MiniServer, make_client: MakeClient, token: str, org: str
) -> None:
    """Sign-in refuses these now; a session stored before that must not become -32603."""
    provider = FakeCredentials(Credentials(token, "oauth", org, "yandex360"))
    with pytest.raises(NotAuthenticated, match="cannot be sent"):
        await make_client(credentials=provider).request("GET", "/v3/myself")
    assert server.requests == []
