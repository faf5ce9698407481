"""JSON-RPC 2.0 over NDJSON: envelope, framing, stdio ownership, router and endpoint.

Knows nothing of Tracker or of any handler: the app builds a `Router`, picks a transport and
an `ErrorTranslator`, and runs `Endpoint.serve()`.
"""

from sidecar.rpc.context import RequestContext
from sidecar.rpc.endpoint import Endpoint
from sidecar.rpc.errors import ErrorTranslator, RpcError
from sidecar.rpc.framing import OVERSIZED, Oversized
from sidecar.rpc.router import Method, Router
from sidecar.rpc.stdio import StdioTransport
from sidecar.rpc.transport import MemoryTransport, Transport

__all__ = [
    "OVERSIZED",
    "Endpoint",
    "ErrorTranslator",
    "MemoryTransport",
    "Method",
    "Oversized",
    "RequestContext",
    "Router",
    "RpcError",
    "StdioTransport",
    "Transport",
]
