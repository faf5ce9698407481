"""The wire boundary for domain failures: each error `kind` ↔ its JSON-RPC code, and `translate`.

Owns: the code table, which `protocol/README.md` documents, and `translate`, the
`ErrorTranslator` the app hands the endpoint: a `SidecarError` becomes an `RpcError` carrying
its `ErrorData` (`sidecar/errors.py`), which msgspec encodes as `error.data`. This is the one
module that sees both sides, so `rpc/` stays free of domain errors and `sidecar/errors.py` free
of JSON-RPC. Codes sit in JSON-RPC's implementation-defined band -32000..-32099; a kind's code
never changes once published. Must not know: how failures arise.
"""

from __future__ import annotations

from sidecar.errors import ErrorKind, SidecarError
from sidecar.rpc.errors import INTERNAL_ERROR, RpcError

KIND_CODES: dict[ErrorKind, int] = {
    "unauthenticated": -32001,
    "forbidden": -32002,
    "not_found": -32003,
    "conflict": -32004,
    "invalid": -32005,
    "rate_limited": -32006,
    "server_error": -32007,
    "network": -32008,
    "timeout": -32009,
    "local_io": -32010,
    "internal": INTERNAL_ERROR,
}


def translate(exc: BaseException) -> RpcError | None:
    """A SidecarError as the wire error the frontend expects; None for anything else."""
    if not isinstance(exc, SidecarError):
        return None
    return RpcError(KIND_CODES[exc.kind], exc.message, exc.data())
