"""The JSON-RPC 2.0 endpoint: read loop, one task per request, lifecycle, and error boundary.

Owns request-id bookkeeping (the in-flight map), per-request task isolation, cancellation via
`$/cancelRequest`, `shutdown`/`exit`, batches, draining at exit, and `_to_wire`, the single
place where an exception becomes a wire error. The read loop never awaits a handler: any await
there would block every later request behind a slow one.

Must not know any domain method (the router supplies them) or how bytes move and are framed
(the transport: the endpoint writes whole encoded messages).
Rules it keeps: notifications are never answered, even on error; a cancelled request is
answered with -32800; at exit unfinished requests are answered with -32802 rather than left
hanging; where an answer is uncertain, send none rather than two.
"""

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
from msgspec import UNSET

from sidecar.rpc.context import RequestContext
from sidecar.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    REQUEST_CANCELLED,
    SERVER_SHUTTING_DOWN,
    ErrorTranslator,
    RpcError,
)
from sidecar.rpc.framing import Frame, Oversized
from sidecar.rpc.messages import (
    UNREADABLE,
    ErrorObject,
    InvalidEnvelope,
    Notification,
    Request,
    RequestId,
    Response,
    decode_batch,
    decode_request,
    is_batch,
    request_id,
)
from sidecar.rpc.protocol import CANCEL_REQUEST, EXIT, SHUTDOWN, CancelParams
from sidecar.rpc.router import Method, Router
from sidecar.rpc.transport import Transport

# After cancelling leftovers at exit, how long they get to unwind and be answered.
_CANCEL_GRACE_S = 0.2
# What cancelling one request, unwinding it and answering it costs (about 50 µs measured with
# 5,000 in flight on a loaded 2-core machine; counted double). With thousands in flight the
# grace shrinks by what their cancellation will take beyond _CANCEL_GRACE_S, so the stop keeps
# to its budget: it cannot be interrupted once begun.
_UNWIND_S = 100e-6

# A result at least this big is written as head, result, `}` rather than re-encoded with its
# envelope: a 16 MiB preview's 21 MiB of base64 would otherwise be copied once more.
_PIECEWISE_RESULT = 64 * 1024
_STAND_IN = msgspec.Raw(b"0")

_CANCELLED = RpcError(REQUEST_CANCELLED, "Request cancelled")
_SHUTTING_DOWN = RpcError(SERVER_SHUTTING_DOWN, "Server is shutting down")

Sink = Callable[[Response], None]


class _Batch:
    """Collects a batch's responses and writes them as one array once all have arrived."""

    def __init__(self, write: Callable[[list[Response]], None]) -> None:
        self._write = write
        self._responses: list[Response] = []
        self._expected: int | None = None

    def add(self, response: Response) -> None:
        self._responses.append(response)
        self._flush_when_complete()

    def seal(self, expected: int) -> None:
        """No more members: `expected` responses make the batch complete."""
        self._expected = expected
        self._flush_when_complete()

    def _flush_when_complete(self) -> None:
        if self._expected and len(self._responses) == self._expected:
            self._write(self._responses)


