"""Fuzzing the wire: arbitrary and mutated frames against the real app's endpoint.

In memory (`LiveEndpoint`: the real App, Router, handlers and Tracker client over a
MemoryTransport) for most examples, and through a spawned sidecar's real stdin/stdout for a
smaller share. Properties, for every example: serving goes on; every frame gets exactly the
answers `wire_model.expect` derives from the protocol text (one response per request with a
valid id, carrying that id; nothing for notifications; -32700/-32600 with id null for garbage);
every output line is one valid JSON-RPC message; a wrong type in any field of any method's
params is a -32602 naming that field; well-typed params never meet an internal error and a
result always has the method's declared result type.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, assume, event, example, given, strategies as st

from sidecar.rpc.framing import Oversized
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.live_endpoint import MAX_LINE, LiveEndpoint
from tests.hostile.params_model import (
    has_typed_fields,
    methods,
    result_type,
    valid_params,
    wrong_params,
)
from tests.hostile.profiles import fuzz
from tests.hostile.secret_audit import AUDIT
from tests.hostile.wire_model import (
    CANCEL,
    Answers,
    deep_frames,
    encoded,
    envelopes,
    expect,
    frames_of,
    id_key,
    json_values,
    mutated,
    observe,
    parse,
    safe,
    stops,
)

PROTOCOL_FAULTS = {-32700, -32600, -32601, -32602, -32603}
FUNCTION_FIXTURE = [HealthCheck.function_scoped_fixture]

method_names = st.sampled_from([*methods(), CANCEL, "rpc.discover", "nope", "", "PING"])
requests = envelopes(method_names, json_values)
structured = (requests | st.lists(requests | json_values, max_size=6) | json_values).map(safe)
FIXED = [b"", b"   ", b"\r", b"[]", b"{}", b"null", b"[1,2]", b"[[]]", b"\xff\xfe", b"\x00", b'"']


def lines(max_line: int | None) -> st.SearchStrategy[bytes]:
    """One line of garbage or near-requests; `max_line` adds lines one byte too long."""
    options = [
        structured.flatmap(encoded),
        structured.flatmap(encoded).flatmap(mutated),
        st.binary(max_size=120),
        st.sampled_from(FIXED),
    ]
    if max_line is not None:
        options.append(st.builds(oversized, st.just(max_line)))
    return st.one_of(options)


def oversized(max_line: int) -> bytes:
    """A request one byte too long to be read."""
    head, tail = b'{"jsonrpc":"2.0","id":1,"method":"ping","x":"', b'"}'
    return head + b"y" * (max_line + 1 - len(head) - len(tail)) + tail


def streams(max_line: int | None) -> st.SearchStrategy[bytes]:
    return st.lists(lines(max_line), min_size=1, max_size=8).map(lambda ls: b"\n".join(ls) + b"\n")


def stops_serving(frame: bytes | Oversized) -> bool:
    """A frame that asks the server to stop: legitimate, but not what this fuzzer tests."""
    value = None if isinstance(frame, Oversized) else parse(frame)
    members = value if isinstance(value, list) else [value]
    return any(map(stops, members))


@pytest.fixture
def live(
    fake_tracker: FakeTrackerServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveEndpoint]:
    (tmp_path / "existing.txt").write_text("kept\n")
    # A bare destination name goes to the user's Downloads folder: this sandbox's, here.
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "user-dirs.dirs").write_text('XDG_DOWNLOAD_DIR="$HOME/Downloads"\n')
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    endpoint = LiveEndpoint(fake_tracker, tmp_path)
    yield endpoint
    assert endpoint.alive()
    assert endpoint.close() == 0
    AUDIT.harvest(fake_tracker)
    AUDIT.add_output("the in-memory endpoint's frames", b"\n".join(endpoint.frames()))
    AUDIT.add_files(tmp_path)


def _answered(live: LiveEndpoint, frames: list[bytes | Oversized]) -> None:
    expected = Answers()
    for frame in frames:
        expected.add(expect(frame))
    started = time.monotonic()
    got = live.exchange(frames, expected)
    assert live.alive()
    shown = [f if isinstance(f, Oversized) else f[:200] for f in frames]
    assert got == expected, (shown, f"{time.monotonic() - started:.1f}s", live.messages[-3:])


# -- arbitrary frames -------------------------------------------------------------------------


@fuzz(0.35, suppress_health_check=FUNCTION_FIXTURE)
@given(stream=streams(MAX_LINE))
@example(stream=b'{}\n[{"": "\\ud839x"}, null]\n')  # a lone surrogate escape: unreadable
@example(stream=b'[{"jsonrpc":null},{"params":[-1.797693134863153e+308]}]\n')  # out of range
@example(stream=b'{"jsonrpc":"1.0","id":5,"method":"x","params":[1e999]}\n')
@example(stream=b'{"jsonrpc":"2.0","id":7,"method":"get_issue","params":{"issueKey":"\xff"}}\n')
def test_every_frame_gets_the_answers_the_protocol_defines(
    live: LiveEndpoint, stream: bytes
) -> None:
    frames = frames_of(stream, MAX_LINE)
    assume(not any(stops_serving(f) for f in frames))
    _answered(live, frames)


@fuzz(0.1, suppress_health_check=FUNCTION_FIXTURE)
@given(
    calls=st.lists(
        st.tuples(
            st.sampled_from(["ping", "version", "has_session", "get_timer_state"]), st.data()
        ),
        min_size=1,
        max_size=10,
    ),
    ids=st.lists(st.integers(-(2**63), 2**64 - 1) | st.text(max_size=20), min_size=10, max_size=10),
    batched=st.booleans(),
)
def test_ids_of_every_valid_type_come_back_exactly_once(
    live: LiveEndpoint, calls: list[tuple[str, Any]], ids: list[Any], batched: bool
) -> None:
    messages = [
        {"jsonrpc": "2.0", "id": ids[n], "method": method} for n, (method, _) in enumerate(calls)
    ]
    if batched:
        frames: list[bytes | Oversized] = [msgspec.json.encode(messages)]
    else:
        frames = [msgspec.json.encode(m) for m in messages]
    _answered(live, frames)


@fuzz(0.04, suppress_health_check=FUNCTION_FIXTURE)
@given(frame=deep_frames())
def test_deep_nesting_gets_one_answer_and_serving_goes_on(live: LiveEndpoint, frame: bytes) -> None:
    """How deep msgspec reads depends on the interpreter's recursion limit (hypothesis raises
    it), so the answer's form may vary; its count and ids may not."""
    request_id = parse_id(frame)
    barrier = msgspec.json.encode({"jsonrpc": "2.0", "id": "barrier", "method": "ping"})
    expected = Answers()
    expected.singles[id_key("barrier")] = 1
    before = len(live.messages)
    live.exchange([frame, barrier], expected)
    if request_id is not None and len(_answers(live, before)) == 0:  # read, sent to Tracker
        expected = Answers()
        expected.singles[id_key(request_id)] = 1
        live.exchange([], expected)
    answers = _answers(live, before)
    assert len(answers) == 1, answers
    members = answers[0] if isinstance(answers[0], list) else [answers[0]]
    assert len(members) == 1 and members[0]["id"] in (None, request_id), answers
    if members[0]["id"] is None:
        assert members[0]["error"]["code"] in (-32700, -32600), answers


