"""A real sidecar subprocess spoken to through pipes, as a desktop shell would.

Owns: spawning (`python -m sidecar` or a frozen binary named by YTRACKER_SIDECAR_BIN), writing
NDJSON requests, reading and checking every stdout line, collecting stderr. Every line the
sidecar writes to stdout is validated as a JSON-RPC 2.0 message as it arrives, so any stray
output fails the test that caused it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_TIMEOUT = 15.0


def sidecar_command() -> list[str]:
    """The binary under test: a frozen build when YTRACKER_SIDECAR_BIN is set, else the source."""
    binary = os.environ.get("YTRACKER_SIDECAR_BIN")
    return [binary] if binary else [sys.executable, "-m", "sidecar"]


def check_jsonrpc(message: Any) -> None:
    """Assert the shape of one outbound JSON-RPC 2.0 message (response or notification)."""
    assert isinstance(message, dict | list), message
    for item in message if isinstance(message, list) else [message]:
        assert item.get("jsonrpc") == "2.0", item
        if "method" in item:
            assert "id" not in item and isinstance(item["method"], str), item
            continue
        assert "id" in item, item
        assert ("result" in item) != ("error" in item), item
        if "error" in item:
            error = item["error"]
            assert isinstance(error["code"], int) and isinstance(error["message"], str), item


class Sidecar:
    def __init__(
        self,
        args: Iterable[str] = (),
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        program: list[str] | None = None,
    ) -> None:
        """`program` replaces `sidecar_command()` (a test's own entry point around `main`)."""
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        full_env.setdefault("YTRACKER_RETRY_SLEEP_SCALE", "0")
        # The tray's background refresh would add requests to every signed-in test's log;
        # the tray's own tests switch it on.
        full_env.setdefault("YTRACKER_TRAY_INTERVAL_S", "0")
        if cwd is not None:  # `-m sidecar` must still find this checkout's package
            full_env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(REPO), full_env.get("PYTHONPATH")])
            )
        self.proc = subprocess.Popen(
            [*(program or sidecar_command()), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            cwd=cwd or REPO,
        )
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.raw_stdout: list[bytes] = []
        self.stderr_chunks: list[bytes] = []
        self.notifications: list[dict[str, Any]] = []
        self._pending: dict[Any, Any] = {}
        self._next_id = 0
        self._pumps = [
            threading.Thread(target=self._pump_stdout, daemon=True),
            threading.Thread(target=self._pump_stderr, daemon=True),
        ]
        for pump in self._pumps:
            pump.start()

    # -- plumbing -------------------------------------------------------------------------

    def _pump_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.raw_stdout.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _pump_stderr(self) -> None:
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read1(65536), b""):  # type: ignore[union-attr]
            self.stderr_chunks.append(chunk)

    @property
    def stderr(self) -> str:
        return b"".join(self.stderr_chunks).decode("utf-8", "replace")

    @property
    def stdout(self) -> str:
        return b"".join(self.raw_stdout).decode("utf-8", "replace")

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: Any) -> None:
        self.send_raw(json.dumps(message, ensure_ascii=False).encode() + b"\n")

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    # -- reading ---------------------------------------------------------------------------

    def read_message(self, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """The next stdout message (validated); None at EOF."""
        line = self.lines.get(timeout=timeout)
        if line is None:
            return None
        message = json.loads(line)
        check_jsonrpc(message)
        return message

    def wait_for(self, predicate: Any, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Read until a message matches; notifications and other responses are kept."""
        deadline = time.monotonic() + timeout
        while True:
            for key, message in list(self._pending.items()):
                if predicate(message):
                    del self._pending[key]
                    return message
            message = self.read_message(max(deadline - time.monotonic(), 0.01))
            if message is None:
                raise AssertionError(f"sidecar exited; stderr:\n{self.stderr[-4000:]}")
            self._keep(message)

    def _keep(self, message: Any) -> None:
        if isinstance(message, dict) and "method" in message:
            self.notifications.append(message)
            self._pending[("n", len(self.notifications))] = message
        elif isinstance(message, dict):
            self._pending[("r", json.dumps(message.get("id")))] = message
        else:
            self._pending[("b", id(message))] = message

    def notification(self, method: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        return self.wait_for(lambda m: isinstance(m, dict) and m.get("method") == method, timeout)

    def response(self, request_id: Any, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        return self.wait_for(
            lambda m: isinstance(m, dict) and "method" not in m and m.get("id") == request_id,
            timeout,
        )

    # -- calls -----------------------------------------------------------------------------

    def request(self, method: str, params: Any = None, *, request_id: Any = None) -> Any:
        """Send a request and return its id (responses are read with `response`)."""
        if request_id is None:
            self._next_id += 1
            request_id = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return request_id

    def call(self, method: str, params: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Send a request and return its whole response object."""
        return self.response(self.request(method, params), timeout)

    def result(self, method: str, params: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        response = self.call(method, params, timeout)
        assert "result" in response, response
        return response["result"]

    def error(self, method: str, params: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        response = self.call(method, params, timeout)
        assert "error" in response, response
        return response["error"]

    # -- ending ----------------------------------------------------------------------------

    def wait(self, timeout: float = 5.0) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> int:
        """EOF, then wait (kill if it does not go), then close the pipes once drained."""
        code = self._end()
        for pump in self._pumps:  # a pipe closed under a running pump would fail its read
            pump.join(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        return code

    def _end(self) -> int:
        """EOF, then wait; kill if it does not go (the test then fails on the exit code)."""
        if self.proc.poll() is None:
            try:
                self.close_stdin()
            except (BrokenPipeError, OSError):
                pass
            try:
                return self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        return self.proc.returncode

    def drain_stdout(self) -> list[Any]:
        """Every remaining message up to EOF (all validated)."""
        messages = []
        while (message := self.read_message()) is not None:
            messages.append(message)
        return messages
