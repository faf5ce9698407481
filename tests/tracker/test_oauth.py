"""Yandex OAuth token grants over the client's session."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web

from sidecar.tracker import errors, oauth
from sidecar.tracker.client import TrackerClient
from tests.tracker.conftest import MiniServer

GRANT = {
    "token_type": "bearer",
    "access_token": "y0_NEW",
    "expires_in": 31536000,
    "refresh_token": "1:REFRESH",
    "scope": "tracker:read tracker:write",
}


async def test_exchange_code_posts_the_form_without_credentials(
    server: MiniServer, client: TrackerClient, caplog: pytest.LogCaptureFixture
) -> None:
    forms: list[dict[str, str]] = []

    async def token(request: web.Request) -> web.Response:
        forms.append(dict(await request.post()))  # type: ignore[arg-type]
        return web.json_response(GRANT)

    server.route("POST", "/token", token)
    with caplog.at_level(logging.DEBUG):
        grant = await oauth.exchange_code(client, "CODE123", "cid", "SECRET")
    assert grant == oauth.TokenGrant("y0_NEW", "1:REFRESH", 31536000, "bearer")
    assert "y0_NEW" not in repr(grant) and "REFRESH" not in repr(grant)
    assert forms == [
        {
            "grant_type": "authorization_code",
            "code": "CODE123",
            "client_id": "cid",
            "client_secret": "SECRET",
        }
    ]
    seen = server.requests[0].headers
    assert seen["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in seen and "X-Org-ID" not in seen
    assert "CODE123" not in caplog.text and "SECRET" not in caplog.text


async def test_refresh_token_grant(server: MiniServer, client: TrackerClient) -> None:
    forms: list[dict[str, str]] = []

    async def token(request: web.Request) -> web.Response:
        forms.append(dict(await request.post()))  # type: ignore[arg-type]
        return web.json_response({"access_token": "y0_2", "token_type": "bearer"})

    server.route("POST", "/token", token)
    grant = await oauth.refresh_token(client, "1:R", "cid", "sec")
    assert grant.access_token == "y0_2" and grant.refresh_token is None
    assert forms[0]["grant_type"] == "refresh_token" and forms[0]["refresh_token"] == "1:R"


async def test_oauth_error_body(server: MiniServer, client: TrackerClient) -> None:
    body = '{"error": "invalid_grant", "error_description": "Code has expired"}'
    server.reply("POST", "/token", web.Response(status=400, text=body))
    with pytest.raises(errors.BadRequest) as info:
        await oauth.exchange_code(client, "OLD", "cid", "sec")
    assert info.value.message == f"http 400 Bad Request: {body}"
    assert info.value.tracker_code == "invalid_grant"
    assert info.value.error_messages == ["Code has expired"]
    assert len(server.requests) == 1


async def test_oauth_html_error_and_bad_success_body(
    server: MiniServer, client: TrackerClient
) -> None:
    server.reply("POST", "/token", web.Response(status=503, text="<html>down</html>"))
    with pytest.raises(errors.ServerError, match="http 503 Service Unavailable: <html>"):
        await oauth.exchange_code(client, "C", "cid", "sec")
    server.reply("POST", "/token", web.json_response({"nope": 1}))
    with pytest.raises(errors.DecodeError):
        await oauth.exchange_code(client, "C", "cid", "sec")
