"""The protocol's own vocabulary, declared once: its names, its error codes and its shapes.

Owns: the names of the methods and notifications that belong to the protocol rather than to
the app (the lifecycle, cancellation, progress, discovery), the error codes the endpoint and
router send with what each means, and the Structs of the params and error data they read or
write. The endpoint answers with these, and the contract generator documents them from here, so
the published schema cannot name a method, code or field the endpoint does not use.
Must not know: any application method or domain error (the app's own names live in
`sidecar/api` and `sidecar/handlers`, its error kinds in `sidecar/errors.py`).
"""

from typing import NamedTuple

import msgspec

from sidecar.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    REQUEST_CANCELLED,
    SERVER_SHUTTING_DOWN,
)
from sidecar.rpc.messages import RequestId

READY = "ready"
"""Server → client, once at start, before anything else is written."""

SHUTDOWN = "shutdown"
"""Request: stop accepting requests; answered once in-flight work has finished or been
cancelled."""

EXIT = "exit"
"""Client → server notification: stop now (after `shutdown`, or instead of it)."""

CANCEL_REQUEST = "$/cancelRequest"
"""Client → server notification: cancel an in-flight request by its id (`CancelParams`)."""

PROGRESS = "$/progress"
"""Server → client notification: bytes done/total of a running request."""

DISCOVER = "rpc.discover"
"""Request: the service's OpenRPC document (the OpenRPC convention's name)."""


class CancelParams(msgspec.Struct, kw_only=True):
    """Params of the `$/cancelRequest` notification a client sends."""

    id: RequestId


class InvalidParamsData(msgspec.Struct, kw_only=True):
    """`error.data` of -32602: the offending top-level argument (if known) and msgspec's detail."""

    field: str | None
    detail: str


class ProtocolError(NamedTuple):
    """A code the protocol itself answers with, named for documentation and clients."""

    name: str
    code: int
    meaning: str


ERRORS: tuple[ProtocolError, ...] = (
    ProtocolError("parse_error", PARSE_ERROR, "Parse error: not JSON or not UTF-8"),
    ProtocolError("invalid_request", INVALID_REQUEST, "Invalid Request"),
    ProtocolError("method_not_found", METHOD_NOT_FOUND, "Method not found"),
    ProtocolError("invalid_params", INVALID_PARAMS, "Invalid params: the message names the field"),
    ProtocolError("internal_error", INTERNAL_ERROR, "Internal error: a bug, or kind `internal`"),
    ProtocolError("request_cancelled", REQUEST_CANCELLED, "Request cancelled"),
    ProtocolError("server_shutting_down", SERVER_SHUTTING_DOWN, "Server is shutting down"),
)
