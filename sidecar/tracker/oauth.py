"""Yandex ID OAuth: trading an authorization code or a refresh token for tokens.

Owns: `exchange_code` and `refresh_token` (form POSTs to `<oauth_base_url>/token` over the
TrackerClient's session, without credentials, cooldown or logging of the form), `TokenGrant`,
and the wording of OAuth errors (`http 400 Bad Request: <body>`, `error` → tracker_code,
`error_description` → error_messages), with every secret of the exchange (the code, refresh
token and client secret sent, the tokens granted) joining the client's `secrets`, so an echo
of them in an error is redacted. Must not know: where tokens are stored or when to refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from . import errors
from .client import TrackerClient
from .redaction import scrub
from .responses import UNREADABLE, TrackerResponse, decode_body, status_error


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


async def exchange_code(
    client: TrackerClient, code: str, client_id: str, client_secret: str
) -> TokenGrant:
    """grant_type=authorization_code, over the client's session.

    Raises:
        errors.HTTPStatusError subclasses (BadRequest for `invalid_grant`, …),
        errors.TransportError, errors.DecodeError.
    """
    grant = {"grant_type": "authorization_code", "code": code}
    return await _token(client, grant, client_id, client_secret)


async def refresh_token(
    client: TrackerClient, refresh_token: str, client_id: str, client_secret: str
) -> TokenGrant:
    """grant_type=refresh_token; raises like `exchange_code` (a refused refresh is a 400)."""
    grant = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await _token(client, grant, client_id, client_secret)


async def _token(
    client: TrackerClient, grant: dict[str, str], client_id: str, secret: str
) -> TokenGrant:
    url = client.config.oauth_base_url.rstrip("/") + "/token"
    form = {**grant, "client_id": client_id, "client_secret": secret}
    response = await client.post_form(url, form, secret=SECRET_FIELDS)
    if response.status >= 300:
        exc = oauth_error(response)
        scrub(exc, client.secrets)
        raise exc
    body = decode_body(
        response.body, _GrantBody, status=response.status, request_id=response.request_id
    )
    client.secrets.add(body.access_token, body.refresh_token)
    return TokenGrant(body.access_token, body.refresh_token, body.expires_in, body.token_type)


SECRET_FIELDS = ("code", "refresh_token", "client_secret")


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
    except UNREADABLE:
        return exc
    exc.tracker_code = body.error
    exc.error_messages = [body.error_description] if body.error_description else []
    return exc
