"""TrackerClient against a real HTTPS server on loopback (trustme CA)."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from sidecar.errors import InvalidInput, LocalIOError, NotAuthenticated
from sidecar.tracker import errors
from sidecar.tracker.auth import Credentials
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.retry import RetryPolicy
from tests.tracker.conftest import TOKEN, FakeCredentials, MiniServer, write_file

MakeClient = Callable[..., TrackerClient]


def ok() -> web.Response:
    return web.json_response({"ok": True})


def status(code: int, body: str = "boom", **headers: str) -> web.Response:
    return web.Response(status=code, text=body, headers=headers)


async def test_auth_org_and_default_headers(server: MiniServer, make_client: MakeClient) -> None:
    server.reply("POST", "/v3/issues/_search", ok())
    client = make_client(accept_language="ru")
    resp = await client.request("POST", "/v3/issues/_search", json={"query": "x"})
    assert resp.status == 200 and resp.json(dict[str, Any]) == {"ok": True}
    seen = server.requests[0].headers
    assert seen["Authorization"] == f"OAuth {TOKEN}"
    assert seen["X-Org-ID"] == "1234567" and "X-Cloud-Org-ID" not in seen
    assert seen["User-Agent"] == "ytracker-sidecar/test"
    assert seen["Accept-Language"] == "ru"
    assert seen["Content-Type"] == "application/json"


async def test_iam_cloud_headers(server: MiniServer, make_client: MakeClient) -> None:
    server.reply("GET", "/v3/myself", ok())
    provider = FakeCredentials(Credentials("t1.iam", "iam", "bpf123", "cloud"))
    await make_client(credentials=provider).request("GET", "/v3/myself")
    seen = server.requests[0].headers
    assert seen["Authorization"] == "Bearer t1.iam"
    assert seen["X-Cloud-Org-ID"] == "bpf123" and "X-Org-ID" not in seen
    assert "Accept-Language" not in seen


async def test_params_and_quoted_paths_reach_the_server(
    server: MiniServer, client: TrackerClient
) -> None:
    server.reply("GET", "/v3/issues/A/B", ok())
    await client.request("GET", "/v3/issues/A%2FB", params={"fields": "key,summary", "n": 3})
    assert server.requests[0].path_qs == "/v3/issues/A%2FB?fields=key,summary&n=3"


async def test_no_session_fails_before_sending(server: MiniServer, make_client: MakeClient) -> None:
    client = make_client(credentials=FakeCredentials(None))
    with pytest.raises(NotAuthenticated):
        await client.request("GET", "/v3/myself")
    assert server.requests == []


async def test_cooldown_spaces_requests_at_the_server(
    server: MiniServer, make_client: MakeClient
) -> None:
    server.reply("GET", "/v3/myself", ok())
    client = make_client(cooldown_s=0.05)
    # One after another, so a single pooled connection carries them: arrival gaps at the
    # server then mirror start gaps (parallel TLS handshakes would blur them).
    for _ in range(5):
        await client.request("GET", "/v3/myself")
    arrivals = [r.at for r in server.requests][1:]  # the first one paid the TLS handshake
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(gaps) == 3 and min(gaps) >= 0.05 - 0.016


async def test_429_with_retry_after_is_retried_after_that_wait(
    server: MiniServer, make_client: MakeClient
) -> None:
    server.reply("GET", "/v3/myself", status(429, "slow down", **{"Retry-After": "1"}), ok())
    client = make_client(retry=RetryPolicy())
    resp = await client.request("GET", "/v3/myself")
    assert resp.status == 200
    first, second = server.requests
    assert second.at - first.at >= 1.0 - 0.016


@pytest.mark.parametrize("code", [502, 503, 504])
async def test_gateway_errors_are_retried_for_reads(
    server: MiniServer, client: TrackerClient, code: int
) -> None:
    server.reply("GET", "/v3/myself", status(code), status(code), ok())
    assert (await client.request("GET", "/v3/myself")).status == 200
    assert len(server.requests) == 3


@pytest.mark.parametrize("code", [502, 503, 504])
async def test_gateway_errors_give_up_after_four_attempts(
    server: MiniServer, client: TrackerClient, code: int
) -> None:
    server.reply("GET", "/v3/myself", status(code, "<html>down</html>"))
    with pytest.raises(errors.ServerError) as info:
        await client.request("GET", "/v3/myself")
    assert info.value.message == f"http {errors.status_text(code)}: <html>down</html>"
    assert info.value.status == code
    assert len(server.requests) == 4


async def test_500_is_not_retried(server: MiniServer, client: TrackerClient) -> None:
    server.reply("GET", "/v3/myself", status(500))
    with pytest.raises(errors.ServerError):
        await client.request("GET", "/v3/myself")
    assert len(server.requests) == 1


async def test_post_is_not_retried_on_502_but_is_on_503(
    server: MiniServer, client: TrackerClient
) -> None:
    server.reply("POST", "/v3/issues", status(502))
    with pytest.raises(errors.ServerError):
        await client.request("POST", "/v3/issues", json={"summary": "s"})
    assert len(server.requests) == 1
    server.reply("POST", "/v3/issues", status(503), ok())
    await client.request("POST", "/v3/issues", json={"summary": "s"})
    assert len(server.requests) == 3


async def test_tracker_error_body_and_404_message(
    server: MiniServer, client: TrackerClient
) -> None:
    body = '{"errors":{},"errorMessages":["Issue does not exist."],"statusCode":404}'
    server.reply("GET", "/v3/issues/NOPE-1", status(404, body))
    with pytest.raises(errors.NotFound) as info:
        await client.request("GET", "/v3/issues/NOPE-1")
    assert info.value.message == f"http 404 Not Found: {body}"
    assert info.value.error_messages == ["Issue does not exist."]


async def test_connection_reset_is_retried(server: MiniServer, client: TrackerClient) -> None:
    calls = 0

    async def flaky(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            assert request.transport is not None
            request.transport.close()
        return ok()

    server.route("GET", "/v3/myself", flaky)
    assert (await client.request("GET", "/v3/myself")).status == 200
    assert calls == 2


async def test_reset_fails_a_post_without_retry(server: MiniServer, client: TrackerClient) -> None:
    async def reset(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        return ok()

    server.route("POST", "/v3/issues", reset)
    with pytest.raises(errors.NetworkError) as info:
        await client.request("POST", "/v3/issues", json={})
    assert info.value.message.startswith("network error: ") and info.value.sent
    assert len(server.requests) == 1


async def test_timeout_is_retried_then_reported(
    server: MiniServer, make_client: MakeClient
) -> None:
    async def stall(_request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return ok()

    server.route("GET", "/v3/myself", stall)
    client = make_client(request_timeout_s=1.0, retry=RetryPolicy(max_attempts=2, sleep_scale=0))
    with pytest.raises(errors.RequestTimeout) as info:
        await client.request("GET", "/v3/myself")
    assert info.value.message.startswith("request timed out: ")
    assert len(server.requests) == 2


async def test_connect_failure_is_a_network_error(make_client: MakeClient, ca_file: str) -> None:
    client = make_client(api_base_url="https://127.0.0.1:9", retry=RetryPolicy(max_attempts=1))
    with pytest.raises(errors.NetworkError) as info:
        await client.request("POST", "/v3/issues", json={})
    assert not info.value.sent and TOKEN not in info.value.message


async def test_401_refreshes_once_and_retries(server: MiniServer, make_client: MakeClient) -> None:
    fresh = Credentials("y0_fresh", "oauth", "1234567", "yandex360")
    provider = FakeCredentials(Credentials(TOKEN, "oauth", "1234567", "yandex360"), fresh)

    async def needs_fresh(request: web.Request) -> web.Response:
        if request.headers["Authorization"] == "OAuth y0_fresh":
            return ok()
        return status(401, "expired")

    server.route("GET", "/v3/myself", needs_fresh)
    assert (await make_client(credentials=provider).request("GET", "/v3/myself")).status == 200
    assert [c.token for c in provider.refresh_calls] == [TOKEN]
    assert len(server.requests) == 2


async def test_401_without_refresh_is_the_auth_error(
    server: MiniServer, client: TrackerClient, creds: FakeCredentials
) -> None:
    server.reply("GET", "/v3/myself", status(401, "Unauthorized token"))
    with pytest.raises(errors.Unauthorized) as info:
        await client.request("GET", "/v3/myself")
    expected = "authentication error: Access denied (401 Unauthorized) - Unauthorized token"
    assert info.value.message == expected
    assert len(creds.refresh_calls) == 1 and len(server.requests) == 1


async def test_401_after_a_refresh_is_not_refreshed_again(
    server: MiniServer, make_client: MakeClient
) -> None:
    provider = FakeCredentials(
        Credentials(TOKEN), refresh_to=Credentials("y0_also_bad", "oauth", None, "yandex360")
    )
    server.reply("GET", "/v3/myself", status(401, "no"))
    with pytest.raises(errors.Unauthorized):
        await make_client(credentials=provider).request("GET", "/v3/myself")
    assert len(provider.refresh_calls) == 1 and len(server.requests) == 2


async def test_binary_401_uses_the_http_wording(server: MiniServer, client: TrackerClient) -> None:
    server.reply("GET", "/v3/issues/A-1/attachments/1/f.png", status(403, "denied"))
    with pytest.raises(errors.Forbidden) as info:
        await client.request("GET", "/v3/issues/A-1/attachments/1/f.png", binary=True)
    assert info.value.message == "http 403 Forbidden: denied"


async def test_cross_origin_url_gets_no_credentials(
    server: MiniServer, other_server: MiniServer, client: TrackerClient
) -> None:
    other_server.reply("GET", "/img.png", web.Response(body=b"PNG", content_type="image/png"))
    resp = await client.request("GET", other_server.url + "/img.png", binary=True)
    assert resp.body == b"PNG"
    seen = other_server.requests[0].headers
    assert "Authorization" not in seen and "X-Org-ID" not in seen
    assert server.requests == []


async def test_binary_redirect_elsewhere_drops_credentials(
    server: MiniServer, other_server: MiniServer, client: TrackerClient
) -> None:
    target = other_server.url + "/blob?sig=abc"
    server.reply("GET", "/v3/att/1/f", web.Response(status=302, headers={"Location": target}))
    other_server.reply("GET", "/blob", web.Response(body=b"data"))
    resp = await client.request("GET", "/v3/att/1/f", binary=True)
    assert resp.body == b"data"
    assert server.requests[0].headers["Authorization"] == f"OAuth {TOKEN}"
    assert "Authorization" not in other_server.requests[0].headers


async def test_json_redirect_elsewhere_is_refused(
    server: MiniServer, other_server: MiniServer, client: TrackerClient
) -> None:
    location = other_server.url + "/v3/myself"
    server.reply("GET", "/v3/myself", web.Response(status=307, headers={"Location": location}))
    with pytest.raises(errors.DecodeError, match="refused redirect to another host"):
        await client.request("GET", "/v3/myself")
    assert other_server.requests == []


async def test_same_origin_redirects_are_followed_up_to_three(
    server: MiniServer, client: TrackerClient
) -> None:
    for hop in range(3):
        server.reply(
            "GET", f"/r{hop}", web.Response(status=301, headers={"Location": f"/r{hop + 1}"})
        )
    server.reply("GET", "/r3", ok())
    assert (await client.request("GET", "/r0")).status == 200
    assert all(r.headers["Authorization"] == f"OAuth {TOKEN}" for r in server.requests)
    server.reply("GET", "/r3", web.Response(status=301, headers={"Location": "/r4"}))
    with pytest.raises(errors.DecodeError, match="too many redirects"):
        await client.request("GET", "/r0")


async def test_malformed_json_is_a_decode_error(server: MiniServer, client: TrackerClient) -> None:
    server.reply("GET", "/v3/myself", web.Response(text="<html>oops</html>"))
    resp = await client.request("GET", "/v3/myself")
    with pytest.raises(errors.DecodeError, match=r"^unexpected error: error decoding"):
        resp.json(dict[str, Any])


async def test_http_absolute_url_is_refused(client: TrackerClient) -> None:
    with pytest.raises(InvalidInput, match="HTTPS only"):
        await client.request("GET", "http://example.com/x", binary=True)


async def test_log_line_redacts_and_never_shows_secrets(
    server: MiniServer, client: TrackerClient, caplog: pytest.LogCaptureFixture
) -> None:
    server.reply("POST", "/v3/issues/_search", ok())
    with caplog.at_level(logging.DEBUG, logger="test.tracker"):
        await client.request(
            "POST", "/v3/issues/_search", params={"fields": "key", "scrollId": "S3CR"}, json={}
        )
    (line,) = [r.getMessage() for r in caplog.records if r.name == "test.tracker"]
    assert "POST /v3/issues/_search?fields=*&scrollId=*" in line
    assert "-> 200" in line and "attempt 1" in line
    assert TOKEN not in line and "S3CR" not in line and "1234567" not in line


async def test_stream_download_of_several_megabytes(
    server: MiniServer, client: TrackerClient
) -> None:
    blob = bytes(range(256)) * (5 * 4096)  # 5 MiB

    async def download(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/pdf"})
        resp.content_length = len(blob)
        await resp.prepare(request)
        for start in range(0, len(blob), 100_000):
            await resp.write(blob[start : start + 100_000])
        return resp

    server.route("GET", "/v3/issues/A-1/attachments/7/doc.pdf", download)
    digest, sizes = hashlib.sha256(), []
    async with client.stream(server.url + "/v3/issues/A-1/attachments/7/doc.pdf") as stream:
        assert (stream.status, stream.content_type, stream.total) == (
            200,
            "application/pdf",
            len(blob),
        )
        async for chunk in stream.chunks():
            sizes.append(len(chunk))
            digest.update(chunk)
    assert sum(sizes) == len(blob) and max(sizes) <= 64 * 1024
    assert digest.digest() == hashlib.sha256(blob).digest()
    assert server.requests[0].headers["Authorization"] == f"OAuth {TOKEN}"


async def test_stream_error_status_uses_binary_wording(
    server: MiniServer, client: TrackerClient
) -> None:
    server.reply("GET", "/x.png", status(404, "nope"))
    with pytest.raises(errors.NotFound, match=r"^http 404 Not Found: nope$"):
        async with client.stream("/x.png"):
            pass


async def test_stream_cut_short_raises_network_error(
    server: MiniServer, client: TrackerClient
) -> None:
    async def truncated(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_length = 1_000_000
        await resp.prepare(request)
        await resp.write(b"x" * 1000)
        assert request.transport is not None
        request.transport.close()
        return resp

    server.route("GET", "/big", truncated)
    with pytest.raises(errors.NetworkError):
        async with client.stream("/big") as stream:
            async for _chunk in stream.chunks():
                pass


async def test_multipart_upload_streams_the_file_as_part_file(
    server: MiniServer, client: TrackerClient, tmp_path: Path
) -> None:
    data = write_file(tmp_path / "report.bin", 3 * 1024 * 1024 + 7)
    got: dict[str, Any] = {}

    async def receive(request: web.Request) -> web.Response:
        reader = await request.multipart()
        part = await reader.next()
        assert part is not None and not isinstance(part, type(reader))
        got.update(name=part.name, filename=part.filename, type=part.headers["Content-Type"])
        got["body"] = await part.read()  # type: ignore[union-attr]
        got["query"] = request.query.get("filename")
        return web.json_response({"id": "42"}, status=201)

    server.route("POST", "/v3/issues/A-1/attachments/", receive)
    progress: list[tuple[int, int | None]] = []
    resp = await client.upload(
        "/v3/issues/A-1/attachments/",
        str(tmp_path / "report.bin"),
        filename="отчёт.bin",
        content_type="application/octet-stream",
        progress=lambda done, total: progress.append((done, total)),
    )
    assert resp.status == 201 and resp.json(dict[str, str]) == {"id": "42"}
    assert got["name"] == "file" and got["filename"] == "отчёт.bin"
    assert got["query"] == "отчёт.bin" and got["type"] == "application/octet-stream"
    assert got["body"] == data
    assert progress[-1] == (len(data), len(data))
    assert server.requests[0].headers["Authorization"] == f"OAuth {TOKEN}"


async def test_upload_is_reopened_on_a_503_retry(
    server: MiniServer, client: TrackerClient, tmp_path: Path
) -> None:
    data = write_file(tmp_path / "a.txt", 1000)
    bodies: list[bytes] = []

    async def receive(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return status(503) if len(bodies) == 1 else web.json_response({"id": "1"})

    server.route("POST", "/v3/attachments/", receive)
    await client.upload(
        "/v3/attachments/", str(tmp_path / "a.txt"), filename="a.txt", content_type="text/plain"
    )
    assert len(bodies) == 2 and data in bodies[0] and data in bodies[1]


async def test_upload_of_a_missing_file_is_local_io(client: TrackerClient, tmp_path: Path) -> None:
    with pytest.raises(LocalIOError):
        await client.upload(
            "/v3/attachments/", str(tmp_path / "nope"), filename="n", content_type="text/plain"
        )


async def test_closed_client_refuses_work(client: TrackerClient) -> None:
    await client.close()
    with pytest.raises(RuntimeError, match="closed"):
        await client.request("GET", "/v3/myself")
