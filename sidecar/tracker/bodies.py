"""Reading an answer's body within limits: a gzip bomb costs the limit, not what it inflates to.

Owns: `MAX_BODY` and `MAX_ERROR_BODY`, `read_capped` (a 2xx body, refused past the limit, before
reading when its size is declared), `read_error_body` (the start of a non-2xx body, for the
message) and `declared_length`. aiohttp inflates a compressed body in bounded steps as it is
read, so counting the bytes as they come bounds memory. Must not know: retries, credentials,
what the body means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import errors

if TYPE_CHECKING:
    import aiohttp

CHUNK_SIZE = 64 * 1024
MiB = 1024 * 1024
MAX_BODY = 32 * MiB
"""The largest answer read into memory (after decompression): far above any real page, which
is a few MiB at most; a larger one is a DecodeError, not a gigabyte of memory."""
MAX_ERROR_BODY = 64 * 1024
"""What is kept of a non-2xx body for the error message; the rest is dropped unread."""


async def read_capped(resp: aiohttp.ClientResponse, limit: int, request_id: str | None) -> bytes:
    """The whole body, counted as it inflates; DecodeError (the connection dropped) past `limit`."""
    declared = declared_length(resp)
    if declared is not None:
        if declared > limit:
            resp.close()
            raise _too_large(resp.status, f"{declared} bytes", limit, request_id)
        if resp.content.is_eof():  # all of it has arrived, uncompressed: at most `declared`
            return resp.content.read_nowait()  # (the usual small answer, taken in one call)
    body, cut = await _read_prefix(resp, limit)
    if cut:
        raise _too_large(resp.status, f"more than {limit} bytes", limit, request_id)
    return bytes(body)


async def read_error_body(resp: aiohttp.ClientResponse) -> bytes:
    """An error body for the message: at most MAX_ERROR_BODY, marked `…` where it was cut."""
    body, cut = await _read_prefix(resp, MAX_ERROR_BODY)
    return bytes(body + "…".encode() if cut else body)


async def _read_prefix(resp: aiohttp.ClientResponse, limit: int) -> tuple[bytearray, bool]:
    """Up to `limit` bytes of the (decompressed) body, and whether there was more.

    aiohttp inflates a compressed body in bounded steps as it is read, so a gzip bomb costs
    `limit` and not what it would inflate to; a connection left with unread bytes is closed.
    """
    data = bytearray()
    async for chunk in resp.content.iter_chunked(CHUNK_SIZE):
        data += chunk
        if len(data) > limit:
            resp.close()
            del data[limit:]
            return data, True
    return data, False


def declared_length(resp: aiohttp.ClientResponse) -> int | None:
    # Content-Length counts encoded bytes; after decompression it says nothing.
    return None if "Content-Encoding" in resp.headers else resp.content_length


def _too_large(status: int, size: str, limit: int, request_id: str | None) -> errors.DecodeError:
    return errors.DecodeError(
        f"unexpected error: the response body is too large ({size}; the limit is "
        f"{limit // MiB} MiB)",
        status=status,
        request_id=request_id,
    )
