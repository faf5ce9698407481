"""The whole wire contract as data: methods, notifications, error kinds and their schemas.

Owns: reading the method table (`handlers.COMMANDS` and each handler's annotations), the
summaries of the protocol methods and notifications whose names and shapes `rpc/protocol.py`
declares (`shutdown`, `rpc.discover`, `$/cancelRequest`, …) and of the app's notifications, the
error `data` shapes (`ErrorData` from `sidecar/errors.py`), and turning all their types into
JSON Schema components with msgspec. Everything generated (`protocol/schema/`, the TypeScript
types) is rendered from one `Catalog`, so nothing can list a method another output lacks.
Must not know: file layout or output formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import msgspec

from sidecar import PROTOCOL_VERSION
from sidecar.api.base import NoParams
from sidecar.api.local import TimerState, TimerStopped
from sidecar.api.system import CacheStale, Progress, Reachability, Ready
from sidecar.api.tray import Notice, TrayState
from sidecar.errors import RETRYABLE_KINDS, ErrorData, ErrorKind
from sidecar.handlers import commands, describe
from sidecar.handlers.kept import OFFLINE, ONLINE, STALE
from sidecar.rpc import protocol
from sidecar.wire_errors import KIND_CODES

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class IncidentData(msgspec.Struct, kw_only=True, rename="camel"):
    """`error.data` of an unexpected failure (-32603): the traceback is on stderr only."""

    kind: ErrorKind
    incident_id: str


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
        protocol.SHUTDOWN,
        NoParams,
        None,
        "Stop accepting requests; answered once in-flight work has finished or been cancelled.",
    ),
    MethodSpec(protocol.DISCOVER, NoParams, OpenRpcDocument, "This service's OpenRPC document."),
)

SERVER_NOTIFICATIONS = (
    NotificationSpec(
        protocol.READY, Ready, "Sent once at start: the package and protocol versions."
    ),
    NotificationSpec(
        "timer-tick", TimerState, "On every timer change and every 60 s while the timer runs."
    ),
    NotificationSpec(
        "timer-stopped",
        TimerStopped,
        "After `tray_stop_timer` stopped a running timer: the app offers to log the time.",
    ),
    NotificationSpec(
        "tray",
        TrayState,
        "The tray menu and title, whenever they change (timer, minute, refresh, sign-out).",
    ),
    NotificationSpec(
        "notify",
        Notice,
        "A desktop notification to show (unless --no-notifications): timer started/stopped "
        "from the tray, reminders, the workday wrap-up, changes in the user's issues.",
    ),
    NotificationSpec(
        protocol.PROGRESS, Progress, "Bytes done/total of a running attachment download or upload."
    ),
    NotificationSpec(
        STALE,
        CacheStale,
        "Just before an answer read from the disk cache because Tracker could not be reached.",
    ),
    NotificationSpec(
        OFFLINE, Reachability, "Tracker could not be reached (refused, DNS, TLS, a timeout)."
    ),
    NotificationSpec(ONLINE, Reachability, "Tracker answers again after `offline`."),
)

CLIENT_NOTIFICATIONS = (
    NotificationSpec(
        protocol.CANCEL_REQUEST, protocol.CancelParams, "Cancel an in-flight request by its id."
    ),
    NotificationSpec(protocol.EXIT, None, "After `shutdown` was answered: the process exits 0."),
)

PROTOCOL_ERRORS = protocol.ERRORS

DATA_TYPES: tuple[type, ...] = (ErrorData, IncidentData, protocol.InvalidParamsData)


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
    return tuple(MethodSpec(name, *describe(name, fn)) for name, fn in commands().items())


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
