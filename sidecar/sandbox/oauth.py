"""A Yandex ID OAuth stub mounted under `/oauth`: `/token`, `/device/code`, `/authorize`.

Owns: the grants `authorization_code` (one-time codes issued by the state), `refresh_token`
(a NEW access and refresh token; the old refresh token is revoked) and `device_code`; client
authentication by form fields or `Authorization: Basic`; the standard OAuth error bodies. Minted
access tokens are registered in the state, so the API accepts them at once. Must not know: the
Tracker API.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

from sidecar.sandbox.context import STATE_KEY, json_response
from sidecar.sandbox.state import TrackerState

if TYPE_CHECKING:  # multidict comes with aiohttp; named here for types only
    from multidict import MultiDictProxy


class OAuthError(Exception):
    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(code)
        self.code, self.description, self.status = code, description, status


def _client(state: TrackerState, request: web.Request, form: MultiDictProxy[Any]) -> str:
    """The authenticated client id; a Basic header, when present, wins over the form."""
    client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            pair = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            pair = ":"
        client_id, _, secret = pair.partition(":")
    if not client_id or state.oauth_clients.get(client_id) != secret:
        raise OAuthError(
            "invalid_client", "Client authentication failed", state.invalid_client_status
        )
    return client_id


def _by_code(state: TrackerState, form: MultiDictProxy[Any], client_id: str) -> str:
    grant = state.auth_codes.pop(str(form.get("code", "")), None)  # one-time, used or not
    if grant is None or grant.client_id != client_id or grant.expires_at <= state.now():
        raise OAuthError("invalid_grant", "Code has expired or is invalid")
    return grant.login


def _by_refresh(state: TrackerState, form: MultiDictProxy[Any], client_id: str) -> str:
    grant = state.refresh_tokens.pop(str(form.get("refresh_token", "")), None)
    if grant is None or grant.client_id not in (None, client_id):
        raise OAuthError("invalid_grant", "Refresh token has expired or is invalid")
    return grant.login


def _by_device(state: TrackerState, form: MultiDictProxy[Any], client_id: str) -> str:
    code = str(form.get("code") or form.get("device_code") or "")
    grant = state.device_codes.get(code)
    if grant is None or grant.client_id != client_id:
        raise OAuthError("invalid_grant", "Unknown device code")
    if grant.expires_at <= state.now():
        raise OAuthError("expired_token", "Device code has expired")
    if grant.denied:
        raise OAuthError("access_denied", "The user declined")
    if grant.login is None:
        raise OAuthError("authorization_pending", "The user has not confirmed yet")
    del state.device_codes[code]
    return grant.login


_GRANTS = {
    "authorization_code": _by_code,
    "refresh_token": _by_refresh,
    "device_code": _by_device,
}


async def token(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    form = await request.post()
    try:
        grant = _GRANTS.get(str(form.get("grant_type", "")))
        if grant is None:
            raise OAuthError("unsupported_grant_type", "Unsupported grant type")
        client_id = _client(state, request, form)
        login = grant(state, form, client_id)
    except OAuthError as error:
        body = {"error": error.code, "error_description": error.description}
        return json_response(body, status=error.status)
    access, refresh = state.mint_tokens(login, client_id)
    return json_response(
        {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": state.oauth_expires_in,
            "refresh_token": refresh,
            "scope": "tracker:read tracker:write",
        }
    )


async def device_code(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    form = await request.post()
    client_id = str(form.get("client_id", ""))
    if client_id not in state.oauth_clients:
        return json_response(
            {"error": "invalid_client", "error_description": "Unknown client"}, 400
        )
    code, grant = state.issue_device_code(client_id)
    return json_response(
        {
            "device_code": code,
            "user_code": grant.user_code,
            "verification_url": f"{request.scheme}://{request.host}/oauth/device",
            "interval": 1,
            "expires_in": 600,
        }
    )


async def authorize(request: web.Request) -> web.Response:
    """Consent is implied: a code for the default user, redirected or shown like Yandex does."""
    state = request.app[STATE_KEY]
    client_id = request.query.get("client_id", "")
    if client_id not in state.oauth_clients:
        return web.Response(status=400, text="unauthorized_client")
    code = state.issue_auth_code(client_id=client_id)
    redirect = request.query.get("redirect_uri")
    if not redirect:
        return web.Response(
            text=f"<html><body><h1>Your code</h1><p id='code'>{code}</p></body></html>",
            content_type="text/html",
        )
    query = {
        "code": code,
        **({"state": request.query["state"]} if "state" in request.query else {}),
    }
    raise web.HTTPFound(f"{redirect}{'&' if '?' in redirect else '?'}{urlencode(query)}")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/oauth/token", token)
    app.router.add_post("/oauth/device/code", device_code)
    app.router.add_get("/oauth/authorize", authorize)
