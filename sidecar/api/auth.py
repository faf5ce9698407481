"""Sign-in commands: session state, OAuth code exchange, token sign-in, current user."""

from __future__ import annotations

from typing import Literal

from sidecar.api.base import Dto, Params


class SecretStoreInfo(Dto):
    """Where the session is kept (`--secrets`), and whether it outlives the process."""

    kind: Literal["keyring", "file", "memory"]
    persistent: bool
    location: str | None
    """The OS store's name (`Secret Service`, `macOS Keychain`, …) or the file's path."""
    warning: str | None
    """Set when the session cannot be kept as asked (no OS store here, a wrong passphrase)."""


class ClientCredentialsInfo(Dto):
    """Whether the OAuth app credentials are configured (the secret itself never leaves).

    `secret_store` is the sidecar's addition: the app reads only the first two fields.
    """

    client_id: str | None
    has_client_secret: bool
    secret_store: SecretStoreInfo


class UserProfile(Dto):
    """`get_current_user` and every element of `get_users`."""

    display: str | None
    login: str | None
    email: str | None
    avatar_url: str | None


class ExchangeCodeParams(Params):
    code: str
    org_id: str | None = None
    org_type: str = ""


class LoginWithTokenParams(Params):
    token: str
    token_type: Literal["oauth", "iam"] = "oauth"
    org_id: str | None = None
    org_type: str = ""
