"""Yandex ID OAuth: trading an authorization code or a refresh token for tokens.

Owns: `OAuthClient` (form POSTs to `<oauth_base_url>/token` over the TrackerClient's session,
without credentials, cooldown or logging of the form), `TokenGrant`, and the wording of OAuth
errors (`http 400 Bad Request: <body>`, `error` → tracker_code, `error_description` →
error_messages). Must not know: where tokens are stored or when to refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from . import errors
from .client import TrackerClient
from .responses import TrackerResponse, decode_body, status_error


@dataclass(frozen=True)
class TokenGrant:
    """The token endpoint's answer; `repr` hides both tokens."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_in: int | None = None
    token_type: str = "bearer"


class _GrantBody(msgspec.Struct):
    access_token: str
    refresh_token: str | None = None
    expires_in: int | None = None
    token_type: str = "bearer"


class _OAuthErrorBody(msgspec.Struct):
    error: str | None = None
    error_description: str | None = None


class OAuthClient:
    """Token requests to Yandex ID, sharing the TrackerClient's session."""

    def __init__(self, client: TrackerClient) -> None:
        self._client = client
        self._token_url = client.config.oauth_base_url.rstrip("/") + "/token"

    async def exchange_code(self, code: str, client_id: str, client_secret: str) -> TokenGrant:
        """grant_type=authorization_code.

        Raises:
            errors.HTTPStatusError subclasses (e.g. BadRequest for `invalid_grant`),
            errors.TransportError, errors.DecodeError.
        """
        return await self._token(
            {"grant_type": "authorization_code", "code": code},
            client_id,
            client_secret,
        )

    async def refresh_token(
        self, refresh_token: str, client_id: str, client_secret: str
    ) -> TokenGrant:
        """grant_type=refresh_token; same errors as `exchange_code`."""
        return await self._token(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            client_id,
            client_secret,
        )

    async def _token(self, grant: dict[str, str], client_id: str, secret: str) -> TokenGrant:
        form = {**grant, "client_id": client_id, "client_secret": secret}
        response = await self._client.post_form(self._token_url, form)
        if response.status >= 300:
            raise oauth_error(response)
        body = decode_body(
            response.body, _GrantBody, status=response.status, request_id=response.request_id
        )
        return TokenGrant(body.access_token, body.refresh_token, body.expires_in, body.token_type)


def oauth_error(response: TrackerResponse) -> errors.HTTPStatusError:
    """`http 400 Bad Request: <body>` carrying the OAuth `error` and `error_description`."""
    exc = status_error(
        response.status,
        response.headers,
        response.body,
        auth_form=False,
        request_id=response.request_id,
    )
    try:
        body = msgspec.json.decode(response.body, type=_OAuthErrorBody)
    except msgspec.DecodeError:
        return exc
    exc.tracker_code = body.error
    exc.error_messages = [body.error_description] if body.error_description else []
    return exc
