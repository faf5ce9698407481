"""The start-up floor: start asyncio, read one line from stdin with msgspec, answer it."""

import asyncio
import sys

import msgspec


async def main() -> None:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    request = msgspec.json.decode(await reader.readline())
    answer = {"jsonrpc": "2.0", "id": request["id"], "result": "pong"}
    sys.stdout.buffer.write(msgspec.json.encode(answer) + b"\n")
    sys.stdout.flush()


asyncio.run(main())
