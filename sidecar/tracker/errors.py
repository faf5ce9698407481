"""Every failure the frontend can see, as one exception tree with the interface's error model.

Owns: the `kind` taxonomy of `sidecar-interface.md` §3, the `retryable` rule, the exact message
strings the YTracker backend produced (`frontend-contract.md` §7.2), and the structured `data`
each failure carries. Must not know: JSON-RPC codes or framing (the app maps `kind` to a code),
aiohttp (transport exceptions are translated in `tracker/transport.py`, one place).

    SidecarError                 kind, message, status, retryable, retry_after_s, request_id
    ├── NotAuthenticated         unauthenticated: no session, expired IAM token, failed refresh
    ├── InvalidInput             invalid: local validation ("Comment text cannot be empty")
    ├── MissingItem              not_found: a named item is absent from what Tracker returned
    ├── LocalIOError             local_io: files, keyring, config
    ├── InternalError            internal: a bug or an impossible state
    └── TrackerError             anything that came from talking to Tracker or Yandex OAuth
        ├── HTTPStatusError      a non-2xx answer; keeps the body's errors / errorMessages
        │   ├── Unauthorized     401
        │   ├── Forbidden        403
        │   ├── NotFound         404
        │   ├── Conflict         409, 412
        │   ├── BadRequest       400, 413, 422 and other 4xx
        │   ├── RateLimited      429
        │   └── ServerError      5xx
        ├── TransportError       nothing usable came back
        │   ├── NetworkError     connect, reset, DNS, TLS, truncated body
        │   └── RequestTimeout   connect/total/inactivity timeout
        └── DecodeError          a 2xx answer whose body is not what Tracker documents
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

ErrorKind = Literal[
    "unauthenticated",
    "forbidden",
    "not_found",
    "conflict",
    "invalid",
    "rate_limited",
    "server_error",
    "network",
    "timeout",
    "local_io",
    "internal",
]

RETRYABLE_KINDS: frozenset[str] = frozenset({"rate_limited", "server_error", "network", "timeout"})

NOT_AUTHENTICATED_MESSAGE = "Not authenticated. Sign in again to continue."

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


class SidecarError(Exception):
    """A failure with a kind, the backend's exact message, and structured details."""

    kind: ClassVar[ErrorKind] = "internal"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s
        self.request_id = request_id

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def data(self) -> dict[str, Any]:
        """The `error.data` object of `sidecar-interface.md` §3."""
        retry_ms = None if self.retry_after_s is None else round(self.retry_after_s * 1000)
        return {
            "kind": self.kind,
            "status": self.status,
            "trackerCode": None,
            "errors": {},
            "errorMessages": [],
            "retryable": self.retryable,
            "retryAfterMs": retry_ms,
            "requestId": self.request_id,
        }


class NotAuthenticated(SidecarError):
    """No usable session: never signed in, signed out, expired IAM token or a refused refresh."""

    kind: ClassVar[ErrorKind] = "unauthenticated"

    def __init__(self, message: str = NOT_AUTHENTICATED_MESSAGE, **kw: Any) -> None:
        super().__init__(message, **kw)


class InvalidInput(SidecarError):
    """Local validation failed before anything was sent."""

    kind: ClassVar[ErrorKind] = "invalid"


class MissingItem(SidecarError):
    """Something the request names is not in what Tracker returned (no HTTP status of its own)."""

    kind: ClassVar[ErrorKind] = "not_found"


class LocalIOError(SidecarError):
    """A local file, directory, config or keyring operation failed."""

    kind: ClassVar[ErrorKind] = "local_io"


class InternalError(SidecarError):
    """A state the sidecar should never reach."""

    kind: ClassVar[ErrorKind] = "internal"


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

    def data(self) -> dict[str, Any]:
        out = super().data()
        out.update(
            trackerCode=self.tracker_code, errors=self.errors, errorMessages=self.error_messages
        )
        return out


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
