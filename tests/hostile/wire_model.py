"""What the wire must answer, written from the protocol text alone, and frames to attack it with.

The oracle (`expect`) reads `protocol/README.md` and JSON-RPC 2.0, not the sidecar's code: a
line that is not JSON gets one -32700 with id null; an object that is a request gets one
response carrying its id; a notification gets nothing; any other value gets one -32600 whose
id is the message's id when that id is valid (an integer or a string) and null otherwise; a
non-empty array gets one array holding an answer per non-notification member, or nothing when
every member is a notification; `[]` gets one error object. Bytes that are not UTF-8, and
numbers beyond a double's range, make a message unreadable (-32700, id null) when they sit in
`jsonrpc`, `method` or `id`, or in a message that is not a request; inside the params of a
request they cannot hide its id (the method answers -32602 naming the params, or ignores what
it does not read). A lone surrogate escape (`"\\ud800"`) makes the whole line unreadable.

Outputs are compared as multisets (`Answers`), because responses come in any order.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from sidecar.rpc.framing import Frame, LineSplitter, Oversized

# Methods that end serving or refuse later requests: the fuzzer never sends them by accident.
LIFECYCLE = frozenset({"exit", "shutdown"})
CANCEL = "$/cancelRequest"
_PARSE = object()


def is_valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def id_key(value: Any) -> str:
    """A hashable, type-preserving form of an id (1 and "1" differ, as they do on the wire)."""
    return json.dumps(value, sort_keys=True)


class _Huge:
    """A number beyond a double's range: well-formed JSON, but no value msgspec will build."""


HUGE = _Huge()


def _number(text: str) -> float | _Huge:
    number = float(text)
    return number if math.isfinite(number) else HUGE


