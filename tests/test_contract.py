"""The generated contract cannot drift from the Python types, and all its views agree.

Regenerates everything into memory and compares with what is committed (so a DTO field changed
without `python -m sidecar.contract` fails here), checks that the handler table, the OpenRPC
document and the TypeScript `Methods` map name the same methods, that the documented error
`data` shapes are the ones the code sends, and that a running sidecar's `rpc.discover` answers
the committed document.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from sidecar.api.issues import IssueKeyParams
from sidecar.contract import GENERATED_DIRS, TS_DIR, openrpc_document, outputs
from sidecar.contract.__main__ import REPO, drift, write
from sidecar.contract.catalog import PROTOCOL_METHODS, error_kinds
from sidecar.errors import ErrorData, NotAuthenticated, SidecarError
from sidecar.handlers import COMMANDS
from sidecar.rpc.errors import RpcError
from sidecar.rpc.protocol import InvalidParamsData
from sidecar.rpc.router import Router
from sidecar.tracker.errors import NotFound, RateLimited
from sidecar.wire_errors import KIND_CODES, translate
from tests.e2e.harness import Sidecar

OPENRPC = REPO / "protocol" / "schema" / "openrpc.json"
BUNDLE = REPO / "protocol" / "schema" / "ytracker-sidecar.schema.json"


def committed_openrpc() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(OPENRPC.read_text(encoding="utf-8"))
    return result


@pytest.mark.locked  # msgspec's schema text differs between the versions the ranges allow
def test_committed_files_match_a_fresh_generation() -> None:
    assert drift(REPO, outputs()) == [], "run `python -m sidecar.contract` and commit the result"


def test_check_flags_an_edited_a_missing_and_a_stale_file(tmp_path: Path) -> None:
    files = outputs()
    assert write(tmp_path, files) == sorted(files)
    assert drift(tmp_path, files) == []
    types = tmp_path / TS_DIR / "types.ts"
    types.write_text(types.read_text(encoding="utf-8").replace("key: string", "key: number", 1))
    (tmp_path / GENERATED_DIRS[0] / "openrpc.json").unlink()
    (tmp_path / GENERATED_DIRS[0] / "old.json").write_text("{}")
    assert drift(tmp_path, files) == [
        f"{TS_DIR}/types.ts",
        f"{GENERATED_DIRS[0]}/openrpc.json",
        f"{GENERATED_DIRS[0]}/old.json",
    ]


def test_cli_check_exits_1_on_drift_and_0_after_regenerating(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "sidecar.contract", "--out", str(tmp_path), *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)

    assert run("--check").returncode == 1
    assert run().returncode == 0
    checked = run("--check")
    assert (checked.returncode, checked.stdout) == (0, "")


def test_generation_is_deterministic() -> None:
    assert outputs() == outputs()


def _ts_method_names() -> tuple[list[str], list[str]]:
    source = (REPO / TS_DIR / "methods.ts").read_text(encoding="utf-8")
    interface = source.split("export interface Methods {", 1)[1].split("\n}\n", 1)[0]
    keys = re.findall(r'^  "?([\w.$/-]+)"?: \{ params', interface, flags=re.M)
    listed = source.split("export const METHOD_NAMES = [", 1)[1].split("]", 1)[0]
    return keys, re.findall(r'"([^"]+)"', listed)


def test_method_table_openrpc_and_typescript_name_the_same_methods() -> None:
    table = [*COMMANDS, *(method.name for method in PROTOCOL_METHODS)]
    openrpc_names = [method["name"] for method in committed_openrpc()["methods"]]
    ts_keys, ts_list = _ts_method_names()
    assert openrpc_names == table
    assert ts_keys == table
    assert ts_list == table


def test_every_ref_resolves_in_both_documents() -> None:
    for path, prefix, defs in (
        (OPENRPC, "#/components/schemas/", ("components", "schemas")),
        (BUNDLE, "#/$defs/", ("$defs",)),
    ):
        document = json.loads(path.read_text(encoding="utf-8"))
        targets = document
        for key in defs:
            targets = targets[key]
        refs = set(re.findall(r'"\$ref": "([^"]+)"', path.read_text(encoding="utf-8")))
        names = {ref.removeprefix(prefix) for ref in refs if ref.startswith(prefix)}
        assert names <= set(targets), f"{path.name}: dangling refs {names - set(targets)}"


def test_error_table_covers_every_kind_with_its_code() -> None:
    errors = committed_openrpc()["components"]["errors"]
    assert list(KIND_CODES) == list(error_kinds())
    for kind, code in KIND_CODES.items():
        assert errors["internal_error" if kind == "internal" else kind]["code"] == code


def _wire_names(struct: type) -> set[str]:
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    return {field.encode_name for field in info.fields}


@pytest.mark.parametrize(
    "error",
    [
        NotAuthenticated(),
        NotFound("http 404 Not Found: {}", status=404, error_messages=["Issue does not exist."]),
        RateLimited("http 429 Too Many Requests: ", status=429, retry_after_s=1.5),
    ],
)
def test_documented_error_data_is_what_domain_errors_send(error: SidecarError) -> None:
    wire = translate(error)
    assert wire is not None
    sent = msgspec.json.decode(msgspec.json.encode(wire.data))
    assert set(sent) == _wire_names(ErrorData)
    assert msgspec.convert(sent, ErrorData).kind == error.kind


def test_documented_invalid_params_data_is_what_the_router_sends() -> None:
    router = Router()

    async def handler(params: Any, ctx: Any) -> None:
        return None

    method = router.add("get_issue", handler, IssueKeyParams)
    with pytest.raises(RpcError) as raised:
        router.decode_params(method, msgspec.Raw(b"{}"))
    assert set(raised.value.data) == _wire_names(InvalidParamsData)
    assert msgspec.convert(raised.value.data, InvalidParamsData).field == "issueKey"


@pytest.mark.locked
def test_a_running_sidecar_answers_rpc_discover_with_the_committed_document(
    tmp_path: Path,
) -> None:
    sidecar = Sidecar(["--secrets", "memory", "--config-dir", str(tmp_path), "--no-disk-cache"])
    try:
        assert sidecar.result("rpc.discover") == committed_openrpc() == openrpc_document()
    finally:
        sidecar.stop()
