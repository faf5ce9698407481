"""The seam to aiohttp: the pooled session, TLS trust, and the one place its errors are mapped.

Owns: `map_aiohttp_errors()` (every aiohttp/asyncio transport exception becomes a
`NetworkError` or `RequestTimeout`, most specific first, cause kept with `from`),
`make_session`, and the `SendHooks` a request can pass as its `trace_request_ctx` to act at the
last moment before it is written. Must not know: Tracker paths, credentials or retries, or
which CAs are trusted (`trust.py` makes the SSL context).
Messages carry the exception text only: never URLs' credentials, headers or bodies.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Protocol, runtime_checkable

import aiohttp
from multidict import CIMultiDict

from . import errors

_SENT_NOTHING: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,  # also DNS, TLS handshake and certificate failures
    aiohttp.InvalidURL,
)
_CUT_SHORT: tuple[type[BaseException], ...] = (
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientPayloadError,
    aiohttp.ClientOSError,
    aiohttp.ClientConnectionError,
    ConnectionError,
)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


@contextmanager
def map_aiohttp_errors() -> Iterator[None]:
    """Translate transport exceptions raised inside the block into `errors.TransportError`s."""
    try:
        yield
    except Exception as exc:
        mapped = transport_error(exc)
        if mapped is None:
            raise
        raise mapped from exc


def transport_error(exc: BaseException) -> errors.TransportError | None:
    """The `errors.TransportError` an aiohttp/asyncio transport exception stands for, most
    specific first; None for anything else."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return errors.RequestTimeout(f"request timed out: {_describe(exc)}", sent=False)
    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError and aiohttp's ServerTimeoutError
        return errors.RequestTimeout(f"request timed out: {_describe(exc)}", sent=True)
    if isinstance(exc, _SENT_NOTHING):
        return errors.NetworkError(f"network error: {_describe(exc)}", sent=False)
    if isinstance(exc, _CUT_SHORT) or isinstance(exc, aiohttp.ClientError):
        return errors.NetworkError(f"network error: {_describe(exc)}", sent=True)
    return None


@runtime_checkable
class SendHooks(Protocol):
    """Passed as `trace_request_ctx`: awaited inside aiohttp's flow, connection in hand."""

    async def before_send(self, headers: CIMultiDict[str]) -> None:
        """The connection is ready and `headers` are about to be written; they may change."""

    def body_sent(self) -> None:
        """A chunk of the request body is about to be written."""


async def _on_headers(
    _session: aiohttp.ClientSession,
    ctx: SimpleNamespace,
    params: aiohttp.TraceRequestHeadersSentParams,
) -> None:
    if isinstance(ctx.trace_request_ctx, SendHooks):
        await ctx.trace_request_ctx.before_send(params.headers)


async def _on_chunk(
    _session: aiohttp.ClientSession,
    ctx: SimpleNamespace,
    _params: aiohttp.TraceRequestChunkSentParams,
) -> None:
    if isinstance(ctx.trace_request_ctx, SendHooks):
        ctx.trace_request_ctx.body_sent()


def send_hooks_trace() -> aiohttp.TraceConfig:
    """Runs a request's `SendHooks`. aiohttp fires `on_request_headers_sent` after the
    connection is acquired (and outside the connect timeout), just before it serialises the
    headers, and `on_request_chunk_sent` just before each body write."""
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_on_headers)
    trace.on_request_chunk_sent.append(_on_chunk)
    trace.freeze()
    return trace


def make_session(
    ssl_context: ssl.SSLContext, user_agent: str, *, send_hooks: bool = False
) -> aiohttp.ClientSession:
    """The one pooled session; statuses are checked by the caller, not by aiohttp.

    `send_hooks` installs `send_hooks_trace()`; without it aiohttp skips all tracing work.
    """
    connector = aiohttp.TCPConnector(ssl=ssl_context)
    session = aiohttp.ClientSession(
        connector=connector,
        raise_for_status=False,
        auto_decompress=True,
        headers={"User-Agent": user_agent},
        trace_configs=[send_hooks_trace()] if send_hooks else None,
    )
    # aiohttp silently re-sends an idempotent request once when a pooled connection drops;
    # that resend would skip both the cooldown and the 4-attempt budget, so the retry
    # policy alone decides (there is no public switch for this).
    session._retry_connection = False
    return session
