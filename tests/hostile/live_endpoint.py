"""The real app served in process over a MemoryTransport, on a loop of its own.

`LiveEndpoint` builds `sidecar.app.App` pointed at the fake Tracker and runs
`app.serve(MemoryTransport())` in a background thread: the app wires everything itself (every
handler, the Router, the error translator, the Tracker client, the shutdown), exactly as it does
for stdio, so synchronous hypothesis tests can drive thousands of examples through one
long-lived server, as a desktop shell drives one process. Only the stdio file descriptors are
left out; the spawned-process tests cover those. Downloads land in the sandbox because the
`live` fixture points `HOME` and the XDG user dirs there, as a desktop session would.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from sidecar.app import App
from sidecar.rpc import MemoryTransport
from sidecar.rpc.framing import Frame
from sidecar.session.stores import MemoryStore, StoredSession
from sidecar.settings import Settings
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, TOKEN, FakeTrackerServer
from tests.hostile.wire_model import Answers, observe

T = TypeVar("T")
ENV = {"YTRACKER_CLIENT_ID": CLIENT_ID, "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}
SIGNED_IN = StoredSession(token=TOKEN, org_id=ORG_ID, org_type="yandex360")
MAX_LINE = 1 << 20  # small, so oversize lines are cheap to make


class Stopped(AssertionError):
    """The endpoint stopped serving while it should not have."""


class LiveEndpoint:
    def __init__(self, fake: FakeTrackerServer, sandbox: Path) -> None:
        self.sandbox = sandbox
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="live-endpoint")
        self._thread.daemon = True
        self._thread.start()
        self.messages: list[Any] = []  # every decoded frame written, in order
        self.notifications = 0
        self._seen = 0
        self._run(self._start(fake))

    async def _start(self, fake: FakeTrackerServer) -> None:
        settings = Settings(
            api_base_url=fake.url,
            oauth_base_url=fake.oauth_url,
            ca_file=fake.ca_file,
            secrets="memory",
            config_dir=self.sandbox / "config",
            cache_dir=self.sandbox / "cache",
            cooldown_ms=0,
            request_timeout_s=10.0,
            tray_interval_s=0,  # no background requests between the fuzzed ones
        )
        self.app = App(settings, MemoryStore(SIGNED_IN), ENV)
        self.transport = MemoryTransport()
        self._serving = asyncio.create_task(self.app.serve(self.transport))
        ready = self._record(await asyncio.wait_for(self.transport.next_frame(), 10))
        assert self.messages[-1]["method"] == "ready", ready  # as a shell waits for it

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- driving ---------------------------------------------------------------------------

    def exchange(self, frames: list[Frame], expected: Answers, timeout: float = 8.0) -> Answers:
        """Feed frames; return what came back once `expected` is covered (or time ran out)."""
        return self._run(self._exchange(frames, expected, timeout), timeout + 5)

    async def _exchange(self, frames: list[Frame], expected: Answers, limit_s: float) -> Answers:
        await self.app.session.sign_in(SIGNED_IN)  # a fuzzed logout must not blunt the next one
        for frame in frames:
            self.transport.feed(frame)
        got = Answers()
        deadline = time.monotonic() + limit_s
        while not _covers(got, expected):
            if self._serving.done():
                raise Stopped(f"the endpoint stopped: {self._serving!r}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                raw = await asyncio.wait_for(self.transport.next_frame(), remaining)
            except TimeoutError:
                break
            got.add(self._record(raw))
        await asyncio.sleep(0)  # let a duplicate answer that is already queued show up
        while self.transport.pending():
            got.add(self._record(await self.transport.next_frame()))
        return got

    def _record(self, raw: bytes) -> Answers:
        assert raw.endswith(b"\n") and raw.count(b"\n") == 1, raw[:200]
        message = msgspec.json.decode(raw)
        self.messages.append(message)
        if isinstance(message, dict) and "method" in message:
            self.notifications += 1
        return observe(message)

    def frames(self) -> list[bytes]:
        """Every frame written so far."""
        return list(self.transport.frames)

    def alive(self) -> bool:
        return not self._serving.done()

    def close(self) -> int:
        """EOF, wait for serving to end; the exit code serve() returned."""

        async def finish() -> int:
            self.transport.feed_eof()
            return await asyncio.wait_for(self._serving, 10)

        try:
            return self._run(finish())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()


def _covers(got: Answers, expected: Answers) -> bool:
    return all(got.singles[k] >= n for k, n in expected.singles.items()) and all(
        got.batches[k] >= n for k, n in expected.batches.items()
    )
