"""`docs/methods.md`: the method reference for people, rendered from the OpenRPC document.

Owns: the page's shape (the error table, each method's params, result, errors and an example,
the notifications, the types those reach), JSON Schema shown as short TypeScript-like types,
and the examples: the first exchange of a method in its golden transcript
(`protocol/transcripts/<method>.jsonl`, replayed by the tests, so it is real), shortened, else
a request built from the params schema. Must not know: where files live (`outputs` passes the
transcripts in) or how the document is built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

Json = dict[str, Any]
Example = tuple[Json, Json | None]
"""A request and, when it came from a transcript, its response."""

REF = "#/components/schemas/"
MAX_STRING = 60
MAX_ITEMS = 2

INTRO = """\
# Method reference

Generated from `protocol/schema/openrpc.json` by `python -m sidecar.contract`; do not edit.
The wire (framing, lifecycle, cancellation, error `data`) is in `protocol/README.md`; what each
command means for the YTracker frontend is in its specification.

Every request is `{"jsonrpc": "2.0", "id": <int or string>, "method": <name>, "params": {...}}`
on one line; `params` is an object with the names below (camelCase as the frontend sends them)
and may be omitted when every parameter is optional. Examples are pretty-printed; on the wire
each message is one line. Examples marked *from a transcript* are real exchanges with the test
Tracker (long strings and lists shortened); the others show only the request, with placeholders.
"""


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def render(document: Json, examples: Mapping[str, Example]) -> str:
    errors: Json = document["components"]["errors"]
    schemas: Json = document["components"]["schemas"]
    lines = [INTRO, "## Contents", ""]
    lines += [f"- [`{m['name']}`](#{slug(m['name'])}): {m['summary']}" for m in document["methods"]]
    lines += ["", *_errors_table(errors)]
    lines += ["## Methods", ""]
    for method in document["methods"]:
        lines += _method(method, errors, examples.get(method["name"]))
    lines += _notifications(document)
    lines += ["## Types", ""]
    for name in sorted(_reachable(document, schemas)):
        lines += _type(name, schemas[name])
    return "\n".join(lines).rstrip("\n") + "\n"


# -- errors, methods, notifications --------------------------------------------------------------


def _table(*header: str) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _errors_table(errors: Json) -> list[str]:
    lines = ["## Errors", "", *_table("code", "name", "kind", "retryable", "meaning")]
    for name, error in sorted(errors.items(), key=lambda item: -int(item[1]["code"])):
        data = error.get("data", {})
        kind = f"`{data['kind']}`" if "kind" in data else ""
        retry = {True: "yes", False: "no"}.get(data.get("retryable"), "")
        lines.append(_row(error["code"], f"`{name}`", kind, retry, _cell(error["message"])))
    return [*lines, ""]


def _method(method: Json, errors: Json, example: Example | None) -> list[str]:
    lines = [f"### `{method['name']}`", "", method["summary"], ""]
    lines += _params(method["params"])
    lines += [f"**Result:** {_type_of(method['result']['schema'])}", ""]
    lines += [f"**Errors:** {_error_refs(method.get('errors', []), errors)}", ""]
    return lines + _example(method, example)


def _params(params: list[Json]) -> list[str]:
    if not params:
        return ["**Params:** none.", ""]
    lines = ["**Params:**", "", *_table("name", "type", "required", "default")]
    for param in params:
        schema = param["schema"]
        default = f"`{json.dumps(schema['default'])}`" if "default" in schema else ""
        required = "yes" if param.get("required") else "no"
        lines.append(_row(f"`{param['name']}`", _type_of(schema), required, default))
    return [*lines, ""]


def _error_refs(refs: list[Json], errors: Json) -> str:
    names = [ref["$ref"].rsplit("/", 1)[1] for ref in refs]
    codes = sorted(-int(errors[name]["code"]) for name in names if name in errors)
    return f"{_code_ranges(codes)} (see [Errors](#errors))" if codes else "none."


def _code_ranges(codes: list[int]) -> str:
    """`[32001, 32002, 32003, 32602]` → "-32001 to -32003, -32602"."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][-1] + 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    return ", ".join(f"-{r[0]}" if len(r) == 1 else f"-{r[0]} to -{r[-1]}" for r in runs)


def _example(method: Json, example: Example | None) -> list[str]:
    if example is None:
        example = (_synthetic_request(method), None)
    request, response = example
    source = "from a transcript" if response is not None else "request only"
    lines = [f"**Example** ({source}):", "", "```json", _pretty(request), "```"]
    if response is not None:
        lines += ["", "```json", _pretty(response), "```"]
    return [*lines, ""]


