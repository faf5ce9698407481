"""The baselines' processes, driven from the benchmark: the official client and the plain copy.

Owns: spawning `bench.competitor` and `bench.plain_copy` with an environment that lets
`requests` honour the CA it is given, and their one-line JSON exchanges. Must not know: what
the numbers mean.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import IO, Any

from bench.fake import BenchFake
from bench.pipe import REPO
from tests.fakes.tracker import ORG_ID, TOKEN

# requests lets these override an explicit `verify` (and they point at the system bundle).
_CA_OVERRIDES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def worker_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _CA_OVERRIDES}


class Competitor:
    """A `yandex-tracker-client` process signed in to the fake as alice."""

    def __init__(self, fake: BenchFake) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.competitor"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=worker_env(),
            cwd=REPO,
        )
        self.ask("init", url=fake.url, ca_file=fake.ca_file, token=TOKEN, org_id=ORG_ID)

    def ask(self, op: str, **params: Any) -> dict[str, Any]:
        stdin, stdout = self._pipes()
        stdin.write(json.dumps({"op": op, **params}).encode() + b"\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"competitor exited during {op!r} (code {self.proc.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        return self.proc.stdin, self.proc.stdout

    def close(self) -> None:
        stdin, stdout = self._pipes()
        stdin.close()
        self.proc.wait(timeout=10)
        stdout.close()


def plain_copy(mode: str, url: str, target: str, ca_file: str) -> dict[str, float]:
    """Run one plain aiohttp transfer in a fresh process; its seconds and memory growth."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.plain_copy", mode, url, target, ca_file],
        capture_output=True,
        check=True,
        env=worker_env(),
        cwd=REPO,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result
