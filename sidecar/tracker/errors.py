"""Failures of talking to Tracker (and Yandex OAuth): statuses, transport and undecodable bodies.

Owns: the `TrackerError` branch of the tree drawn in `sidecar/errors.py`, the status → class
table, and the reason phrases the YTracker backend printed after a status code
(`docs/frontend-contract.md` §7.2). Must not know: JSON-RPC (the wire boundary sends each
error's `kind` and `data()`), aiohttp (its exceptions are translated in `tracker/transport.py`,
one place).
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from sidecar.errors import ErrorData, ErrorKind, SidecarError

# The reason phrases reqwest printed after the status code; the frontend shows them verbatim.
REASONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    423: "Locked",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def status_text(status: int) -> str:
    """`404 Not Found`, as reqwest's StatusCode displayed itself (bare number when unknown)."""
    reason = REASONS.get(status)
    return f"{status} {reason}" if reason else str(status)


class TrackerError(SidecarError):
    """Talking to Tracker (or Yandex OAuth) failed."""

    kind: ClassVar[ErrorKind] = "server_error"


class HTTPStatusError(TrackerError):
    """Tracker answered with a non-2xx status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        errors: dict[str, Any] | None = None,
        error_messages: list[str] | None = None,
        tracker_code: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, status=status, **kw)
        self.errors = errors or {}
        self.error_messages = error_messages or []
        self.tracker_code = tracker_code

    def data(self) -> ErrorData:
        return msgspec.structs.replace(
            super().data(),
            tracker_code=self.tracker_code,
            errors=self.errors,
            error_messages=self.error_messages,
        )


class Unauthorized(HTTPStatusError):
    """401: the token is missing, wrong, expired or revoked."""

    kind: ClassVar[ErrorKind] = "unauthenticated"


class Forbidden(HTTPStatusError):
    """403: no rights, or the organization header/id is wrong."""

    kind: ClassVar[ErrorKind] = "forbidden"


class NotFound(HTTPStatusError):
    """404."""

    kind: ClassVar[ErrorKind] = "not_found"


class Conflict(HTTPStatusError):
    """409/412: an edit conflict (stale version) or a duplicate `unique`."""

    kind: ClassVar[ErrorKind] = "conflict"


class BadRequest(HTTPStatusError):
    """400/413/422 and any other 4xx: Tracker refused the request as invalid."""

    kind: ClassVar[ErrorKind] = "invalid"


class RateLimited(HTTPStatusError):
    """429."""

    kind: ClassVar[ErrorKind] = "rate_limited"


class ServerError(HTTPStatusError):
    """5xx."""

    kind: ClassVar[ErrorKind] = "server_error"


class TransportError(TrackerError):
    """No usable HTTP answer arrived.

    `sent` says whether the request may have reached Tracker (False only when the connection
    was never established), which decides whether a POST may be retried.
    """

    kind: ClassVar[ErrorKind] = "network"

    def __init__(self, message: str, *, sent: bool = True, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.sent = sent


class NetworkError(TransportError):
    """Connect failure, reset, DNS or TLS failure, or a body cut short."""

    kind: ClassVar[ErrorKind] = "network"


class RequestTimeout(TransportError):
    """Connect, total or inactivity timeout."""

    kind: ClassVar[ErrorKind] = "timeout"


class RedirectRefused(TrackerError):
    """A redirect that is never followed: an OAuth form would be re-sent wherever it points."""

    kind: ClassVar[ErrorKind] = "invalid"

    @classmethod
    def oauth(cls, target: Any, status: int) -> RedirectRefused:
        """For the OAuth token endpoint; `target` is the redirect's URL (its host is named)."""
        return cls(
            f"refused redirect of the OAuth token request to {target.host} ({status}): "
            "OAuth forms are never sent on, nothing went there (check --oauth-base-url)",
            status=status,
        )


class DecodeError(TrackerError):
    """A 2xx answer whose body could not be decoded as the documented payload."""

    kind: ClassVar[ErrorKind] = "server_error"


_STATUS_CLASSES: dict[int, type[HTTPStatusError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: Conflict,
    429: RateLimited,
}


def class_for_status(status: int) -> type[HTTPStatusError]:
    """The most specific HTTPStatusError subclass for a non-2xx status."""
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    return ServerError if status >= 500 else BadRequest
