"""JSON-RPC 2.0 envelope Structs and their first-stage decoding.

Owns the shape of requests, notifications, responses and error objects on the wire. Params stay
`msgspec.Raw` here; the router decodes them in a second stage against the method's own type.
Must not know methods, handlers or transports.
"""

from collections.abc import Callable
from typing import Any, Literal, TypeAlias, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

RequestId: TypeAlias = int | str
"""Strict: bool is rejected (True would alias 1), and so are floats and null."""

_STRUCTURED_PARAMS = (ord("{"), ord("["))
T = TypeVar("T")


class Request(msgspec.Struct, frozen=True):
    """An inbound request, or a notification when `id` is UNSET."""

    jsonrpc: Literal["2.0"]
    method: str
    id: RequestId | UnsetType = UNSET
    params: msgspec.Raw = msgspec.Raw()
    """Undecoded params; empty when absent."""

    @property
    def is_notification(self) -> bool:
        return self.id is UNSET

    def params_or_none(self) -> msgspec.Raw | None:
        """The params, or None when they are absent or `null`."""
        raw = bytes(self.params)
        return None if not raw or raw == b"null" else self.params


class ErrorObject(msgspec.Struct, frozen=True):
    """The `error` member of a response; `data` is left out when UNSET."""

    code: int
    message: str
    data: Any = UNSET


class Response(msgspec.Struct, frozen=True, kw_only=True):
    """A response: always `"jsonrpc":"2.0"`, and exactly one of result or error.

    No `omit_defaults`: it would drop `jsonrpc`. UNSET members are never encoded, so a
    `None` result still encodes as `"result": null`.
    """

    jsonrpc: Literal["2.0"] = "2.0"
    id: RequestId | None
    result: Any = UNSET
    error: ErrorObject | UnsetType = UNSET


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    """An outbound notification."""

    jsonrpc: Literal["2.0"] = "2.0"
    method: str
    params: Any = UNSET


class InvalidEnvelope(Exception):
    """Valid JSON that is not a request; `id` is the recoverable id or None."""

    def __init__(self, reason: str, id: RequestId | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.id = id


_request_decoder = msgspec.json.Decoder(Request)
_batch_decoder = msgspec.json.Decoder(list[msgspec.Raw])


def is_batch(frame: bytes) -> bool:
    """A frame whose first non-blank byte opens an array is a batch."""
    return frame.lstrip()[:1] == b"["


def decode_batch(frame: bytes) -> list[msgspec.Raw]:
    """Split a batch into its members, still undecoded.

    Raises:
        msgspec.DecodeError: the frame is not valid JSON.
    """
    return _parsed(_batch_decoder.decode, frame)


UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
"""What msgspec raises for bytes it cannot read, across the versions we allow: invalid UTF-8
is UnicodeDecodeError in 0.22 and DecodeError in 0.23; deep nesting is RecursionError."""


def _bad_utf8(exc: BaseException) -> bool:
    return isinstance(exc, UnicodeDecodeError) or "UTF-8" in str(exc)


def unreadable_reason(exc: BaseException, what: str) -> str:
    """Why `what` could not be read, worded the same whatever msgspec version raised `exc`."""
    if _bad_utf8(exc):
        return f"{what} are not valid UTF-8"
    if isinstance(exc, RecursionError):
        return f"{what} are nested too deeply"
    return f"{what} are not valid JSON: {exc}"


def _parsed(decode: Callable[[Any], T], data: Any) -> T:
    """`decode(data)`; any bytes msgspec cannot read are a parse error (DecodeError), never a
    crash. A function, not a context manager: it runs for every request, where a
    generator-based manager cost ~6 calls."""
    try:
        return decode(data)
    except msgspec.ValidationError:
        raise
    except UNREADABLE as exc:
        raise msgspec.DecodeError(_malformed(exc)) from None


def _malformed(exc: BaseException) -> str:
    if _bad_utf8(exc):
        return "JSON is malformed: invalid UTF-8"
    if isinstance(exc, RecursionError):
        return "JSON is malformed: nested too deeply"
    return str(exc)


def decode_request(data: bytes | msgspec.Raw) -> Request:
    """Decode and check one request envelope.

    Raises:
        msgspec.DecodeError: not valid JSON (a parse error).
        InvalidEnvelope: valid JSON but not a JSON-RPC 2.0 request.
    """
    try:
        request = _parsed(_request_decoder.decode, data)
    except msgspec.ValidationError as exc:
        # msgspec validates while it parses, so a type error may hide a later syntax error.
        raise InvalidEnvelope(str(exc), recover_id(_decode_any(data))) from None
    params = bytes(request.params)
    if params and params[0] not in _STRUCTURED_PARAMS and params != b"null":
        raise InvalidEnvelope("params must be an object or an array", request_id(request))
    return request


def _decode_any(data: bytes | msgspec.Raw) -> Any:
    return _parsed(msgspec.json.decode, data)


def recover_id(value: Any) -> RequestId | None:
    """The id of a rejected message, when it is present and valid."""
    if not isinstance(value, dict):
        return None
    candidate = value.get("id")
    if isinstance(candidate, str) or (
        isinstance(candidate, int) and not isinstance(candidate, bool)
    ):
        return candidate
    return None


def request_id(request: Request) -> RequestId | None:
    """The request's id, or None for a notification."""
    return None if isinstance(request.id, UnsetType) else request.id
