"""The transfer baseline: a plain aiohttp download or upload, in its own process.

    python -m bench.plain_copy download URL DEST CA_FILE
    python -m bench.plain_copy upload URL FILE CA_FILE

Sends the fake's test token and org header, streams 64 KiB chunks (download) or an open file in
a multipart part `file` (upload), after one small warm-up request on the same session. Prints
`{"seconds", "growth_mb"}`: the transfer's wall time and the process's peak resident memory
growth during it (`bench.procmem`). Must not know: the sidecar.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import sys
import time
from pathlib import Path

import aiohttp

from bench.procmem import PeakRss
from tests.fakes.tracker import HEADERS

CHUNK = 64 * 1024


async def download(session: aiohttp.ClientSession, url: str, dest: str) -> None:
    async with session.get(url) as resp:
        resp.raise_for_status()
        # Plain means plain: blocking writes on the loop (cheaper than a thread hop per chunk).
        with Path(dest).open("wb") as out:  # noqa: ASYNC230
            async for chunk in resp.content.iter_chunked(CHUNK):
                out.write(chunk)


async def upload(session: aiohttp.ClientSession, url: str, path: str) -> None:
    with Path(path).open("rb") as source:  # noqa: ASYNC230 (aiohttp reads it in a thread)
        form = aiohttp.FormData()
        form.add_field("file", source, filename=Path(path).name)
        async with session.post(url, data=form) as resp:
            resp.raise_for_status()
            await resp.read()


async def main(mode: str, url: str, target: str, ca_file: str) -> dict[str, float]:
    connector = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=ca_file))
    async with aiohttp.ClientSession(connector=connector, headers=HEADERS) as session:
        api_root = url.split("/v3/")[0]
        async with session.get(f"{api_root}/v3/myself") as warm:
            await warm.read()
        with PeakRss(os.getpid()) as peak:
            started = time.perf_counter()
            if mode == "download":
                await download(session, url, target)
            else:
                await upload(session, url, target)
            seconds = time.perf_counter() - started
    return {"seconds": seconds, "growth_mb": peak.growth_mb}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(*sys.argv[1:5]))))
