"""Params for every method, right and wrong, derived from the contract Structs themselves.

`sidecar.handlers.COMMANDS` + `describe()` give each method's params Struct; msgspec's type info
gives every field's wire name and type. From that: `valid_params(method)` draws objects that
match the type exactly, and `wrong_params(method)` draws objects where one top-level field holds
a value of the wrong type (or a required field is missing), naming that field. Values are
hostile where the type allows (empty, blank, huge, control characters, RTL, `..`), known keys of
the fake's test data are mixed in so that handlers get past the first lookup, and file paths
stay inside the given sandbox folder: a fuzzer must not write or read outside it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect as mi
from hypothesis import strategies as st

from sidecar.handlers import COMMANDS, describe, handler
from tests.hostile.wire_model import json_values

# Names that download or upload files: their strings are paths inside the sandbox.
PATH_FIELDS = frozenset({"destPath", "filePath"})
KNOWN_STRINGS = [
    "TEST-1",
    "TEST-2",
    "OPS-1",
    "NOPE-404",
    "301",
    "302",
    "1001",
    "c1",
    "start",
    "resolve",
    "P1D",
    "1h 30m",
    "me()",
    "Assignee: me()",
    "open",
    "TEST",
    "",
    " ",
    "\t\n",
    "\x00",
    "../..",
    "%2e%2e/",
    "🦄" * 3,
    "\u202eRTL",
    "x" * 5_000,
]
hostile_text = st.sampled_from(KNOWN_STRINGS) | st.text(max_size=30)
# Values of the fake's test data by field name, drawn two times in three, so that handlers get
# past their first lookup and reach conversion, writes and their results.
HINTS: dict[str, list[str | int]] = {
    "issueKey": ["TEST-1", "TEST-2", "TEST-5", "TEST-6", "TEST-7", "OPS-1", "OPS-3"],
    "issueKeys": ["TEST-1", "TEST-2", "OPS-1"],
    "attachmentId": ["301", "302", "303"],
    "itemId": ["c1", "c2"],
    "commentId": ["101", "102", 101, 103],
    "transitionId": ["start_progress", "resolve", "close", "stop_progress", "need_info"],
    "queue": ["TEST", "OPS"],
    "resolution": ["fixed", "wontFix"],
    "duration": ["PT1H", "1h 30m", "P1D", "2w", "0"],
    "path": ["/ajax/v2/attachments/301", "attachment:303", "/v2/attachments/301"],
}


@dataclass(frozen=True)
class Field:
    name: str  # the wire name (camelCase for params)
    type: mi.Type
    required: bool


def methods() -> list[str]:
    return sorted(COMMANDS)


def params_type(method: str) -> type:
    params, _result, _summary = describe(method, handler(method))
    return params


def result_type(method: str) -> Any:
    return describe(method, handler(method))[1]


@functools.cache
def fields(method: str) -> tuple[Field, ...]:
    info = mi.type_info(params_type(method))
    assert isinstance(info, mi.StructType), info
    return tuple(Field(f.encode_name, _bare(f.type), f.required) for f in info.fields)


def _bare(t: mi.Type) -> mi.Type:
    """The type inside any `Meta` (descriptions, schema extras) wrapped around it."""
    return _bare(t.type) if isinstance(t, mi.Metadata) else t


@functools.cache
def _decoder(typ: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(typ)


def accepts(t: mi.Type, value: Any) -> bool:
    """Whether a JSON value decodes as `t` (msgspec is the type's own definition)."""
    try:
        _decoder(_python_type(t)).decode(msgspec.json.encode(value))
    except (msgspec.ValidationError, msgspec.DecodeError):
        return False
    return True


def _python_type(t: mi.Type) -> Any:
    """Back from type info to a decodable type (only the kinds the contract uses)."""
    if isinstance(t, mi.Metadata):
        return _python_type(t.type)
    simple: dict[type, Any] = {
        mi.StrType: str,
        mi.BoolType: bool,
        mi.NoneType: type(None),
        mi.AnyType: Any,
    }
    if type(t) in simple:
        return simple[type(t)]
    if isinstance(t, mi.IntType):
        meta = msgspec.Meta(ge=t.ge, le=t.le, gt=t.gt, lt=t.lt)
        from typing import Annotated

        return Annotated[int, meta]
    if isinstance(t, mi.LiteralType):
        from typing import Literal

        return Literal[t.values]
    if isinstance(t, mi.UnionType):
        return functools.reduce(lambda a, b: a | b, map(_python_type, t.types))
    if isinstance(t, mi.ListType):
        return list[_python_type(t.item_type)]  # type: ignore[misc]
    if isinstance(t, mi.DictType):
        return dict[_python_type(t.key_type), _python_type(t.value_type)]  # type: ignore[misc]
    if isinstance(t, mi.StructType):
        return t.cls
    raise NotImplementedError(f"no strategy for {t!r}")


def valid(t: mi.Type, name: str, sandbox: Path) -> st.SearchStrategy[Any]:
    """JSON values that `t` accepts (hostile where the type allows)."""
    if isinstance(t, mi.Metadata):  # a description or schema extra around the real type
        return valid(t.type, name, sandbox)
    hinted = [v for v in HINTS.get(name, []) if accepts(t, v)]
    if hinted and not isinstance(t, mi.UnionType):
        return st.one_of(
            st.sampled_from(hinted), st.sampled_from(hinted), _unhinted(t, name, sandbox)
        )
    return _unhinted(t, name, sandbox)


def _unhinted(t: mi.Type, name: str, sandbox: Path) -> st.SearchStrategy[Any]:
    if isinstance(t, mi.StrType):
        return sandbox_paths(sandbox) if name in PATH_FIELDS else hostile_text
    if isinstance(t, mi.IntType):
        low = t.ge if t.ge is not None else -(2**63)
        high = t.le if t.le is not None else 2**64 - 1
        return st.integers(low, high) | st.sampled_from([low, high, 0, 1, 1001]).filter(
            lambda v: low <= v <= high
        )
    if isinstance(t, mi.BoolType):
        return st.booleans()
    if isinstance(t, mi.NoneType):
        return st.none()
    if isinstance(t, mi.AnyType):
        return json_values
    if isinstance(t, mi.LiteralType):
        return st.sampled_from(t.values)
    if isinstance(t, mi.UnionType):
        return st.one_of([valid(m, name, sandbox) for m in t.types])
    if isinstance(t, mi.ListType):
        return st.lists(valid(t.item_type, name, sandbox), max_size=5)
    if isinstance(t, mi.DictType):
        return st.dictionaries(hostile_text, valid(t.value_type, name, sandbox), max_size=4)
    if isinstance(t, mi.StructType):
        return _objects([Field(f.encode_name, f.type, f.required) for f in t.fields], sandbox)
    raise NotImplementedError(f"no strategy for {t!r}")


def sandbox_paths(sandbox: Path) -> st.SearchStrategy[str]:
    """Paths inside `sandbox`: files that exist or not, folders, missing parents, blanks."""
    names = st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"),
        min_size=1,
        max_size=12,
    ).filter(lambda n: n.strip(" .") != "")
    fixed = st.sampled_from(["", "  ", str(sandbox), str(sandbox / "missing" / "deep" / "f.bin")])
    return fixed | names.map(lambda n: str(sandbox / n))


def _objects(members: list[Field], sandbox: Path) -> st.SearchStrategy[dict[str, Any]]:
    required = {f.name: valid(f.type, f.name, sandbox) for f in members if f.required}
    optional = {f.name: valid(f.type, f.name, sandbox) for f in members if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


def valid_params(method: str, sandbox: Path) -> st.SearchStrategy[dict[str, Any]]:
    return _objects(list(fields(method)), sandbox)


def wrong_value(t: mi.Type) -> st.SearchStrategy[Any]:
    """JSON values that `t` rejects."""
    return json_values.filter(lambda v: not accepts(t, v))


def wrong_params(method: str, sandbox: Path) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """(the field at fault, params where that one field is wrong or, if required, missing)."""
    candidates = [f for f in fields(method) if not isinstance(f.type, mi.AnyType)]

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
        params = draw(valid_params(method, sandbox))
        target = draw(st.sampled_from(candidates))
        if target.required and draw(st.booleans()):
            params.pop(target.name, None)
        else:
            params[target.name] = draw(wrong_value(target.type))
        return target.name, params

    return build()


def has_typed_fields(method: str) -> bool:
    return any(not isinstance(f.type, mi.AnyType) for f in fields(method))


Check = Callable[[Any], None]
