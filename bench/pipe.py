"""A spawned sidecar spoken to over its pipes with as little client-side work as possible.

Owns: spawning `python -m sidecar` against the benchmark's fake, writing NDJSON requests and
reading responses on the calling thread (no pump threads or queues, so the measured time is the
sidecar's plus the pipe hop), and the child's CPU and memory from `/proc`. Must not know: the
scenarios. The test suite's `tests/e2e/harness.py` is the checked, thread-based variant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import msgspec

from bench.fake import LOGIN_PARAMS, BenchFake

REPO = Path(__file__).resolve().parents[1]
SIDECAR = [sys.executable, "-m", "sidecar"]
PIPE_CAPACITY = 64 * 1024


def sidecar_args(fake: BenchFake, cooldown_ms: int, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        *("--api-base-url", fake.url, "--oauth-base-url", fake.url + "/oauth"),
        *("--ca-file", fake.ca_file, "--secrets", "memory"),
        *("--cooldown-ms", str(cooldown_ms), "--log-level", "warning"),
        *extra,
    ]


class SidecarPipe:
    """One sidecar process, signed in to the fake as alice (unless `sign_in=False`: then the
    constructor returns as soon as it is spawned, `ready` unread, nothing sent).

    Its disk cache is a folder of its own unless `cache_dir` names one (a warm start)."""

    def __init__(
        self,
        fake: BenchFake,
        *,
        cooldown_ms: int,
        command: list[str] | None = None,
        extra: tuple[str, ...] = (),
        cache_dir: Path | None = None,
        sign_in: bool = True,
    ) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="bench-sidecar-")
        scratch = Path(self._scratch.name)
        env = {
            **os.environ,
            "YTRACKER_CONFIG_DIR": str(scratch / "config"),
            "YTRACKER_CACHE_DIR": str(cache_dir or scratch / "cache"),  # never the user's
        }
        self._stderr = (Path(self._scratch.name) / "stderr.log").open("wb")
        self.spawned_at = time.perf_counter()
        self.proc = subprocess.Popen(
            [*(command or SIDECAR), *sidecar_args(fake, cooldown_ms, extra)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=REPO,
            bufsize=PIPE_CAPACITY,  # read as a host does: a pipe's worth at a time
        )
        self.pid = self.proc.pid
        self._next_id = 0
        self._early: dict[Any, tuple[dict[str, Any], float]] = {}
        if sign_in:
            self.wait_for_method("ready")
            assert self.call("login_with_token", LOGIN_PARAMS) is True

    @property
    def _in(self) -> IO[bytes]:
        assert self.proc.stdin is not None
        return self.proc.stdin

    @property
    def _out(self) -> IO[bytes]:
        assert self.proc.stdout is not None
        return self.proc.stdout

    def request_line(self, method: str, params: Any = None) -> tuple[int, bytes]:
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        return self._next_id, json.dumps(message).encode() + b"\n"

    def send(self, *lines: bytes) -> None:
        self._in.write(b"".join(lines))
        self._in.flush()

    def read(self) -> tuple[dict[str, Any], float]:
        """The next message and the `perf_counter()` at which its line was read."""
        line = self._out.readline()
        at = time.perf_counter()
        if not line:
            raise RuntimeError(f"sidecar exited; stderr:\n{self.stderr_tail()}")
        message: dict[str, Any] = msgspec.json.decode(line)  # a frontend parses it too
        return message, at

    def wait_for_method(self, method: str) -> dict[str, Any]:
        while True:
            message, _ = self.read()
            if message.get("method") == method:
                return message

    def response(self, request_id: int) -> tuple[dict[str, Any], float]:
        if request_id in self._early:
            return self._early.pop(request_id)
        while True:
            message, at = self.read()
            if message.get("id") == request_id:
                return message, at
            if "id" in message:
                self._early[message["id"]] = (message, at)

    def call(self, method: str, params: Any = None) -> Any:
        request_id, line = self.request_line(method, params)
        self.send(line)
        message, _ = self.response(request_id)
        if "result" not in message:
            raise RuntimeError(f"{method} failed: {message}")
        return message["result"]

    def timed(self, line: bytes, request_id: int) -> float:
        """Seconds from writing `line` to reading its answer (which must be a result)."""
        started = time.perf_counter()
        self.send(line)
        message, at = self.response(request_id)
        assert "result" in message, message
        return at - started

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stderr_tail(self) -> str:
        self._stderr.flush()
        text = (Path(self._scratch.name) / "stderr.log").read_text("utf-8", "replace")
        return text[-4000:]

    def close(self) -> None:
        try:
            self._in.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self._out.close()
        self._stderr.close()
        self._scratch.cleanup()

    def __enter__(self) -> SidecarPipe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
