"""A tiny sidecar for test_stdio_transport: StdioTransport + Endpoint with misbehaving handlers.

Run as a script; its handlers write to stdout behind the endpoint's back, the way a careless
library would, to prove that only protocol frames reach the real stdout.
"""

import asyncio
import logging
import os
import sys

from sidecar.rpc import Endpoint, RequestContext, Router, StdioTransport


async def ping(params: None, ctx: RequestContext) -> str:
    print("stray print from a handler")
    sys.stdout.flush()
    os.write(1, b"stray write to fd 1\n")
    return "pong"


async def big(params: None, ctx: RequestContext) -> str:
    return "x" * (1024 * 1024)  # far more than a pipe holds


async def mark(params: None, ctx: RequestContext) -> str:
    logging.getLogger("stdio-child").info("mark handled")
    return "marked"


async def main() -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
    router = Router()
    router.add("ping", ping, None)
    router.add("big", big, None)
    router.add("mark", mark, None)
    endpoint = Endpoint(
        router,
        StdioTransport(),
        translate_error=lambda exc: None,
        logger=logging.getLogger("stdio-child"),
    )
    endpoint.notify("ready", {"pid": os.getpid()})
    return await endpoint.serve()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