def _notifications(document: Json) -> list[str]:
    lines = ["## Notifications", "", *_table("direction", "method", "params", "when")]
    directions = (
        ("sidecar → shell", "x-notifications"),
        ("shell → sidecar", "x-client-notifications"),
    )
    for direction, key in directions:
        for note in document.get(key, []):
            params = _type_of(note["params"])
            lines.append(_row(direction, f"`{note['name']}`", params, _cell(note["summary"])))
    return [*lines, ""]


def _type(name: str, schema: Json) -> list[str]:
    lines = [f"### {name}", ""]
    if schema.get("description"):
        lines += [schema["description"], ""]
    properties: Json = schema.get("properties", {})
    if not properties:
        return [*lines, f"Type: {_type_of({k: v for k, v in schema.items() if k != 'title'})}", ""]
    required = set(schema.get("required", ()))
    lines += _table("field", "type", "required")
    for field, field_schema in properties.items():
        needed = "yes" if field in required else "no"
        lines.append(_row(f"`{field}`", _type_of(field_schema), needed))
    return [*lines, ""]


# -- JSON Schema as a short type ------------------------------------------------------------------


def _type_of(schema: Any) -> str:
    return _inner_type(schema).replace("|", "\\|")


def _inner_type(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "any"
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF)
        return f"[{name}](#{slug(name)})"
    if "anyOf" in schema:
        return " | ".join(_inner_type(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    return _typed(schema)


def _typed(schema: Json) -> str:
    kind = schema.get("type")
    if kind is None:
        return "any"
    if isinstance(kind, list):
        return " | ".join(_typed({**schema, "type": one}) for one in kind)
    if kind == "array":
        return _array(schema)
    if kind in ("integer", "number") and ("minimum" in schema or "maximum" in schema):
        return f"{kind} ({schema.get('minimum', '…')}–{schema.get('maximum', '…')})"
    return str(kind)


def _array(schema: Json) -> str:
    if "prefixItems" in schema:
        return "[" + ", ".join(_inner_type(item) for item in schema["prefixItems"]) + "]"
    inner = _inner_type(schema.get("items", {}))
    return f"({inner})[]" if " | " in inner else f"{inner}[]"


def _reachable(document: Json, schemas: Json) -> set[str]:
    """The components any method, notification or error refers to, transitively."""
    roots = {key: value for key, value in document.items() if key != "components"}
    found: set[str] = set()
    todo = list(_refs(roots))
    while todo:
        name = todo.pop()
        if name in found or name not in schemas:
            continue
        found.add(name)
        todo += _refs(schemas[name])
    return found | {name for name in schemas if name.endswith("Data")}


def _refs(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF):
            yield ref.removeprefix(REF)
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


# -- examples -------------------------------------------------------------------------------------


def transcript_examples(transcripts: Mapping[str, str]) -> dict[str, Example]:
    """Method → its first request in `<method>.jsonl` and the answer with the same id."""
    found: dict[str, Example] = {}
    for method, text in transcripts.items():
        steps = [json.loads(line) for line in text.splitlines() if line.strip()]
        pair = _first_exchange(method, steps)
        if pair is not None:
            found[method] = pair
    return found


def _first_exchange(method: str, steps: list[Json]) -> Example | None:
    for i, step in enumerate(steps):
        request = step.get("send")
        if not isinstance(request, dict) or request.get("method") != method:
            continue
        for later in steps[i + 1 :]:
            response = later.get("expect")
            if isinstance(response, dict) and response.get("id") == request.get("id"):
                return _shorten(request), _shorten(response)
    return None


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_STRING:
        return value[: MAX_STRING - 20] + "…"
    if isinstance(value, list):
        return [_shorten(item) for item in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        return {key: _shorten(item) for key, item in value.items()}
    return value


def _synthetic_request(method: Json) -> Json:
    params = {p["name"]: _sample(p) for p in method["params"]}
    request: Json = {"jsonrpc": "2.0", "id": 1, "method": method["name"]}
    return {**request, "params": params} if params else request


def _sample(param: Json) -> Any:
    """A required param's placeholder, an optional one's default (or placeholder)."""
    schema = param["schema"]
    if not param.get("required") and isinstance(schema, dict) and "default" in schema:
        return schema["default"]
    return _placeholder(param["name"], schema)


def _placeholder(name: str, schema: Any) -> Any:
    if not isinstance(schema, dict):
        return None
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if options:
        return _placeholder(name, options[0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(
        str(kind), f"<{name}>" if kind == "string" else {}
    )


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