class Endpoint:
    """Serves a Router over a Transport until EOF, `exit`, a lost peer or SIGTERM/SIGINT."""

    def __init__(
        self,
        router: Router,
        transport: Transport,
        *,
        translate_error: ErrorTranslator,
        logger: logging.Logger,
        drain_timeout_s: float = 1.5,
    ) -> None:
        self._router = router
        self._transport = transport
        self._translate_error = translate_error
        self._log = logger
        self._drain_timeout_s = drain_timeout_s
        self._shutdown_method = Method(SHUTDOWN, self._shutdown, None, None)
        self._loop: asyncio.AbstractEventLoop | None = None  # the serving loop
        self._debug = False  # whether per-request debug lines are wanted (read once, at serve)
        # Every request task with what answering it needs.
        self._tasks: dict[asyncio.Task[None], tuple[RequestContext, Sink | None]] = {}
        self._in_flight: dict[RequestId, asyncio.Task[Any]] = {}
        self._cancel_reasons: dict[asyncio.Task[Any], RpcError] = {}
        self._accepting = True
        self._stop = asyncio.Event()
        self._encoder = msgspec.json.Encoder()
        # Held until serve() owns SIGTERM: a peer that signals as soon as it sees `ready`
        # must find the handler installed, not the default action.
        self._held: list[bytes] | None = []

    def notify(self, method: str, params: Any) -> None:
        """Send a notification to the peer (`ready`, `timer-tick`, `$/progress`, ...)."""
        message = self._encoder.encode(Notification(method=method, params=params))
        if self._held is not None:
            self._held.append(message)
        else:
            self._transport.write(message)

    def stop(self) -> None:
        """Stop serving as SIGTERM does: no new requests, in-flight work drains, `serve` returns."""
        self._stop.set()

    def _release_held(self) -> None:
        held, self._held = self._held or [], None
        for message in held:
            self._transport.write(message)

    async def serve(self) -> int:
        """Serve until told to stop, drain in-flight work, flush; returns the exit code."""
        self._router.freeze()
        self._loop = asyncio.get_running_loop()
        self._debug = self._log.isEnabledFor(logging.DEBUG)
        with self._signal_handlers():
            self._release_held()
            await self._until_stopped()
            self._accepting = False
            peer_gone = self._transport.closed.is_set()
            await self._drain(0 if peer_gone else self._drain_timeout_s)
            await self._transport.close()
        return 0

    # -- lifecycle -------------------------------------------------------------------------

    async def _until_stopped(self) -> None:
        waits = [
            asyncio.create_task(self._read_loop()),
            asyncio.create_task(self._stop.wait()),
            asyncio.create_task(self._transport.closed.wait()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._transport.deliver_to(None)  # nothing more is taken once serving stops
            for task in waits:
                task.cancel()
            outcomes = await asyncio.gather(*waits, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception):  # a failing transport ends serving, loudly
                self._log.error("rpc: reading stopped", exc_info=outcome)

    async def _read_loop(self) -> None:
        # A lone request is dispatched from the transport's read callback: a turn of the loop
        # (and a wake-up of this task) less per request than through `read`.
        self._transport.deliver_to(self._take)
        while (frame := await self._transport.read()) is not None:
            self._take(frame)

    def _take(self, frame: Frame) -> None:
        try:
            self._dispatch(frame)
        except Exception:  # the process never dies from input
            self._log.exception("rpc: failed to dispatch a frame")

    async def _shutdown(self, _params: Any, _ctx: RequestContext) -> None:
        self._accepting = False
        await self._drain(self._drain_timeout_s)

    async def _drain(self, grace_s: float) -> None:
        """Let running tasks finish within `grace_s` (less with thousands of them), then cancel
        the rest (answered -32802)."""
        pending = self._tasks.keys() - {asyncio.current_task()}
        grace_s = min(grace_s, grace_s + _CANCEL_GRACE_S - len(pending) * _UNWIND_S)
        if pending and grace_s > 0:
            _, pending = await asyncio.wait(pending, timeout=grace_s)
        for task in pending:
            self._cancel_reasons.setdefault(task, _SHUTTING_DOWN)
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=_CANCEL_GRACE_S)

    @contextlib.contextmanager
    def _signal_handlers(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        restores = [self._install_signal(loop, sig) for sig in (signal.SIGTERM, signal.SIGINT)]
        try:
            yield
        finally:
            for restore in restores:
                if restore is not None:
                    restore()

    def _install_signal(
        self, loop: asyncio.AbstractEventLoop, sig: signal.Signals
    ) -> Callable[[], object] | None:
        try:
            loop.add_signal_handler(sig, self._stop.set)
            return lambda: loop.remove_signal_handler(sig)
        except NotImplementedError:  # Windows event loops: fall back to signal.signal
            pass
        except (RuntimeError, ValueError):  # not the main thread: signals are not ours
            return None
        try:
            previous = signal.signal(sig, lambda *_: loop.call_soon_threadsafe(self._stop.set))
        except ValueError:
            return None
        return lambda: signal.signal(sig, previous)

    # -- inbound ---------------------------------------------------------------------------

    def _dispatch(self, frame: Frame) -> None:
        if isinstance(frame, Oversized):
            self._send(_error(None, INVALID_REQUEST, "Request too large"))
        elif is_batch(frame):
            self._dispatch_batch(frame)
        else:
            self._accept(frame, self._send)

    def _dispatch_batch(self, frame: bytes) -> None:
        try:
            members = decode_batch(frame)
        except msgspec.DecodeError as exc:
            self._send(_error(None, PARSE_ERROR, "Parse error", {"detail": str(exc)}))
            return
        if not members:
            self._send(_error(None, INVALID_REQUEST, "Invalid Request", {"detail": "empty batch"}))
            return
        batch = _Batch(self._send_many)
        batch.seal(sum(self._accept(member, batch.add) for member in members))

    def _accept(self, data: bytes | msgspec.Raw, sink: Sink) -> bool:
        """Start handling one message; True when it will be answered through `sink`."""
        try:
            request = decode_request(data)
        except InvalidEnvelope as exc:
            sink(_error(exc.id, INVALID_REQUEST, "Invalid Request", {"detail": exc.reason}))
            return True
        except msgspec.DecodeError as exc:
            sink(_error(None, PARSE_ERROR, "Parse error", {"detail": str(exc)}))
            return True
        if request.is_notification:
            self._on_notification(request)
            return False
        self._on_request(request, sink)
        return True

    def _on_notification(self, request: Request) -> None:
        if request.method == CANCEL_REQUEST:
            self._cancel(request.params_or_none())
        elif request.method == EXIT:
            self._stop.set()
        elif (method := self._router.get(request.method)) is None or not self._accepting:
            self._log.debug("rpc: dropped notification %s", request.method)
        else:
            self._spawn(method, request, None)

    def _on_request(self, request: Request, sink: Sink) -> None:
        id = request_id(request)
        builtin = request.method == SHUTDOWN
        method = self._shutdown_method if builtin else self._router.get(request.method)
        if not self._accepting:
            sink(_error(id, INVALID_REQUEST, "Server is shutting down"))
        elif id in self._in_flight:
            sink(_error(id, INVALID_REQUEST, f"Request id {id!r} is already in flight"))
        elif method is None:
            sink(_error(id, METHOD_NOT_FOUND, f"Method not found: {request.method}"))
        else:
            # At once, not when the shutdown task first runs: a request read right after
            # `shutdown` (same read burst) must be refused too.
            if builtin:
                self._accepting = False
            self._spawn(method, request, sink)

    def _cancel(self, raw: msgspec.Raw | None) -> None:
        try:
            target = msgspec.json.decode(raw or b"null", type=CancelParams).id
        except UNREADABLE:
            self._log.debug("rpc: ignored malformed %s", CANCEL_REQUEST)
            return
        task = self._in_flight.get(target)
        if task is not None and not task.done():
            self._cancel_reasons[task] = _CANCELLED
            task.cancel()

    # -- one task per request --------------------------------------------------------------

    def _spawn(self, method: Method, request: Request, sink: Sink | None) -> None:
        assert self._loop is not None, "requests are dispatched only while serving"
        ctx = RequestContext(request_id(request), method.name, self.notify)
        task = self._loop.create_task(self._run(method, request.params_or_none(), ctx))
        self._tasks[task] = (ctx, sink)
        if ctx.id is not None:
            self._in_flight[ctx.id] = task
        # Answers a task cancelled before its first step, whose `_run` never runs. Every other
        # task answers from inside and takes this off: a done callback costs the loop one more
        # iteration per request.
        task.add_done_callback(self._answer_unstarted)

    async def _run(self, method: Method, raw: msgspec.Raw | None, ctx: RequestContext) -> None:
        started = time.perf_counter()
        task = asyncio.current_task(self._loop)
        assert task is not None
        try:
            # Encoded here so that an unencodable result still meets the error boundary.
            result = msgspec.Raw(self._encoder.encode(await self._invoke(method, raw, ctx)))
            response = Response(id=ctx.id, result=result)
        except (Exception, asyncio.CancelledError) as exc:
            reason = self._cancel_reasons.get(task, _SHUTTING_DOWN)
            response = Response(id=ctx.id, error=self._to_wire(exc, ctx, reason))
        task.remove_done_callback(self._answer_unstarted)
        self._settle(task, response, started)

    async def _invoke(self, method: Method, raw: msgspec.Raw | None, ctx: RequestContext) -> Any:
        if method.load is not None:
            method = await self._router.loaded(method)
        params = self._router.decode_params(method, raw)
        return await method.handler(params, ctx)

    def _answer_unstarted(self, task: asyncio.Task[None]) -> None:
        ctx, _ = self._tasks[task]
        reason = self._cancel_reasons.get(task, _SHUTTING_DOWN)
        self._settle(task, self._response(task, ctx, reason), time.perf_counter())

    def _settle(self, task: asyncio.Task[None], response: Response, started: float) -> None:
        """Forget the request and send its answer (a notification's goes nowhere)."""
        ctx, sink = self._tasks.pop(task)
        self._cancel_reasons.pop(task, None)
        if ctx.id is not None and self._in_flight.get(ctx.id) is task:
            del self._in_flight[ctx.id]
        if self._debug:  # the line is built only when it is logged
            outcome = "ok" if response.error is UNSET else f"error {response.error.code}"
            elapsed_ms = (time.perf_counter() - started) * 1000
            self._log.debug("rpc %s id=%r %.1fms %s", ctx.method, ctx.id, elapsed_ms, outcome)
        if sink is not None:
            sink(response)

    def _response(
        self, task: asyncio.Task[Any], ctx: RequestContext, cancel_reason: RpcError
    ) -> Response:
        if task.cancelled():  # at exit thousands may be: no exception raised for each
            return Response(id=ctx.id, error=_error_object(cancel_reason))
        try:
            # Encoded here so that an unencodable result still meets the error boundary.
            result = msgspec.Raw(self._encoder.encode(task.result()))
        except (Exception, asyncio.CancelledError) as exc:
            return Response(id=ctx.id, error=self._to_wire(exc, ctx, cancel_reason))
        return Response(id=ctx.id, result=result)

    def _to_wire(
        self, exc: BaseException, ctx: RequestContext, cancel_reason: RpcError
    ) -> ErrorObject:
        """THE exception → wire boundary; tracebacks go to the log, never to the peer."""
        if isinstance(exc, asyncio.CancelledError):
            exc = cancel_reason
        if not isinstance(exc, RpcError):
            exc = self._translate(exc) or self._incident(exc, ctx)
        return _error_object(exc)

    def _translate(self, exc: BaseException) -> RpcError | None:
        try:
            return self._translate_error(exc)
        except Exception:
            self._log.exception("rpc: the error translator failed")
            return None

    def _incident(self, exc: BaseException, ctx: RequestContext) -> RpcError:
        incident = os.urandom(4).hex()  # as secrets.token_hex, without loading hashlib at start
        self._log.error(
            "rpc: internal error in %s (id %r), incident %s",
            ctx.method,
            ctx.id,
            incident,
            exc_info=exc,
        )
        data = {"kind": "internal", "incidentId": incident}
        return RpcError(INTERNAL_ERROR, f"Internal error (incident {incident})", data)

    # -- outbound --------------------------------------------------------------------------

    def _send(self, response: Response) -> None:
        result = response.result
        if isinstance(result, msgspec.Raw) and len(result) >= _PIECEWISE_RESULT:
            # The envelope as msgspec writes it around a one-byte stand-in, split at the last
            # `0`: whatever comes before and after the result, without knowing its layout.
            envelope = self._encoder.encode(Response(id=response.id, result=_STAND_IN))
            head, _, tail = envelope.rpartition(b"0")
            self._transport.write(head, memoryview(result), tail)
        else:
            self._transport.write(self._encoder.encode(response))

    def _send_many(self, responses: list[Response]) -> None:
        self._transport.write(self._encoder.encode(responses))


def _error_object(error: RpcError) -> ErrorObject:
    return ErrorObject(error.code, error.message, UNSET if error.data is None else error.data)


def _error(id: RequestId | None, code: int, message: str, data: Any = UNSET) -> Response:
    return Response(id=id, error=ErrorObject(code, message, data))