def _answers(live: LiveEndpoint, since: int) -> list[Any]:
    """Responses written since `since`, the barrier's left out (the sidecar's own notifications,
    such as `tray` or `timer-tick`, answer nothing)."""
    return [
        m
        for m in live.messages[since:]
        if not (isinstance(m, dict) and (m.get("id") == "barrier" or "method" in m))
    ]


def parse_id(frame: bytes) -> int | None:
    match = re.search(rb'"id":(\d+)', frame)
    return int(match[1]) if match else None


# -- params of every method -------------------------------------------------------------------


TYPED = [m for m in methods() if has_typed_fields(m)]


@fuzz(0.2, suppress_health_check=FUNCTION_FIXTURE)
@given(data=st.data(), method=st.sampled_from(TYPED))
def test_a_wrong_type_in_any_field_is_invalid_params_naming_it(
    live: LiveEndpoint, data: st.DataObject, method: str
) -> None:
    field, params = data.draw(wrong_params(method, live.sandbox))
    error = _call(live, method, params)["error"]
    assert error["code"] == -32602, error
    assert error["data"]["field"] == field, error
    assert error["message"].startswith(f"invalid args `{field}` for command `{method}`: "), error


@fuzz(0.25, suppress_health_check=FUNCTION_FIXTURE)
@given(data=st.data(), method=st.sampled_from(methods()))
def test_well_typed_params_meet_no_protocol_fault_and_results_keep_their_type(
    live: LiveEndpoint, data: st.DataObject, method: str
) -> None:
    params = data.draw(valid_params(method, live.sandbox))
    response = _call(live, method, params)
    event(f"{method}: {response.get('error', {}).get('data', {}).get('kind', 'result')}")
    if "error" in response:
        error = response["error"]
        assert error["code"] not in PROTOCOL_FAULTS, (method, params, error)
        assert error["data"]["kind"] != "internal", (method, params, error)
        assert isinstance(error["data"]["retryable"], bool)
    else:
        msgspec.convert(response["result"], result_type(method), strict=True)


