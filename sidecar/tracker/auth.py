"""Who we are to Tracker: credentials, where they come from, and the headers they become.

Owns: `Credentials`, the `CredentialsProvider` protocol the client asks before every attempt,
and `auth_headers`. Must not know: where tokens are stored (keyring, memory) or how OAuth
refresh talks to Yandex ID; the provider hides both.
"""

from __future__ import annotations

import re
from typing import Literal, Protocol

import msgspec

TokenType = Literal["oauth", "iam"]
OrgType = Literal["yandex360", "cloud"]


class Credentials(msgspec.Struct, frozen=True):
    """One session's token and organization. `repr` hides the token."""

    token: str
    token_type: TokenType = "oauth"
    org_id: str | None = None
    org_type: OrgType = "yandex360"

    def __repr__(self) -> str:
        return (
            f"Credentials(token_type={self.token_type!r}, org_id={self.org_id!r}, "
            f"org_type={self.org_type!r})"
        )


class CredentialsProvider(Protocol):
    """The session source the client consults before every request and every attempt."""

    async def require(self) -> None:
        """Checked once per request before any network work: can a request be authorized now?

        A token that has already expired is refreshed here when it can be.

        Raises:
            errors.NotAuthenticated: there is no session, or it has expired for good.
        """
        ...

    async def current(self) -> Credentials:
        """The credentials to use now.

        Raises:
            errors.NotAuthenticated: there is no session.
        """
        ...

    async def refreshed(self, stale: Credentials) -> Credentials | None:
        """Called once after a 401 with the credentials that got it.

        Returns new credentials (which `current()` should return from now on), or None when
        the session cannot be refreshed.
        """
        ...


# A token or an org id as it may go into a header: visible ASCII, no space, no line break.
_HEADER_TOKEN = re.compile(r"[\x21-\x7e]+")


def check_credential(value: str, what: str) -> str:
    """`value` when it can be sent in a header as it is.

    Raises:
        ValueError: `<what> must be printable ASCII without spaces or line breaks`.
    """
    if not _HEADER_TOKEN.fullmatch(value):
        raise ValueError(f"{what} must be printable ASCII without spaces or line breaks")
    return value


def auth_headers(c: Credentials) -> dict[str, str]:
    """`Authorization` plus exactly one organization header, when an org id is set.

    Raises:
        ValueError: the token or org id cannot go into a header (`check_credential`).
    """
    scheme = "Bearer" if c.token_type == "iam" else "OAuth"
    headers = {"Authorization": f"{scheme} {check_credential(c.token, 'The token')}"}
    if c.org_id:
        name = "X-Cloud-Org-ID" if c.org_type == "cloud" else "X-Org-ID"
        headers[name] = check_credential(c.org_id, "The organization id")
    return headers
