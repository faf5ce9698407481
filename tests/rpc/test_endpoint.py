"""The endpoint over MemoryTransport: envelope checks, spec §7 vectors, concurrency, lifecycle."""

import asyncio
import json
import logging
import os
import re
import signal
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from sidecar.rpc import OVERSIZED, Endpoint, MemoryTransport, RequestContext, Router, RpcError

GUARD_S = 3.0  # hang guard only; nothing here measures speed


class SubtractParams(msgspec.Struct):
    minuend: int
    subtrahend: int


class SumParams(msgspec.Struct):
    values: list[int]


class IssueParams(msgspec.Struct, rename="camel"):
    issue_key: str


class NotFound(Exception):
    pass


class Gates:
    """Handlers that wait until the test opens their gate."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.started = asyncio.Event()
        self.notified = asyncio.Event()
        self.cancelled = False


def build_router(gates: Gates) -> Router:
    router = Router()

    async def ping(params: None, ctx: RequestContext) -> str:
        return "pong"

    async def subtract(params: SubtractParams, ctx: RequestContext) -> int:
        return params.minuend - params.subtrahend

    async def total(params: SumParams, ctx: RequestContext) -> int:
        return sum(params.values)

    async def get_data(params: None, ctx: RequestContext) -> list[Any]:
        return ["hello", 5]

    async def get_issue(params: IssueParams, ctx: RequestContext) -> dict[str, str]:
        return {"key": params.issue_key}

    async def gated(params: None, ctx: RequestContext) -> str:
        gates.started.set()
        try:
            await gates.opened.wait()
        except asyncio.CancelledError:
            gates.cancelled = True
            raise
        return "opened"

    async def nothing(params: None, ctx: RequestContext) -> None:
        return None

    async def boom(params: None, ctx: RequestContext) -> None:
        gates.notified.set()
        raise ValueError("db password is hunter2")

    async def missing(params: None, ctx: RequestContext) -> None:
        raise NotFound("Q-404")

    async def refuse(params: None, ctx: RequestContext) -> None:
        raise RpcError(-32010, "Comment text cannot be empty", {"kind": "invalid"})

    async def odd_result(params: None, ctx: RequestContext) -> object:
        return object()

    async def transfer(params: None, ctx: RequestContext) -> str:
        ctx.progress(5, 10)
        ctx.progress(10, None)
        ctx.notify("timer-tick", {"elapsed": 1})
        return "done"

    async def hello(params: None, ctx: RequestContext) -> None:
        ctx.progress(1, 2)  # a notification has no id to report progress for
        gates.notified.set()

    for name, handler, params_type in [
        ("ping", ping, None),
        ("subtract", subtract, SubtractParams),
        ("sum", total, SumParams),
        ("get_data", get_data, None),
        ("get_issue", get_issue, IssueParams),
        ("gated", gated, None),
        ("nothing", nothing, None),
        ("boom", boom, None),
        ("missing", missing, None),
        ("refuse", refuse, None),
        ("odd_result", odd_result, None),
        ("transfer", transfer, None),
        ("notify_hello", hello, None),
    ]:
        router.add(name, handler, params_type)
    return router


def translate(exc: BaseException) -> RpcError | None:
    if isinstance(exc, NotFound):
        return RpcError(-32004, f"http 404 Not Found: {exc}", {"kind": "not_found"})
    return None


class Peer:
    """Drives a serving Endpoint through a MemoryTransport, as the desktop shell would."""

    def __init__(self, drain_timeout_s: float = 0.2, translator: Any = translate) -> None:
        self.gates = Gates()
        self.transport = MemoryTransport()
        self.endpoint = Endpoint(
            build_router(self.gates),
            self.transport,
            translate_error=translator,
            logger=logging.getLogger("tests.rpc"),
            drain_timeout_s=drain_timeout_s,
        )
        self.serving = asyncio.create_task(self.endpoint.serve())

    def send(self, message: str | bytes) -> None:
        self.transport.feed(message.encode() if isinstance(message, str) else message)

    async def receive(self) -> Any:
        return json.loads(await self.raw())

    async def raw(self) -> bytes:
        return await asyncio.wait_for(self.transport.next_frame(), GUARD_S)

    async def call(self, message: str | bytes) -> Any:
        self.send(message)
        return await self.receive()

    async def finished(self) -> int:
        return await asyncio.wait_for(self.serving, GUARD_S)

    async def eof(self) -> int:
        self.transport.feed_eof()
        return await self.finished()


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    peer = Peer()
    yield peer
    if not peer.serving.done():
        assert await peer.eof() == 0


def error(id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    return {"jsonrpc": "2.0", "id": id, "error": body}


def result(id: Any, value: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id, "result": value}


def canonical(responses: list[Any]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in responses)


# -- single calls -----------------------------------------------------------------------------


async def test_ping_answers_with_exact_bytes(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"ping","id":1}')
    assert await peer.raw() == b'{"jsonrpc":"2.0","id":1,"result":"pong"}\n'


@pytest.mark.parametrize("id", [7, -1, 'a"b\\c\u2028é', ""])
async def test_a_big_result_goes_out_as_the_bytes_msgspec_would_write(peer: Peer, id: Any) -> None:
    """Past 64 KiB the answer is written in pieces (head, result, `}`), never re-encoded."""
    key = "K" * (70 * 1024)
    params = {"issueKey": key}
    peer.send(json.dumps({"jsonrpc": "2.0", "method": "get_issue", "params": params, "id": id}))
    expected = msgspec.json.encode({"jsonrpc": "2.0", "id": id, "result": {"key": key}})
    assert await peer.raw() == expected + b"\n"


async def test_none_result_encodes_as_null(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"nothing","id":"n"}')
    assert await peer.raw() == b'{"jsonrpc":"2.0","id":"n","result":null}\n'


async def test_named_params_reach_the_handler(peer: Peer) -> None:
    call = '{"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":23,"minuend":42},"id":3}'
    assert await peer.call(call) == result(3, 19)


async def test_missing_and_null_params_are_an_empty_object(peer: Peer) -> None:
    message = (
        "invalid args `issueKey` for command `get_issue`: Object missing required field `issueKey`"
    )
    data = {"field": "issueKey", "detail": "Object missing required field `issueKey`"}
    for params in ("", ',"params":null'):
        reply = await peer.call('{"jsonrpc":"2.0","method":"get_issue","id":4' + params + "}")
        assert reply == error(4, -32602, message, data)


async def test_invalid_params_name_the_field(peer: Peer) -> None:
    reply = await peer.call('{"jsonrpc":"2.0","method":"get_issue","params":{"issueKey":7},"id":5}')
    assert reply == error(
        5,
        -32602,
        "invalid args `issueKey` for command `get_issue`: Expected `str`, got `int`",
        {"field": "issueKey", "detail": "Expected `str`, got `int` - at `$.issueKey`"},
    )


async def test_positional_params_are_invalid_params(peer: Peer) -> None:
    reply = await peer.call('{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}')
    assert reply == error(
        1,
        -32602,
        "invalid args for command `subtract`: params must be an object, not an array",
        {"field": None, "detail": "params must be an object, not an array"},
    )


async def test_unknown_method_names_it(peer: Peer) -> None:
    reply = await peer.call('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}')
    assert reply == error("1", -32601, "Method not found: foobar")


# -- malformed input --------------------------------------------------------------------------


async def test_invalid_json_is_a_parse_error_with_null_id(peer: Peer) -> None:
    reply = await peer.call('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]')
    assert reply["id"] is None
    assert reply["error"]["code"] == -32700
    assert reply["error"]["message"] == "Parse error"


async def test_syntax_error_behind_a_type_error_is_still_a_parse_error(peer: Peer) -> None:
    reply = await peer.call('{"jsonrpc": 2, "id": 1, oops')
    assert (reply["id"], reply["error"]["code"]) == (None, -32700)


async def test_invalid_utf8_in_the_envelope_is_a_parse_error(peer: Peer) -> None:
    reply = await peer.call(b'{"jsonrpc":"2.0","method":"\xff","id":1}')
    assert reply == error(
        None,
        -32700,
        "Parse error",
        {"detail": "JSON is malformed: invalid UTF-8"},
    )
    reply = await peer.call(b'{"jsonrpc":2,"method":"\xff","id":1}')
    assert (reply["id"], reply["error"]["code"]) == (None, -32700)


UTF8_REASON = "params are not valid UTF-8"


@pytest.mark.parametrize("bad", [b"\xff", b"\xff\xfe", b"ok\xc3", b"\xed\xa0\x80"])
async def test_invalid_utf8_in_params_is_invalid_params_naming_the_field(
    peer: Peer, bad: bytes
) -> None:
    line = b'{"jsonrpc":"2.0","method":"get_issue","params":{"issueKey":"%s"},"id":1}' % bad
    message = f"invalid args `issueKey` for command `get_issue`: {UTF8_REASON}"
    detail = {"field": "issueKey", "detail": UTF8_REASON}
    assert await peer.call(line) == error(1, -32602, message, detail)


async def test_invalid_utf8_in_a_batch_member_is_invalid_params_for_that_member(
    peer: Peer,
) -> None:
    bad = b'{"jsonrpc":"2.0","method":"get_issue","params":{"issueKey":"\xff"},"id":1}'
    good = b'{"jsonrpc":"2.0","method":"get_issue","params":{"issueKey":"A-1"},"id":2}'
    replies = {reply["id"]: reply for reply in await peer.call(b"[" + bad + b"," + good + b"]")}
    assert replies[1]["error"]["code"] == -32602
    assert replies[1]["error"]["data"] == {"field": "issueKey", "detail": UTF8_REASON}
    assert replies[2]["result"] == {"key": "A-1"}


async def test_invalid_utf8_in_cancel_params_is_quietly_ignored(
    peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    peer.send(b'{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"\xff"}}')
    assert (await peer.call('{"jsonrpc":"2.0","method":"ping","id":9}'))["result"] == "pong"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("message", "id", "detail"),
    [
        (
            '{"jsonrpc": "2.0", "method": 1, "params": "bar"}',
            None,
            "Expected `str`, got `int` - at `$.method`",
        ),
        (
            '{"jsonrpc":"2.0","method":"ping","id":true}',
            None,
            "Expected `int | str`, got `bool` - at `$.id`",
        ),
        (
            '{"jsonrpc":"2.0","method":"ping","id":1.5}',
            None,
            "Expected `int | str`, got `float` - at `$.id`",
        ),
        (
            '{"jsonrpc":"2.0","method":"ping","id":1.0}',
            None,
            "Expected `int | str`, got `float` - at `$.id`",
        ),
        (
            '{"jsonrpc":"2.0","method":"ping","id":null}',
            None,
            "Expected `int | str`, got `null` - at `$.id`",
        ),
        (
            '{"jsonrpc":"1.0","method":"ping","id":9}',
            9,
            "Invalid enum value '1.0' - at `$.jsonrpc`",
        ),
        ('{"method":"ping","id":"x"}', "x", "Object missing required field `jsonrpc`"),
        (
            '{"jsonrpc":"2.0","method":"ping","params":"bar","id":8}',
            8,
            "params must be an object or an array",
        ),
        (
            '{"jsonrpc":"2.0","method":"ping","params":3,"id":8}',
            8,
            "params must be an object or an array",
        ),
        ('"just a string"', None, "Expected `object`, got `str`"),
    ],
)
async def test_invalid_requests(peer: Peer, message: str, id: Any, detail: str) -> None:
    assert await peer.call(message) == error(id, -32600, "Invalid Request", {"detail": detail})


async def test_oversized_line_is_answered_and_the_stream_goes_on(peer: Peer) -> None:
    peer.transport.feed(OVERSIZED)
    assert await peer.receive() == error(None, -32600, "Request too large")
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":2}') == result(2, "pong")


# -- batches (JSON-RPC 2.0 §7) ----------------------------------------------------------------


async def test_batch_with_invalid_json_is_one_parse_error(peer: Peer) -> None:
    reply = await peer.call(
        '[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},'
        '{"jsonrpc": "2.0", "method"]'
    )
    assert isinstance(reply, dict)
    assert (reply["id"], reply["error"]["code"], reply["error"]["message"]) == (
        None,
        -32700,
        "Parse error",
    )


async def test_empty_batch_is_one_invalid_request_not_an_array(peer: Peer) -> None:
    reply = await peer.call("[]")
    assert reply == error(None, -32600, "Invalid Request", {"detail": "empty batch"})


@pytest.mark.parametrize("batch", ["[1]", "[1,2,3]"])
async def test_batch_of_non_requests_is_an_array_of_errors(peer: Peer, batch: str) -> None:
    one = error(None, -32600, "Invalid Request", {"detail": "Expected `object`, got `int`"})
    assert await peer.call(batch) == [one] * len(json.loads(batch))


async def test_mixed_batch_answers_every_request_in_one_array(peer: Peer) -> None:
    reply = await peer.call(
        "["
        '{"jsonrpc": "2.0", "method": "sum", "params": {"values": [1,2,4]}, "id": "1"},'
        '{"jsonrpc": "2.0", "method": "notify_hello", "params": {}},'
        '{"jsonrpc": "2.0", "method": "subtract",'
        ' "params": {"minuend": 42, "subtrahend": 23}, "id": "2"},'
        '{"foo": "boo"},'
        '{"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},'
        '{"jsonrpc": "2.0", "method": "get_data", "id": "9"}'
        "]"
    )
    expected = [
        result("1", 7),
        result("2", 19),
        error(
            None, -32600, "Invalid Request", {"detail": "Object missing required field `jsonrpc`"}
        ),
        error("5", -32601, "Method not found: foo.get"),
        result("9", ["hello", 5]),
    ]
    assert canonical(reply) == canonical(expected)
    assert peer.transport.pending() == 0


async def test_all_notification_batch_writes_nothing(peer: Peer) -> None:
    peer.send(
        '[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},'
        '{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]'
    )
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":"after"}') == result(
        "after", "pong"
    )
    assert len(peer.transport.frames) == 1


async def test_batch_waits_for_its_slow_member_while_others_answer(peer: Peer) -> None:
    peer.send(
        '[{"jsonrpc":"2.0","method":"gated","id":1},{"jsonrpc":"2.0","method":"ping","id":2}]'
    )
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":3}') == result(3, "pong")
    peer.gates.opened.set()
    assert canonical(await peer.receive()) == canonical([result(1, "opened"), result(2, "pong")])


# -- notifications and concurrency ------------------------------------------------------------


async def test_notifications_are_never_answered_even_on_error(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"boom"}')
    peer.send('{"jsonrpc":"2.0","method":"foobar"}')
    peer.send('{"jsonrpc":"2.0","method":"get_issue","params":{"issueKey":1}}')
    await asyncio.wait_for(peer.gates.notified.wait(), GUARD_S)
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":1}') == result(1, "pong")
    assert peer.transport.frames == [b'{"jsonrpc":"2.0","id":1,"result":"pong"}\n']


async def test_notification_runs_its_handler(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"notify_hello"}')
    await asyncio.wait_for(peer.gates.notified.wait(), GUARD_S)
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":1}') == result(1, "pong")
    assert len(peer.transport.frames) == 1  # no progress from a notification, no answer


async def test_slow_handler_does_not_delay_a_fast_one(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"gated","id":"slow"}')
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":"fast"}') == result(
        "fast", "pong"
    )
    peer.gates.opened.set()
    assert await peer.receive() == result("slow", "opened")


async def test_duplicate_in_flight_id_is_refused(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"gated","id":1}')
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    reply = await peer.call('{"jsonrpc":"2.0","method":"ping","id":1}')
    assert reply == error(1, -32600, "Request id 1 is already in flight")
    peer.gates.opened.set()
    assert await peer.receive() == result(1, "opened")
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":1}') == result(1, "pong")


async def test_progress_and_handler_notifications(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"transfer","id":"t"}')
    frames = [await peer.raw() for _ in range(4)]
    assert frames == [
        b'{"jsonrpc":"2.0","method":"$/progress","params":{"id":"t","done":5,"total":10}}\n',
        b'{"jsonrpc":"2.0","method":"$/progress","params":{"id":"t","done":10,"total":null}}\n',
        b'{"jsonrpc":"2.0","method":"timer-tick","params":{"elapsed":1}}\n',
        b'{"jsonrpc":"2.0","id":"t","result":"done"}\n',
    ]


async def test_endpoint_notify_writes_a_notification(peer: Peer) -> None:
    peer.endpoint.notify("ready", {"version": "0.1.0", "protocol": "1.0"})
    assert await peer.raw() == (
        b'{"jsonrpc":"2.0","method":"ready","params":{"version":"0.1.0","protocol":"1.0"}}\n'
    )


# -- cancellation -----------------------------------------------------------------------------


async def test_cancel_request_answers_request_cancelled(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"gated","id":7}')
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    peer.send('{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":7}}')
    assert await peer.receive() == error(7, -32800, "Request cancelled")
    assert peer.gates.cancelled


async def test_cancel_before_the_handler_starts_is_still_answered(peer: Peer) -> None:
    peer.send(
        '[{"jsonrpc":"2.0","method":"gated","id":"c"},'
        '{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"c"}}]'
    )
    assert await peer.receive() == [error("c", -32800, "Request cancelled")]
    assert not peer.gates.started.is_set()


async def test_cancel_of_unknown_or_malformed_id_is_ignored(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":99}}')
    peer.send('{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":true}}')
    peer.send('{"jsonrpc":"2.0","method":"$/cancelRequest"}')
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":1}') == result(1, "pong")
    assert len(peer.transport.frames) == 1


# -- the error boundary -----------------------------------------------------------------------


async def test_internal_error_hides_the_traceback_and_names_an_incident(
    peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="tests.rpc")
    peer.send('{"jsonrpc":"2.0","method":"boom","id":1}')
    frame = await peer.raw()
    reply = json.loads(frame)
    incident = reply["error"]["data"]["incidentId"]
    assert re.fullmatch(r"[0-9a-f]{8}", incident)
    assert reply == error(
        1,
        -32603,
        f"Internal error (incident {incident})",
        {"kind": "internal", "incidentId": incident},
    )
    assert b"hunter2" not in frame and b"Traceback" not in frame and b"ValueError" not in frame
    [record] = caplog.records
    assert incident in record.getMessage()
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])


async def test_rpc_error_goes_out_as_is(peer: Peer) -> None:
    reply = await peer.call('{"jsonrpc":"2.0","method":"refuse","id":1}')
    assert reply == error(1, -32010, "Comment text cannot be empty", {"kind": "invalid"})


async def test_translator_maps_domain_errors(peer: Peer) -> None:
    reply = await peer.call('{"jsonrpc":"2.0","method":"missing","id":1}')
    assert reply == error(1, -32004, "http 404 Not Found: Q-404", {"kind": "not_found"})


async def test_unencodable_result_is_an_internal_error(peer: Peer) -> None:
    reply = await peer.call('{"jsonrpc":"2.0","method":"odd_result","id":1}')
    assert reply["error"]["code"] == -32603
    assert reply["error"]["data"]["kind"] == "internal"


async def test_failing_translator_falls_back_to_internal_error() -> None:
    def broken(exc: BaseException) -> RpcError | None:
        raise RuntimeError("translator bug")

    peer = Peer(translator=broken)
    reply = await peer.call('{"jsonrpc":"2.0","method":"missing","id":1}')
    assert reply["error"]["code"] == -32603
    assert await peer.eof() == 0


# -- lifecycle --------------------------------------------------------------------------------


async def test_shutdown_then_exit(peer: Peer) -> None:
    assert await peer.call('{"jsonrpc":"2.0","method":"shutdown","id":1}') == result(1, None)
    reply = await peer.call('{"jsonrpc":"2.0","method":"ping","id":2}')
    assert reply == error(2, -32600, "Server is shutting down")
    peer.send('{"jsonrpc":"2.0","method":"exit"}')
    assert await peer.finished() == 0
    assert peer.transport.is_closed


async def test_shutdown_lets_running_work_finish_within_the_drain(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"gated","id":1}')
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    peer.send('{"jsonrpc":"2.0","method":"shutdown","id":2}')
    peer.gates.opened.set()
    assert [await peer.receive(), await peer.receive()] == [result(1, "opened"), result(2, None)]


async def test_shutdown_cancels_what_outlives_the_drain(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"gated","id":1}')
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    peer.send('{"jsonrpc":"2.0","method":"shutdown","id":2}')
    assert await peer.receive() == error(1, -32802, "Server is shutting down")
    assert await peer.receive() == result(2, None)
    assert peer.gates.cancelled


async def test_eof_drains_then_cancels_in_flight_work(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"gated","id":1}')
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    assert await peer.eof() == 0
    assert [json.loads(f) for f in peer.transport.frames] == [
        error(1, -32802, "Server is shutting down")
    ]
    assert peer.transport.is_closed


async def test_eof_answers_work_that_finishes_during_the_drain() -> None:
    peer = Peer(drain_timeout_s=GUARD_S)
    peer.send('{"jsonrpc":"2.0","method":"gated","id":1}')
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    peer.transport.feed_eof()
    await asyncio.sleep(0)
    peer.gates.opened.set()
    assert await peer.finished() == 0
    assert [json.loads(f) for f in peer.transport.frames] == [result(1, "opened")]


async def test_exit_notification_ends_serve(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"exit"}')
    assert await peer.finished() == 0
    assert peer.transport.frames == []


async def test_lost_peer_ends_serve(peer: Peer) -> None:
    peer.send('{"jsonrpc":"2.0","method":"gated","id":1}')
    await asyncio.wait_for(peer.gates.started.wait(), GUARD_S)
    peer.transport.closed.set()
    assert await peer.finished() == 0
    assert peer.gates.cancelled


async def test_sigterm_ends_serve_and_handlers_are_removed(peer: Peer) -> None:
    assert await peer.call('{"jsonrpc":"2.0","method":"ping","id":1}') == result(1, "pong")
    os.kill(os.getpid(), signal.SIGTERM)
    assert await peer.finished() == 0
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


# -- deferred methods ----------------------------------------------------------------------------


class Deferred:
    """A router whose `late` method loads only when the test lets its load finish."""

    def __init__(self, fail: bool = False) -> None:
        self.router = Router()
        self.release = asyncio.Event()
        self.loads = 0
        self.fail = fail

        async def ping(params: None, ctx: RequestContext) -> str:
            return "pong"

        async def late(params: SubtractParams, ctx: RequestContext) -> int:
            return params.minuend - params.subtrahend

        async def load_once() -> None:
            self.loads += 1
            await self.release.wait()
            if self.fail:
                raise ImportError("no module named late")
            self.router.add("late", late, SubtractParams)

        shared: list[asyncio.Task[None]] = []

        async def load() -> None:  # every caller awaits the one load, as the app's does
            if not shared:
                shared.append(asyncio.create_task(load_once()))
            await asyncio.shield(shared[0])

        self.router.add("ping", ping, None)
        self.router.defer("late", load)


async def test_a_deferred_method_waits_for_its_load_and_others_are_answered_meanwhile() -> None:
    deferred = Deferred()
    transport = MemoryTransport()
    endpoint = Endpoint(
        deferred.router, transport, translate_error=translate, logger=logging.getLogger("t")
    )
    serving = asyncio.create_task(endpoint.serve())
    call = '{"jsonrpc":"2.0","method":"late","params":{"minuend":3,"subtrahend":1},"id":%d}'
    transport.feed((call % 1).encode())
    transport.feed(b'{"jsonrpc":"2.0","method":"ping","id":2}')
    transport.feed((call % 3).encode())
    first = json.loads(await asyncio.wait_for(transport.next_frame(), GUARD_S))
    assert first == result(2, "pong") and transport.pending() == 0
    deferred.release.set()
    answers = [json.loads(await asyncio.wait_for(transport.next_frame(), GUARD_S)) for _ in "ab"]
    assert canonical(answers) == canonical([result(1, 2), result(3, 2)])
    assert deferred.loads == 1
    transport.feed_eof()
    assert await asyncio.wait_for(serving, GUARD_S) == 0


async def test_a_failed_load_is_an_internal_error_for_the_request_that_waited() -> None:
    deferred = Deferred(fail=True)
    deferred.release.set()
    transport = MemoryTransport()
    endpoint = Endpoint(
        deferred.router, transport, translate_error=translate, logger=logging.getLogger("t")
    )
    serving = asyncio.create_task(endpoint.serve())
    transport.feed(b'{"jsonrpc":"2.0","method":"late","params":{},"id":1}')
    answer = json.loads(await asyncio.wait_for(transport.next_frame(), GUARD_S))
    assert answer["error"]["code"] == -32603 and answer["error"]["data"]["kind"] == "internal"
    transport.feed_eof()
    assert await asyncio.wait_for(serving, GUARD_S) == 0
