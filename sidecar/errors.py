"""Every failure the frontend can see: the kinds, the base error, local errors and `error.data`.

Owns: the `kind` taxonomy of `docs/interface.md` §3 and the `retryable` rule, `SidecarError`
with the structured details every failure carries, the failures that arise without talking to
Tracker, and `ErrorData`, the one Struct for a domain failure's `error.data`: the app's wire
boundary (`sidecar/wire_errors.py`) sends it and the contract generator documents it, so the
two cannot drift. Must not know: HTTP (Tracker's failures are `tracker/errors.py`), JSON-RPC or
the endpoint. Imports nothing else from `sidecar`, so every layer may raise these; `rpc/` does
not (its protocol faults are its own `RpcError`, and it never sees a domain failure).

    SidecarError                 kind, message, status, retryable, retry_after_s, request_id
    ├── NotAuthenticated         unauthenticated: no session, expired IAM token, failed refresh
    │   └── RefreshRefused       Yandex ID refused this process's refresh, not the refresh token
    ├── InvalidInput             invalid: local validation ("Comment text cannot be empty")
    ├── MissingItem              not_found: a named item is absent from what Tracker returned
    ├── LocalIOError             local_io: files, keyring, config
    ├── InternalError            internal: a bug or an impossible state
    └── TrackerError             (tracker/errors.py) talking to Tracker or Yandex OAuth failed
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

import math
from typing import Any, ClassVar, Literal

import msgspec

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


class ErrorData(msgspec.Struct, kw_only=True, rename="camel"):
    """`error.data` of every domain failure (codes -32001..-32010 and -32603 from Tracker)."""

    kind: ErrorKind
    status: int | None
    tracker_code: str | None
    errors: dict[str, Any]
    error_messages: list[str]
    retryable: bool
    retry_after_ms: int | None
    request_id: str | None


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

    def data(self) -> ErrorData:
        """The `error.data` object of `docs/interface.md` §3."""
        after = self.retry_after_s
        retry_ms = round(after * 1000) if after is not None and math.isfinite(after) else None
        return ErrorData(
            kind=self.kind,
            status=self.status,
            tracker_code=None,
            errors={},
            error_messages=[],
            retryable=self.retryable,
            retry_after_ms=retry_ms,
            request_id=self.request_id,
        )


class NotAuthenticated(SidecarError):
    """No usable session: never signed in, signed out, expired IAM token or a refused refresh."""

    kind: ClassVar[ErrorKind] = "unauthenticated"

    def __init__(self, message: str = NOT_AUTHENTICATED_MESSAGE, **kw: Any) -> None:
        super().__init__(message, **kw)


class RefreshRefused(NotAuthenticated):
    """Yandex ID answered a refresh with a 4xx other than `invalid_grant` (`invalid_client`,
    `unsupported_grant_type`, …): this process cannot renew the session, so the request is
    `unauthenticated`, yet the refresh token itself was not refused, so the stored session is
    kept for a process whose OAuth app credentials work. `data` carries the OAuth `error` as
    `trackerCode` and its `error_description` in `errorMessages`.
    """

    def __init__(
        self, *, status: int | None, oauth_error: str | None, description: str | None
    ) -> None:
        super().__init__(status=status)
        self.oauth_error = oauth_error
        self.description = description

    def data(self) -> ErrorData:
        return msgspec.structs.replace(
            super().data(),
            tracker_code=self.oauth_error,
            error_messages=[self.description] if self.description else [],
        )


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
