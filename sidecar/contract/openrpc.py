"""The OpenRPC 1.3 document and the JSON Schema bundle, rendered from the catalog.

Owns: the document shapes (methods with by-name params, results and error refs; the error
table under `components.errors`; the notifications, which OpenRPC has no slot for, under the
`x-notifications` / `x-client-notifications` extensions). Must not know: files or TypeScript.
"""

from __future__ import annotations

from typing import Any

from sidecar.contract.catalog import (
    PROTOCOL_ERRORS,
    SCHEMA_DIALECT,
    Catalog,
    ErrorSpec,
    MethodSpec,
    NotificationSpec,
)

OPENRPC_VERSION = "1.3.2"
OPENRPC_REF = "#/components/schemas/"
BUNDLE_REF = "#/$defs/"

TITLE = "ytracker-sidecar"
DESCRIPTION = (
    "The YTracker desktop app's Yandex Tracker backend: JSON-RPC 2.0 over stdio, one JSON "
    "value per line. Generated from the sidecar's msgspec types by `python -m sidecar.contract`."
)

KIND_ADVICE: dict[str, str] = {
    "unauthenticated": "No session, 401, expired IAM token or refused refresh: show sign-in.",
    "forbidden": "403: no rights or a wrong organization id; show it.",
    "not_found": "404: show it.",
    "conflict": "409/412: stale version or duplicate; re-read, then let the user retry.",
    "invalid": "400/413/422 or local validation: show the message.",
    "rate_limited": "429 after the sidecar's own retries: retry after retryAfterMs.",
    "server_error": "5xx or an undocumented 2xx body: retry later.",
    "network": "Connect, reset, DNS or TLS failure: retry later.",
    "timeout": "Tracker did not answer in time: retry later.",
    "local_io": "Files, keyring or config failed: show it.",
    "internal": "A bug: report it (the message carries an incident id).",
}

# Codes every method may answer with besides the domain kinds.
_COMMON_PROTOCOL_ERRORS = ("invalid_params", "request_cancelled", "server_shutting_down")


def document(catalog: Catalog) -> dict[str, Any]:
    """The OpenRPC document `rpc.discover` answers and `protocol/schema/openrpc.json` holds."""
    return {
        "openrpc": OPENRPC_VERSION,
        "info": {"title": TITLE, "version": catalog.protocol_version, "description": DESCRIPTION},
        "methods": [_method(catalog, method) for method in catalog.methods],
        "components": {"schemas": catalog.components, "errors": _errors(catalog)},
        "x-notifications": [_note(catalog, note) for note in catalog.notifications],
        "x-client-notifications": [_note(catalog, note) for note in catalog.client_notifications],
    }


def schema_bundle(catalog: Catalog) -> dict[str, Any]:
    """One JSON Schema 2020-12 document whose `$defs` hold every DTO of the contract."""
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "urn:ytracker-sidecar:protocol:" + catalog.protocol_version,
        "title": f"{TITLE} protocol {catalog.protocol_version} DTOs",
        "description": DESCRIPTION,
        "$defs": catalog.components,
    }


def _method(catalog: Catalog, method: MethodSpec) -> dict[str, Any]:
    refs = [kind.kind for kind in catalog.errors if kind.kind != "internal"]
    refs += ["internal_error", *_COMMON_PROTOCOL_ERRORS]
    return {
        "name": method.name,
        "summary": method.summary,
        "paramStructure": "by-name",
        "params": _params(catalog, catalog.schemas[f"params:{method.name}"]),
        "result": {"name": "result", "schema": catalog.schemas[f"result:{method.name}"]},
        "errors": [{"$ref": f"#/components/errors/{ref}"} for ref in refs],
    }


def _params(catalog: Catalog, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """One content descriptor per property of the params object."""
    target = _resolve(catalog, schema)
    required = set(target.get("required", ()))
    return [
        {"name": name, "required": name in required, "schema": prop}
        for name, prop in target.get("properties", {}).items()
    ]


def _resolve(catalog: Catalog, schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return catalog.components[ref.rsplit("/", 1)[1]] if isinstance(ref, str) else schema


def _errors(catalog: Catalog) -> dict[str, dict[str, Any]]:
    out = {spec.kind: _domain_error(spec) for spec in catalog.errors if spec.kind != "internal"}
    for name, code, message in PROTOCOL_ERRORS:
        out[name] = {"code": code, "message": message}
    out["internal_error"]["data"] = {"kind": "internal", "retryable": False}
    return out


def _domain_error(spec: ErrorSpec) -> dict[str, Any]:
    return {
        "code": spec.code,
        "message": KIND_ADVICE[spec.kind],
        "data": {"kind": spec.kind, "retryable": spec.retryable},
    }


def _note(catalog: Catalog, note: NotificationSpec) -> dict[str, Any]:
    return {
        "name": note.name,
        "summary": note.summary,
        "params": catalog.schemas[f"notification:{note.name}"],
    }