_ids = iter(range(10**12, 10**13))


def _call(live: LiveEndpoint, method: str, params: Any) -> dict[str, Any]:
    request_id = f"p-{next(_ids)}"
    frame = msgspec.json.encode(
        {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
    )
    expected = Answers()
    expected.singles[id_key(request_id)] = 1
    before = len(live.messages)
    got = live.exchange([frame], expected)
    assert got == expected, (method, params)
    answers = [
        m for m in live.messages[before:] if isinstance(m, dict) and m.get("id") == request_id
    ]
    assert len(answers) == 1
    return answers[0]


# -- through a real process -------------------------------------------------------------------

SPAWNED_MAX_LINE = 64 * 1024 * 1024


@pytest.fixture
def process(spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path) -> Iterator[Sidecar]:
    env = {"HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path)}
    sidecar = spawn(*fake_args(fake_tracker), env=env)
    sidecar.notification("ready")
    yield sidecar
    assert sidecar.result("ping") == "pong"
    assert sidecar.stop() == 0
    assert sidecar.drain_stdout() == []  # every line was read and validated above


@fuzz(0.05, cap=1_500, suppress_health_check=FUNCTION_FIXTURE)
@given(stream=streams(None))  # the 64 MiB line has a test of its own below
def test_a_spawned_sidecar_answers_fuzzed_stdin_and_writes_only_protocol(
    process: Sidecar, stream: bytes
) -> None:
    frames = frames_of(stream, SPAWNED_MAX_LINE)
    assume(not any(stops_serving(f) for f in frames))
    expected = Answers()
    for frame in frames:
        expected.add(expect(frame))
    process.send_raw(stream)
    got = Answers()
    while got != expected:
        message = process.read_message(timeout=15)  # parses and checks the JSON-RPC shape
        assert message is not None, process.stderr[-2000:]
        got.add(observe(message))
        assert all(got.singles[k] <= n for k, n in expected.singles.items() if k in got.singles)
    assert process.proc.poll() is None


def test_a_line_over_the_limit_is_refused_and_the_next_one_served(process: Sidecar) -> None:
    process.send_raw(b"[" * (SPAWNED_MAX_LINE + 10) + b"\n")
    error = process.wait_for(lambda m: isinstance(m, dict) and m.get("id") is None, timeout=60)
    assert error["error"]["code"] == -32600
    assert process.result("ping") == "pong"
