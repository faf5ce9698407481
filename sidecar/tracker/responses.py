"""What comes back from Tracker: the buffered response, typed decoding, and status errors.

Owns: `TrackerResponse` (with msgspec decoders cached per type), `status_error` (a non-2xx
answer → the errors.py class with the backend's exact message and the parsed Tracker error
body), `parse_retry_after`. Must not know: aiohttp sessions, retries or credentials.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from typing import Any, TypeVar

import msgspec
from multidict import CIMultiDictProxy

from . import errors

T = TypeVar("T")

_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


UNREADABLE = (msgspec.DecodeError, UnicodeError, RecursionError)
"""What msgspec raises for bytes it cannot read, across the versions we allow: invalid UTF-8
is UnicodeDecodeError in msgspec 0.22 and DecodeError in 0.23; deep nesting is RecursionError."""


def decoder_for(type_: Any) -> msgspec.json.Decoder[Any]:
    """One decoder per type, built once (msgspec ignores unknown fields by default)."""
    dec = _decoders.get(type_)
    if dec is None:
        dec = _decoders[type_] = msgspec.json.Decoder(type_)
    return dec


def decode_body(body: bytes, type_: type[T], *, status: int, request_id: str | None) -> T:
    """Decode a 2xx body as `type_`.

    Raises:
        errors.DecodeError: empty, malformed or mistyped body.
    """
    try:
        result: T = decoder_for(type_).decode(body)
    except UNREADABLE as exc:
        detail = str(exc) if body else "empty body"
        raise errors.DecodeError(
            f"unexpected error: error decoding response body: {detail}",
            status=status,
            request_id=request_id,
        ) from exc
    return result


class TrackerResponse(msgspec.Struct, frozen=True):
    """A fully read 2xx answer (a struct: one is made per request, and a frozen dataclass
    cost four `object.__setattr__` calls)."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    request_id: str

    def json(self, type_: type[T]) -> T:
        """The body decoded as `type_` (Structs, lists, dicts, `Any`)."""
        return decode_body(self.body, type_, status=self.status, request_id=self.request_id)


MAX_RETRY_AFTER_S = 86400.0
"""The longest `Retry-After` taken as it is (a day); a longer one is reported as this."""
_DELTA_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")  # RFC 9110 digits (a fraction tolerated)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """`Retry-After` as seconds from now, finite and within 0..MAX_RETRY_AFTER_S.

    delta-seconds or an HTTP-date (a past date is 0); None for anything else, `nan`, `inf`,
    `1e308` and negative numbers included: they are not delta-seconds.
    """
    value = (value or "").strip()
    if _DELTA_SECONDS.fullmatch(value):
        return _clamped(float(value))  # a very long digit string is inf: clamped too
    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return _clamped(seconds) if when.tzinfo is not None else None


def _clamped(seconds: float) -> float | None:
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _error_fields(body: bytes) -> tuple[dict[str, Any], list[str], str | None]:
    """errors, errorMessages and `code` from a Tracker error body; empty for HTML and junk."""
    try:
        data = msgspec.json.decode(body)
    except UNREADABLE:
        return {}, [], None
    if not isinstance(data, dict):
        return {}, [], None
    errs = data.get("errors")
    messages = data.get("errorMessages")
    code = data.get("code")
    return (
        errs if isinstance(errs, dict) else {},
        [str(m) for m in messages] if isinstance(messages, list) else [],
        code if isinstance(code, str) else None,
    )


def status_message(status: int, text: str, *, auth_form: bool) -> str:
    """The YTracker backend's exact wording for a non-2xx answer."""
    if auth_form and status in (401, 403):
        return f"authentication error: Access denied ({errors.status_text(status)}) - {text}"
    return f"http {errors.status_text(status)}: {text}"


def status_error(
    status: int,
    headers: CIMultiDictProxy[str],
    body: bytes,
    *,
    auth_form: bool,
    request_id: str | None,
) -> errors.HTTPStatusError:
    """The exception for a non-2xx answer; `auth_form` is for JSON API calls."""
    errs, messages, code = _error_fields(body)
    return errors.class_for_status(status)(
        status_message(status, body.decode("utf-8", "replace"), auth_form=auth_form),
        status=status,
        errors=errs,
        error_messages=messages,
        tracker_code=code,
        retry_after_s=parse_retry_after(headers.get("Retry-After")),
        request_id=request_id,
    )
