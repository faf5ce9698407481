"""The per-call floor: a bare stdio process that answers `get_issue` by one aiohttp GET.

Run as `python -m bench.call_floor <the sidecar's flags>` by `bench.pipe.SidecarPipe`, it
speaks just enough of the sidecar's wire: it announces `ready`, takes the token and org of
`login_with_token` as its headers, and answers each `get_issue` with one GET of
`/v3/issues/<key>?fields=…` to the fake, the raw body written back as the result. Requests are
handled one at a time, with no typed decoding of the body, no DTO, no task per request and no
logging: what is left is the architecture (asyncio, a pipe each way, TLS, aiohttp). Flags other
than `--api-base-url` and `--ca-file` are ignored. Must not know: the sidecar's code.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
from typing import Any

import aiohttp
import msgspec

from bench.fake import FIELDS


class Request(msgspec.Struct):
    method: str
    id: Any = None
    params: dict[str, Any] = {}


async def serve(base_url: str, ca_file: str) -> None:
    reader = asyncio.StreamReader(limit=1 << 20)
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    decode, encode, out = msgspec.json.Decoder(Request).decode, msgspec.json.encode, sys.stdout
    connector = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=ca_file))
    headers: dict[str, str] = {}
    async with aiohttp.ClientSession(connector=connector) as session:
        out.buffer.write(b'{"jsonrpc":"2.0","method":"ready"}\n')
        out.flush()
        while line := await reader.readline():
            request = decode(line)
            result: Any = True
            if request.method == "login_with_token":
                org = "X-Org-ID" if request.params["orgType"] == "yandex360" else "X-Cloud-Org-ID"
                headers = {"Authorization": f"OAuth {request.params['token']}"}
                headers[org] = request.params["orgId"]
            elif request.method == "get_issue":
                url = f"{base_url}/v3/issues/{request.params['issueKey']}"
                async with session.get(url, params={"fields": FIELDS}, headers=headers) as resp:
                    result = msgspec.Raw(await resp.read())
            out.buffer.write(encode({"jsonrpc": "2.0", "id": request.id, "result": result}))
            out.buffer.write(b"\n")
            out.flush()


def flag(name: str) -> str:
    return sys.argv[sys.argv.index(name) + 1]


if __name__ == "__main__":
    asyncio.run(serve(flag("--api-base-url"), flag("--ca-file")))
