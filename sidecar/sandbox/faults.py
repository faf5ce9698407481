"""Fault injection: a script of bad answers, each matched by method + path regex and consumed.

Owns: `Fault`, `FaultScript` (thread-safe: tests add faults from their own thread) and the
middleware that plays a matched fault instead of (or, for a bare delay, before) the real handler.
Must not know: endpoints, auth or the state's data.

Actions beyond a plain status/headers/body answer:

- `reset_before_headers`  TCP RST before any byte of the response
- `reset_after_headers`   headers and part of the body, then RST
- `stall_body`            headers, then silence until the client gives up (or `release()`)
- `hold`                  nothing until `release()`, then the real answer (as it stands then),
                          or `status`/`body` when given
- `truncate_body`         Content-Length larger than the bytes sent, then a clean close
- `malformed_json`        200 `application/json` whose body is not JSON
- `empty_200`             200 with an empty body
- `redirect`              302 to `location` (any 3xx with `status=`)
- `echo`                  `status` (401 unless given) whose body and `X-Request-Id` repeat the
                          request's secrets: the Authorization value and the form's code,
                          refresh token, client secret and device code, in every field a
                          Tracker or OAuth error has (`errors`, `errorMessages`, `code`,
                          `error`, `error_description`); each value echoed is kept in
                          `FaultScript.echoed`
- `gzip`                  `status` (200) with `body` gzip-compressed (`Content-Encoding: gzip`,
                          no `Content-Length` of the inflated size); with `size=`, the body is
                          repeated to `size` inflated bytes: a gzip bomb of a few hundred KiB
- `trickle_body`          headers (chunked, no length), then one byte every `interval_s` until
                          released (or the client gives up): never idle long enough for an
                          inactivity limit
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import socket
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Middleware

Action = Literal[
    "reset_before_headers",
    "reset_after_headers",
    "stall_body",
    "truncate_body",
    "malformed_json",
    "empty_200",
    "redirect",
    "hold",
    "echo",
    "gzip",
    "trickle_body",
]
ACTIONS: frozenset[str] = frozenset(Action.__args__)  # type: ignore[attr-defined]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_STALL_LIMIT_S = 120.0  # a stalled answer gives up eventually so the server can shut down
_DEFAULT_BODY = b'{"key": "BROKEN-1", "summary": "cut off'


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    delay_s: float = 0.0
    action: Action | None = None
    location: str | None = None
    times: int = 1
    size: int | None = None  # `gzip`: the inflated size
    interval_s: float = 0.2  # `trickle_body`: the pause between bytes

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.pattern.search(path) is not None


class FaultScript:
    """Faults in the order added; the first match is consumed (`times` counts down)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self.echoed: list[str] = []  # every secret an `echo` fault sent back
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def add(
        self,
        method: str,
        path_regex: str,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        delay_s: float = 0.0,
        action: Action | None = None,
        location: str | None = None,
        times: int = 1,
        size: int | None = None,
        interval_s: float = 0.2,
    ) -> Fault:
        if action is not None and action not in ACTIONS:
            raise ValueError(f"unknown fault action {action!r}")
        if action == "redirect" and not location:
            raise ValueError("a redirect fault needs location=")
        fault = Fault(
            method.upper(),
            re.compile(path_regex),
            status,
            dict(headers or {}),
            body,
            delay_s,
            action,
            location,
            times,
            size,
            interval_s,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """Drop unplayed faults and let any stalled response finish."""
        with self._lock:
            self._faults.clear()
        self.release()

    def release(self) -> None:
        """Wake every stalled answer; callable from any thread."""
        with self._lock:
            waiters, self._waiters = self._waiters, []
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    async def wait_released(self, limit_s: float) -> None:
        event = asyncio.Event()
        with self._lock:
            self._waiters.append((asyncio.get_running_loop(), event))
        try:
            await asyncio.wait_for(event.wait(), limit_s)
        except TimeoutError:
            pass


def fault_middleware(
    script: Callable[[], FaultScript],
) -> Middleware:
    @web.middleware
    async def play(request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = script().take(request.method, request.path)
        if fault is None:
            return await handler(request)
        if fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault.action == "hold":  # the answer is made once released, from the state then
            await script().wait_released(limit_s=_STALL_LIMIT_S)
            return _scripted(fault) if fault.status is not None else await handler(request)
        if fault.action is not None:
            return await _ACTION_PLAYERS[fault.action](request, fault, script())
        if fault.status is None:
            return await handler(request)  # a bare delay: answer normally, only later
        return _scripted(fault)

    return play


def _scripted(fault: Fault) -> web.Response:
    body, content_type = _encode(fault.body)
    status = fault.status or 200
    response = web.Response(status=status, body=body, headers=dict(fault.headers))
    if body is not None and "Content-Type" not in fault.headers:
        response.content_type = content_type
    return response


def _encode(body: Any) -> tuple[bytes | None, str]:
    if body is None:
        return None, "application/json"
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        kind = "text/html" if body.lstrip().startswith("<") else "text/plain"
        return body.encode(), kind
    return json.dumps(body, ensure_ascii=False).encode(), "application/json"


def _abort(request: web.Request) -> None:
    # SO_LINGER 0 turns the close into an RST, which is what a reset looks like on the wire.
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _payload(fault: Fault) -> bytes:
    body, _ = _encode(fault.body)
    return body if body is not None else b'[{"key": "TEST-1", "summary": "partial"}]' * 64


async def _reset_before_headers(
    request: web.Request, fault: Fault, script: FaultScript
) -> web.StreamResponse:
    _abort(request)
    return web.Response(status=fault.status or 500)


async def _partial(request: web.Request, fault: Fault, declared: int) -> web.StreamResponse:
    response = web.StreamResponse(status=fault.status or 200, headers=dict(fault.headers))
    response.content_type = "application/json"
    response.content_length = declared
    await response.prepare(request)
    return response


async def _reset_after_headers(
    request: web.Request, fault: Fault, script: FaultScript
) -> web.StreamResponse:
    data = _payload(fault)
    response = await _partial(request, fault, len(data) * 2)
    await response.write(data[: max(1, len(data) // 2)])
    await asyncio.sleep(0.05)  # let the headers and the first bytes reach the client
    _abort(request)
    return response


async def _stall_body(
    request: web.Request, fault: Fault, script: FaultScript
) -> web.StreamResponse:
    response = await _partial(request, fault, len(_payload(fault)))
    await script.wait_released(limit_s=_STALL_LIMIT_S)
    _abort(request)
    return response


async def _truncate_body(
    request: web.Request, fault: Fault, script: FaultScript
) -> web.StreamResponse:
    data = _payload(fault)
    response = await _partial(request, fault, len(data) + 100)
    await response.write(data)
    await asyncio.sleep(0.05)
    if request.transport is not None:
        request.transport.close()
    return response


async def _malformed_json(
    request: web.Request, fault: Fault, script: FaultScript
) -> web.StreamResponse:
    body, _ = _encode(fault.body)
    response = web.Response(status=200, body=body or _DEFAULT_BODY, headers=dict(fault.headers))
    response.content_type = "application/json"
    return response


async def _empty_200(request: web.Request, fault: Fault, script: FaultScript) -> web.StreamResponse:
    response = web.Response(status=200, body=b"", headers=dict(fault.headers))
    response.content_type = "application/json"
    return response


async def _redirect(request: web.Request, fault: Fault, script: FaultScript) -> web.StreamResponse:
    headers = {**fault.headers, "Location": fault.location or "/"}
    return web.Response(status=fault.status or 302, headers=headers)


_ECHOED_FORM_FIELDS = ("code", "refresh_token", "client_secret", "device_code")


async def _echo(request: web.Request, fault: Fault, script: FaultScript) -> web.StreamResponse:
    """A server that repeats what it was sent in its error (some proxies and debug builds do)."""
    authorization = request.headers.get("Authorization", "")
    form = await request.post() if request.method == "POST" else {}
    values = [str(form[name]) for name in _ECHOED_FORM_FIELDS if name in form]
    secrets = [v for v in (authorization.partition(" ")[2], *values) if v]
    script.echoed.extend(secrets)
    said = " ".join([f"Authorization: {authorization}", *values])
    body = {
        "errors": {"authorization": authorization, **{f"echo{i}": v for i, v in enumerate(values)}},
        "errorMessages": [said, *values],
        "code": values[0] if values else authorization,
        "error": values[0] if values else authorization,
        "error_description": said,
        "statusCode": fault.status or 401,
    }
    headers = {**fault.headers, "X-Request-Id": authorization or "no-authorization"}
    return web.json_response(body, status=fault.status or 401, headers=headers)


async def _gzip(request: web.Request, fault: Fault, script: FaultScript) -> web.StreamResponse:
    plain, content_type = _encode(fault.body)
    compressed = _gzipped(plain or b"", fault.size)
    headers = {"Content-Type": content_type, **fault.headers, "Content-Encoding": "gzip"}
    return web.Response(status=fault.status or 200, body=compressed, headers=headers)


@functools.lru_cache(maxsize=8)
def _gzipped(pattern: bytes, size: int | None) -> bytes:
    """`pattern` (repeated to `size` bytes when given) gzip-compressed, built piecewise so a
    200 MiB bomb never exists inflated in the fake either."""
    if size is None:
        size, pattern = len(pattern), pattern or b"\0"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = (pattern * (1 + (1 << 20) // len(pattern)))[: 1 << 20]
    parts, left = [], size
    while left > 0:
        parts.append(compressor.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(compressor.flush())
    return b"".join(parts)


async def _trickle_body(
    request: web.Request, fault: Fault, script: FaultScript
) -> web.StreamResponse:
    response = web.StreamResponse(status=fault.status or 200, headers=dict(fault.headers))
    response.enable_chunked_encoding()  # no length declared: only time can end it
    await response.prepare(request)
    waiter = asyncio.ensure_future(script.wait_released(limit_s=_STALL_LIMIT_S))
    try:
        while not waiter.done():
            await response.write(b"x")
            await asyncio.wait([waiter], timeout=fault.interval_s)
    except (ConnectionError, RuntimeError):
        pass  # the client gave up: that is the point
    finally:
        waiter.cancel()
    _abort(request)
    return response


_ACTION_PLAYERS: dict[
    str, Callable[[web.Request, Fault, FaultScript], Awaitable[web.StreamResponse]]
] = {
    "reset_before_headers": _reset_before_headers,
    "reset_after_headers": _reset_after_headers,
    "stall_body": _stall_body,
    "truncate_body": _truncate_body,
    "malformed_json": _malformed_json,
    "empty_200": _empty_200,
    "redirect": _redirect,
    "echo": _echo,
    "gzip": _gzip,
    "trickle_body": _trickle_body,
}
