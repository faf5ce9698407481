"""The whole wire contract as data: methods, notifications, error kinds and their schemas.

Owns: reading the method table (`handlers.COMMANDS` and each handler's annotations), the
protocol methods the endpoint and app answer themselves (`shutdown`, `rpc.discover`), the
notification list, the error `data` shapes, and turning all their types into JSON Schema
components with msgspec. Everything generated (`protocol/schema/`, the TypeScript types) is
rendered from one `Catalog`, so nothing can list a method another output lacks.
Must not know: file layout or output formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import msgspec

from sidecar import PROTOCOL_VERSION
from sidecar.api.base import NoParams
from sidecar.api.local import TimerState, TimerStopped
from sidecar.api.system import Progress, Ready
from sidecar.errors import RETRYABLE_KINDS, ErrorData, ErrorKind
from sidecar.handlers import COMMANDS, describe
from sidecar.rpc import errors as rpc_errors
from sidecar.wire_errors import KIND_CODES

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class IncidentData(msgspec.Struct, kw_only=True, rename="camel"):
    """`error.data` of an unexpected failure (-32603): the traceback is on stderr only."""

    kind: ErrorKind
    incident_id: str


class InvalidParamsData(msgspec.Struct, kw_only=True):
    """`error.data` of -32602: the offending top-level argument (if known) and msgspec's detail."""

    field: str | None
    detail: str


class CancelParams(msgspec.Struct, kw_only=True):
    """Params of the `$/cancelRequest` notification a client sends."""

    id: int | str


class OpenRpcDocument(msgspec.Struct):
    """The OpenRPC 1.3 document describing this service (see `protocol/schema/openrpc.json`)."""


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: Any
    result: Any
    summary: str


@dataclass(frozen=True)
class NotificationSpec:
    name: str
    params: Any
    summary: str


@dataclass(frozen=True)
class ErrorSpec:
    kind: str
    code: int
    retryable: bool


PROTOCOL_METHODS = (
    MethodSpec(
        "shutdown",
        NoParams,
        None,
        "Stop accepting requests; answered once in-flight work has finished or been cancelled.",
    ),
    MethodSpec("rpc.discover", NoParams, OpenRpcDocument, "This service's OpenRPC document."),
)

SERVER_NOTIFICATIONS = (
    NotificationSpec("ready", Ready, "Sent once at start: the package and protocol versions."),
    NotificationSpec(
        "timer-tick", TimerState, "On every timer change and every 60 s while the timer runs."
    ),
    NotificationSpec(
        "timer-stopped", TimerStopped, "Reserved for a shell's tray 'Stop timer' action."
    ),
    NotificationSpec(
        "$/progress", Progress, "Bytes done/total of a running attachment download or upload."
    ),
)

CLIENT_NOTIFICATIONS = (
    NotificationSpec("$/cancelRequest", CancelParams, "Cancel an in-flight request by its id."),
    NotificationSpec("exit", None, "After `shutdown` was answered: the process exits 0."),
)

PROTOCOL_ERRORS: tuple[tuple[str, int, str], ...] = (
    ("parse_error", rpc_errors.PARSE_ERROR, "Parse error: not JSON or not UTF-8"),
    ("invalid_request", rpc_errors.INVALID_REQUEST, "Invalid Request"),
    ("method_not_found", rpc_errors.METHOD_NOT_FOUND, "Method not found"),
    ("invalid_params", rpc_errors.INVALID_PARAMS, "Invalid params: the message names the field"),
    ("internal_error", rpc_errors.INTERNAL_ERROR, "Internal error: a bug, or kind `internal`"),
    ("request_cancelled", rpc_errors.REQUEST_CANCELLED, "Request cancelled"),
    ("server_shutting_down", rpc_errors.SERVER_SHUTTING_DOWN, "Server is shutting down"),
)

DATA_TYPES: tuple[type, ...] = (ErrorData, IncidentData, InvalidParamsData)


@dataclass(frozen=True)
class Catalog:
    protocol_version: str
    methods: tuple[MethodSpec, ...]
    notifications: tuple[NotificationSpec, ...]
    client_notifications: tuple[NotificationSpec, ...]
    errors: tuple[ErrorSpec, ...]
    schemas: dict[str, dict[str, Any]]
    """JSON Schema of each method's params/result and each notification, by `role:name`."""
    components: dict[str, dict[str, Any]]
    """Every named DTO, sorted by name; `$ref`s point at `{ref_prefix}{Name}`."""


def command_methods() -> tuple[MethodSpec, ...]:
    """The application methods, read from the handler table in its order."""
    return tuple(MethodSpec(name, *describe(name, fn)) for name, fn in COMMANDS.items())


def error_specs() -> tuple[ErrorSpec, ...]:
    return tuple(
        ErrorSpec(kind, code, kind in RETRYABLE_KINDS) for kind, code in KIND_CODES.items()
    )


def build(ref_prefix: str) -> Catalog:
    """The catalog, with schema `$ref`s of the form `{ref_prefix}{Name}`."""
    methods = command_methods() + PROTOCOL_METHODS
    notes = SERVER_NOTIFICATIONS + CLIENT_NOTIFICATIONS
    roots = _roots(methods, notes)
    schemas, components = msgspec.json.schema_components(
        list(roots.values()), ref_template=ref_prefix + "{name}"
    )
    components[OpenRpcDocument.__name__] = _open_object(OpenRpcDocument)
    return Catalog(
        protocol_version=PROTOCOL_VERSION,
        methods=methods,
        notifications=SERVER_NOTIFICATIONS,
        client_notifications=CLIENT_NOTIFICATIONS,
        errors=error_specs(),
        schemas=dict(zip(roots, schemas, strict=True)),
        components=dict(sorted(components.items())),
    )


def _roots(methods: tuple[MethodSpec, ...], notes: tuple[NotificationSpec, ...]) -> dict[str, Any]:
    roots: dict[str, Any] = {}
    for method in methods:
        roots[f"params:{method.name}"] = method.params
        roots[f"result:{method.name}"] = method.result
    for note in notes:
        roots[f"notification:{note.name}"] = note.params
    for data in DATA_TYPES:
        roots[f"data:{data.__name__}"] = data
    return roots


def _open_object(cls: type) -> dict[str, Any]:
    """An opaque object component (msgspec would pin an empty Struct to no properties)."""
    return {"title": cls.__name__, "description": (cls.__doc__ or "").strip(), "type": "object"}


def error_kinds() -> tuple[str, ...]:
    return get_args(ErrorKind)
