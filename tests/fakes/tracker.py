"""`FakeTrackerServer`: the sandbox Tracker over HTTPS on 127.0.0.1, in a background thread.

Its own thread and event loop let one server outlive pytest-asyncio's per-test loops and serve
in-process async tests and sidecar subprocesses alike. TLS uses a trustme CA; `ca_file` is the
PEM to trust (the sidecar's `--ca-file`), `client_ssl()` an `ssl.SSLContext` for aiohttp.

Defaults (from `tests/fakes/seed.py`, whose docstring lists every key, id and login):

- token "test-token" → login "alice", org "12345" of type yandex360 (`X-Org-ID: 12345`);
  `HEADERS` is exactly that pair of headers;
- OAuth client "test-client-id" / "test-client-secret"; `issue_auth_code()` mints a code;
- `url` is the API root (clients append `/v3/...`), `oauth_url` is `url + "/oauth"`.

API:
    url, oauth_url, ca_file, state      the live `TrackerState` (read freely; mutate via call)
    call(fn)                            run fn(state) on the server thread, return its result
    faults.add(method, path_regex, *, status=None, headers=None, body=None, delay_s=0.0,
               action=None, location=None, times=1, size=None, interval_s=0.2)
        action ∈ reset_before_headers, reset_after_headers, stall_body, truncate_body,
                 malformed_json, empty_200, redirect (needs location=; any 3xx by status=),
                 echo (an error repeating the request's secrets; see faults.echoed),
                 gzip (body gzip-compressed; size= repeats it to that many inflated bytes),
                 trickle_body (a byte every interval_s, never idle),
                 hold (the real answer, made only once `faults.release()` is called)
    requests, requests_to(method, path_regex), request_starts
    issue_auth_code(login=None), reset(), close()
    stop_listening(), listen_again()    the port closed (connections refused), then open again
                                        on the same port with the same state
"""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import trustme

from sidecar.sandbox.faults import FaultScript
from sidecar.sandbox.recording import RecordedRequest
from sidecar.sandbox.server import RunningServer, start
from sidecar.sandbox.state import TrackerState
from tests.fakes.seed import test_state

T = TypeVar("T")

TOKEN = "test-token"
ORG_ID = "12345"
HEADERS = {"Authorization": f"OAuth {TOKEN}", "X-Org-ID": ORG_ID}
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"


class FakeTrackerServer:
    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="fake-tracker-")
        ca = trustme.CA()
        self.ca_file = str(Path(self._dir.name) / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ssl)
        self._ssl = server_ssl
        self._listening = True
        self.state = test_state()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-tracker", daemon=True
        )
        self._thread.start()
        try:
            self._server: RunningServer = self._run(start(self.state, ssl_context=server_ssl))
        except BaseException:
            self._stop_loop()
            raise
        self.url = self._server.url
        self.oauth_url = f"{self.url}/oauth"

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def call(self, fn: Callable[[TrackerState], T]) -> T:
        """Run `fn(state)` on the server's loop thread, so it never races a handler."""
        done: Future[T] = Future()

        def run() -> None:
            try:
                done.set_result(fn(self.state))
            except BaseException as error:
                done.set_exception(error)

        self._loop.call_soon_threadsafe(run)
        return done.result(timeout=10)

    @property
    def faults(self) -> FaultScript:
        return self.state.faults

    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self.state.log)

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        return self.state.log.matching(method, path_regex)

    @property
    def request_starts(self) -> list[float]:
        """`time.monotonic()` at each request's arrival, for cooldown checks."""
        return [r.started for r in self.state.log]

    def issue_auth_code(self, login: str | None = None) -> str:
        return self.call(lambda s: s.issue_auth_code(login, CLIENT_ID))

    def client_ssl(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def reset(self) -> None:
        """A fresh `test_state()`, no faults, an empty request log (stalled answers released)."""
        self.call(lambda s: s.reset_to(test_state()))

    def stop_listening(self) -> None:
        """Close the port: Tracker cannot be reached (connections are refused)."""
        self._run(self._server.close())
        self._listening = False

    def listen_again(self) -> None:
        """Serve the same state on the same port again."""
        port = int(self.url.rsplit(":", 1)[1])
        self._server = self._run(start(self.state, port=port, ssl_context=self._ssl))
        self._listening = True

    def close(self) -> None:
        self.faults.clear()
        if self._listening:
            self._run(self._server.close())
        self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._dir.cleanup()
