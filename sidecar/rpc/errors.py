"""JSON-RPC error codes and the one exception type that carries a wire error.

Owns the code table and `RpcError`. Must not know which domain failures exist: the app maps its
own exceptions through an `ErrorTranslator` it hands to the endpoint.

    Exception
     └── RpcError          code + message + data, sent to the peer verbatim
"""

from collections.abc import Callable
from typing import Any

# Band allocation (never reuse a retired code):
#   -32700, -32600..-32603  JSON-RPC 2.0 protocol faults
#   -32800..-32803          LSP-style request lifecycle codes
#   -32000..-32099          application band: owned by the app's error translator, not by rpc/

PARSE_ERROR = -32700
"""The line is not valid JSON; answered with id null."""

INVALID_REQUEST = -32600
"""Valid JSON that is not a JSON-RPC 2.0 request (bad envelope, duplicate id, after shutdown)."""

METHOD_NOT_FOUND = -32601
"""No method of that name is registered."""

INVALID_PARAMS = -32602
"""Params do not match the method's params type; the message names the offending field."""

INTERNAL_ERROR = -32603
"""An unexpected exception; the wire gets an incident id, the log gets the traceback."""

REQUEST_CANCELLED = -32800
"""The peer cancelled the request with `$/cancelRequest`."""

SERVER_SHUTTING_DOWN = -32802
"""The server cancelled the request because it is shutting down."""


class RpcError(Exception):
    """An error that crosses the wire as-is: `{"code", "message", "data"?}`."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def __repr__(self) -> str:
        return f"RpcError(code={self.code}, message={self.message!r})"


ErrorTranslator = Callable[[BaseException], RpcError | None]
"""Maps a domain exception to its wire error, or returns None for "not mine" (→ internal)."""