def _no_constants(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def parse(frame: bytes) -> Any:
    """The JSON value of a line (bytes that are not UTF-8 kept as lone surrogates, see
    `_dirty`), or `_PARSE` when it is not JSON."""
    try:
        # A lone surrogate escape (`"\\ud800"`) makes a string no text can hold: msgspec
        # refuses the whole line, wherever the string is. Bad bytes read as U+FFFD here, so
        # every surrogate found comes from an escape.
        plain = json.loads(frame.decode("utf-8", "replace"), parse_float=_number)
        if _has_surrogate(plain):
            return _PARSE
        text = frame.decode("utf-8", "surrogateescape")
        return json.loads(text, parse_float=_number, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return _PARSE


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    return []


def _has_surrogate(value: Any) -> bool:
    return any("\ud800" <= c <= "\udfff" for s in _strings(value) for c in s)


def _dirty(value: Any) -> bool:
    """Whether a value holds what msgspec skips over but cannot build: bytes that were not
    UTF-8 (surrogate-escaped here) or a number out of range. Inside a request's params they
    cost nothing; where the message must be read whole (its envelope is wrong, so its id is
    looked for), the message cannot be read at all."""
    if value is HUGE:
        return True
    if isinstance(value, str):
        return any("\udc80" <= c <= "\udcff" for c in value)
    if isinstance(value, list):
        return any(map(_dirty, value))
    if isinstance(value, dict):
        return any(_dirty(k) or _dirty(v) for k, v in value.items())
    return False


@dataclass
class Answers:
    """Expected or observed output: single responses by id, batch arrays by their ids."""

    singles: Counter[str] = field(default_factory=Counter)
    batches: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def add(self, other: Answers) -> None:
        self.singles.update(other.singles)
        self.batches.update(other.batches)

    def empty(self) -> bool:
        return not self.singles and not self.batches


def _member(value: Any) -> str | None:
    """The id key of the answer one message gets, or None for a notification."""
    if not isinstance(value, dict) or any(
        _dirty(value.get(k)) for k in ("jsonrpc", "method", "id")
    ):
        return id_key(None)
    has_id = "id" in value
    envelope = (
        value.get("jsonrpc") == "2.0"
        and isinstance(value.get("method"), str)
        and (not has_id or is_valid_id(value["id"]))
    )
    if not envelope:
        recoverable = is_valid_id(value.get("id")) and not _dirty(value)
        return id_key(value["id"] if recoverable else None)
    params_ok = "params" not in value or isinstance(value["params"], dict | list | type(None))
    if params_ok and not has_id:
        return None
    return id_key(value["id"] if has_id else None)


def expect(frame: Frame) -> Answers:
    """What one frame (a line without its newline, or the oversize marker) must be answered."""
    answers = Answers()
    value = _PARSE if isinstance(frame, Oversized) else parse(frame)
    if value is _PARSE or (isinstance(value, list) and not value):
        answers.singles[id_key(None)] += 1
    elif isinstance(value, list):
        ids = [key for key in map(_member, value) if key is not None]
        if ids:
            answers.batches[tuple(sorted(ids))] += 1
    elif (key := _member(value)) is not None:
        answers.singles[key] += 1
    return answers


def observe(message: Any) -> Answers:
    """The answer one decoded stdout message represents (notifications represent none)."""
    answers = Answers()
    if isinstance(message, list):
        answers.batches[tuple(sorted(id_key(m.get("id")) for m in message))] += 1
    elif "method" not in message:
        answers.singles[id_key(message.get("id"))] += 1
    return answers


def frames_of(stream: bytes, max_line: int) -> list[Frame]:
    """Split bytes into frames exactly as the stdio transport does (the real splitter)."""
    splitter = LineSplitter(max_line)
    return [*splitter.feed(stream), *splitter.finish()]


def stops(message: Any) -> bool:
    """A message that asks the server to stop (legitimate, but not what a fuzzer tests)."""
    return isinstance(message, dict) and str(message.get("method")) in LIFECYCLE


def safe(value: Any) -> Any:
    """Rename lifecycle methods so a generated message never stops the server."""
    if isinstance(value, dict) and stops(value):
        return {**value, "method": "x-" + value["method"]}
    if isinstance(value, list):
        return [safe(v) for v in value]
    return value


# -- strategies -------------------------------------------------------------------------------

text = st.text(max_size=40)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
any_id = (
    st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | text
    | st.sampled_from(["", "0", "1", "null", "🦄", "\x00", "a\nb"])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.none()
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(text, st.integers(), max_size=2)
)
valid_id = st.integers(min_value=-(2**63), max_value=2**64 - 1) | text


def envelopes(methods: st.SearchStrategy[str], params: st.SearchStrategy[Any]) -> Any:
    """Request-like objects: every member optional, present ones right or wrong."""
    return st.fixed_dictionaries(
        {},
        optional={
            "jsonrpc": st.sampled_from(["2.0", "2.0", "2.0", "1.0", 2.0, ""]) | json_scalars,
            "method": methods | json_values,
            "id": any_id,
            "params": params | json_values,
        },
    )


def encoded(value: Any) -> st.SearchStrategy[bytes]:
    """A JSON value as a line, in compact, spaced or ASCII-escaped form."""
    return st.sampled_from(
        [
            json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(),
            json.dumps(value, ensure_ascii=False, indent=None).encode(),
            json.dumps(value, ensure_ascii=True).encode(),
        ]
    )


def mutated(data: bytes) -> st.SearchStrategy[bytes]:
    """`data` with a few bytes flipped, cut, inserted (invalid UTF-8 included) or deleted."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            where = draw(st.integers(0, len(out)))
            action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
            if action == "flip" and where < len(out):
                out[where] = draw(st.integers(0, 255))
            elif action == "cut":
                del out[where:]
            elif action == "insert":
                out[where:where] = draw(
                    st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"{", b"]", b'"', b","])
                    | st.binary(max_size=4)
                )
            elif where < len(out):
                del out[where]
        return bytes(out).replace(b"\n", b"")

    return build()


def nested(depth: int, inner: bytes = b"1") -> bytes:
    """`[[[...1...]]]` `depth` levels deep."""
    return b"[" * depth + inner + b"]" * depth


def deep_frames() -> st.SearchStrategy[bytes]:
    """Deep nesting at the top, inside params, and inside a batch member."""
    depth = st.sampled_from([50, 200]) | st.integers(2_000, 100_000)

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        d = draw(depth)
        request_id = draw(st.integers(0, 2**31))
        head = b'{"jsonrpc":"2.0","id":%d,"method":"patch_issue","params":{"issueKey":"TEST-1",' % (
            request_id
        )
        shapes = [
            nested(d),
            b"{" + b'"a":{' * d + b"}" * d + b"}",
            head + b'"patch":{"x":' + nested(d) + b"}}}",
            b"[" + head + b'"patch":' + nested(d) + b"}}]",
        ]
        return draw(st.sampled_from(shapes))

    return build()
