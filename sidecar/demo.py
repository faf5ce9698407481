"""`--demo`: the sandbox Tracker served on loopback inside the sidecar's own loop, signed in.

Owns: starting the sandbox with its friendly sample data, the pre-signed session, the demo
OAuth app credentials, and a throwaway config dir (the demo never touches the user's real
`config.json`, and its disk cache lives in that dir too). Must not know: how the sidecar
uses them (that is `app.py`).

The sandbox is not on the path to `ready`: loading it means loading aiohttp's web server (the
bulk of a `--demo` start). The listening socket is bound first, so the URL is known at once;
`DemoTracker.start()` (the app calls it as its Tracker half loads, the only part that talks to
the sandbox) loads the sandbox in a daemon thread and then serves that socket. A Tracker request
made before it is up connects (the kernel queues the connection) and is answered once it serves.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sidecar.local.offload import in_daemon_thread
from sidecar.sandbox.demo_account import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_ORG_ID,
    DEMO_TOKEN,
)
from sidecar.session.stores import StoredSession

if TYPE_CHECKING:
    from sidecar.sandbox.server import RunningServer
    from sidecar.sandbox.state import TrackerState

log = logging.getLogger("sidecar.demo")


@dataclass
class DemoTracker:
    url: str
    session: StoredSession
    client_env: dict[str, str]
    config_dir: Path
    listener: socket.socket
    serving: asyncio.Task[RunningServer] | None = None

    def start(self) -> None:
        """Load the sandbox and serve (once; inside the running loop)."""
        if self.serving is None:
            self.serving = asyncio.create_task(_serve(self.listener))
            self.serving.add_done_callback(_report_failure)


@asynccontextmanager
async def demo_tracker() -> AsyncIterator[DemoTracker]:
    listener = socket.create_server(("127.0.0.1", 0))  # listening now: early requests queue
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config_dir = Path(tempfile.mkdtemp(prefix="ytracker-demo-"))
    session = StoredSession(token=DEMO_TOKEN, org_id=DEMO_ORG_ID)
    env = {"YTRACKER_CLIENT_ID": DEMO_CLIENT_ID, "YTRACKER_CLIENT_SECRET": DEMO_CLIENT_SECRET}
    demo = DemoTracker(url, session, env, config_dir, listener)
    try:
        yield demo
    finally:
        await _stop(demo.serving, listener)
        shutil.rmtree(config_dir, ignore_errors=True)


def _load_sandbox() -> tuple[TrackerState, Callable[..., Awaitable[RunningServer]]]:
    """Import the sandbox and seed the demo's data (blocking: runs in a daemon thread)."""
    from sidecar.sandbox.seed_demo import demo_state
    from sidecar.sandbox.server import start

    return demo_state(), start


async def _serve(listener: socket.socket) -> RunningServer:
    state, start = await in_daemon_thread(_load_sandbox, name="sandbox-load")
    return await start(state, sock=listener)


async def _stop(serving: asyncio.Task[RunningServer] | None, listener: socket.socket) -> None:
    if serving is None:
        listener.close()
        return
    serving.cancel()  # a no-op once the sandbox serves
    outcome: Any = (await asyncio.gather(serving, return_exceptions=True))[0]
    if isinstance(outcome, BaseException):
        listener.close()
    else:
        await outcome.close()


def _report_failure(serving: asyncio.Task[RunningServer]) -> None:
    if not serving.cancelled() and serving.exception() is not None:
        log.error("the demo Tracker failed to start", exc_info=serving.exception())
