"""The generated contract: JSON Schema, OpenRPC and TypeScript from the sidecar's own types.

Owns: which files the generator writes (`outputs`), and the OpenRPC document the running
sidecar answers `rpc.discover` with (`openrpc_document`). The types themselves live in
`sidecar/api`, the method table in `sidecar/handlers` and the protocol's own names and shapes in
`sidecar/rpc/protocol.py`; this package only reads them. Must not know: the wire or the endpoint
(the app registers `rpc.discover` and imports this package on its first call).

    python -m sidecar.contract            regenerate protocol/schema/, frontend-contract/ and
                                          docs/methods.md
    python -m sidecar.contract --check    exit 1 when a committed file differs
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from sidecar.contract import catalog, openrpc, typescript

SCHEMA_DIR = "protocol/schema"
TS_DIR = "frontend-contract/src/generated"
GENERATED_DIRS = (SCHEMA_DIR, TS_DIR)
METHODS_DOC = "docs/methods.md"
TRANSCRIPTS = Path(__file__).resolve().parents[2] / "protocol" / "transcripts"


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@functools.cache
def openrpc_document() -> dict[str, Any]:
    """The service description; built on first use, identical to `openrpc.json`."""
    return openrpc.document(catalog.build(openrpc.OPENRPC_REF))


def outputs() -> dict[str, str]:
    """Repository-relative path → content of every generated file."""
    bundle = catalog.build(openrpc.BUNDLE_REF)
    files = {
        f"{SCHEMA_DIR}/openrpc.json": _json(openrpc_document()),
        f"{SCHEMA_DIR}/ytracker-sidecar.schema.json": _json(openrpc.schema_bundle(bundle)),
    }
    ts_files = typescript.render(catalog.build(openrpc.BUNDLE_REF))
    files.update({f"{TS_DIR}/{name}": text for name, text in ts_files.items()})
    files[METHODS_DOC] = _methods_doc()
    return files


def _methods_doc() -> str:
    from sidecar.contract import markdown  # the generator's only: kept off the start-up path

    texts = {path.stem: path.read_text(encoding="utf-8") for path in TRANSCRIPTS.glob("*.jsonl")}
    return markdown.render(openrpc_document(), markdown.transcript_examples(texts))
