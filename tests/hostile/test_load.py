"""Load: 1,000 requests in flight at once, mixed local and Tracker-backed, cooldown 0.

Measured from outside the spawned sidecar through /proc (no debug method needed): resident
memory (VmRSS, and the peak VmHWM), open file descriptors and threads, at a warmed-up baseline
and after each of several bursts (the fake holds every `get_issue` for a second, so a whole
burst is in flight together). Every request must be answered once, with its own id and the
result its method gives. Memory must stay bounded during a burst and settle between bursts
instead of growing with each one (run with HOSTILE_LOAD_ROUNDS=14 to watch the plateau); the
connection pool may grow to its limit, and once its connections have idled out the descriptor
count must be back at the baseline. Threads must not pile up. Tasks cannot be counted from
outside: a task kept per request would show as memory growing burst after burst. Linux only.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import FakeTrackerServer

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

BURST = 1_000
HOLD_S = 1.0
IDLE_LIMIT_S = 40.0
ROUNDS = int(os.environ.get("HOSTILE_LOAD_ROUNDS", "3"))  # more: watch the plateau
MiB = 1024 * 1024
# Bounds, generous against noise and much smaller than any leak of 1,000 requests' worth.
PEAK_GROWTH = 150 * MiB
ROUND_GROWTH = 12 * MiB
SETTLED_GROWTH = 64 * MiB  # a full pool of TLS connections and the allocator's kept pages
POOL_LIMIT = 100  # aiohttp's default connector limit: idle keep-alive sockets it may keep
FD_SPARE = 4  # a log or store file opened meanwhile
THREAD_JITTER = 4  # worker threads (file and store calls) come and go

CALLS: list[tuple[str, Any, Any]] = [
    # (method, params, check of the result)
    ("ping", None, "pong"),
    ("has_session", None, True),
    ("get_timer_state", None, lambda r: r["active"] is False),
    ("get_config", None, lambda r: r["workday_hours"] == 8),
    ("version", None, lambda r: r["name"] == "ytracker-sidecar"),
    ("get_issue", {"issueKey": "TEST-1"}, lambda r: r["key"] == "TEST-1"),
    ("get_issue", {"issueKey": "NOPE-1"}, "not_found"),
    ("get_comments", {"issueKey": "TEST-1"}, lambda r: len(r) == 3),
    ("get_attachments", {"issueKey": "TEST-1"}, lambda r: len(r) == 2),
    ("get_issues", {"query": "Queue: TEST"}, lambda r: len(r["issues"]) >= 5),
    ("get_current_user", None, lambda r: r["login"] == "alice"),
    ("get_checklist", {"issueKey": "TEST-1"}, lambda r: len(r) == 2),
]


class Proc:
    """What /proc says about one process."""

    def __init__(self, pid: int) -> None:
        self.root = Path(f"/proc/{pid}")

    def status(self, field: str) -> int:
        for line in (self.root / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise KeyError(field)

    @property
    def rss(self) -> int:
        return self.status("VmRSS")

    @property
    def peak(self) -> int:
        return self.status("VmHWM")

    def reset_peak(self) -> None:
        (self.root / "clear_refs").write_text("5")  # VmHWM := VmRSS (Linux ≥ 4.0)

    @property
    def fds(self) -> int:
        return len(list((self.root / "fd").iterdir()))

    @property
    def threads(self) -> int:
        return len(list((self.root / "task").iterdir()))


def burst(sidecar: Sidecar, round_no: int) -> None:
    """Write all requests in one go, then read every answer and check it."""
    plan: dict[str, tuple[str, Any]] = {}
    lines = []
    for n in range(BURST):
        method, params, check = CALLS[n % len(CALLS)]
        request_id: Any = f"r{round_no}-{n}" if n % 2 else round_no * BURST + n
        plan[json.dumps(request_id)] = (method, check)
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        lines.append(json.dumps(message).encode())
    sidecar.send_raw(b"\n".join(lines) + b"\n")
    seen: Counter[str] = Counter()
    while sum(seen.values()) < BURST:
        message = sidecar.read_message(timeout=60)
        assert message is not None, sidecar.stderr[-3000:]
        if "method" in message:
            continue
        key = json.dumps(message["id"])
        assert key in plan, message
        seen[key] += 1
        _check(message, *plan[key])
    assert set(seen.values()) == {1} and len(seen) == BURST


def _check(message: dict[str, Any], method: str, check: Any) -> None:
    if check == "not_found":
        assert message["error"]["data"]["kind"] == "not_found", message
    elif callable(check):
        assert check(message.get("result")), (method, message)
    else:
        assert message.get("result") == check, (method, message)


def wait_for_idle_pool(sidecar: Sidecar, proc: Proc, base_fds: int) -> int:
    """aiohttp closes pooled connections idle for 15 s (checked every 15 s): wait for that."""
    deadline = time.monotonic() + IDLE_LIMIT_S
    while proc.fds > base_fds + FD_SPARE and time.monotonic() < deadline:
        time.sleep(1.0)
    assert sidecar.result("ping") == "pong"
    return proc.fds


def settled(sidecar: Sidecar) -> None:
    """Quiet, and the loop has run its callbacks: a local call round-trips."""
    time.sleep(0.5)
    assert sidecar.result("ping") == "pong"


def test_a_thousand_requests_in_flight(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--cooldown-ms", "0")
    proc = Proc(sidecar.proc.pid)
    for method, params, _ in CALLS:  # warm up: imports, TLS, the pool, the caches
        sidecar.call(method, params)
    settled(sidecar)
    base_rss, base_fds, base_threads = proc.rss, proc.fds, proc.threads
    after: list[tuple[int, int, int]] = []
    for round_no in range(1, ROUNDS + 1):
        proc.reset_peak()
        # Tracker holds every get_issue for a while, so the whole burst is in flight at once.
        fake_tracker.faults.add("GET", r"^/v3/issues/TEST-1$", delay_s=HOLD_S, times=BURST)
        burst(sidecar, round_no)
        peak = proc.peak
        settled(sidecar)
        after.append((proc.rss, proc.fds, proc.threads))
        assert peak - base_rss < PEAK_GROWTH, (round_no, peak, base_rss)
    print(
        f"baseline rss={base_rss / MiB:.1f} MiB fds={base_fds} threads={base_threads}; "
        f"after bursts {[(round(r / MiB, 1), f, t) for r, f, t in after]}"
    )
    for (rss, fds, threads), (previous, _, _) in zip(after[1:], after, strict=False):
        assert rss - previous < ROUND_GROWTH, after  # settling, not growing with each burst
        # The pool may grow to its limit; a leak of one descriptor per request would be 3,000.
        assert fds <= base_fds + POOL_LIMIT + FD_SPARE, (base_fds, after)
        assert threads <= base_threads + THREAD_JITTER, (base_threads, after)
    assert after[-1][0] - base_rss < SETTLED_GROWTH, (base_rss, after)
    idle_fds = wait_for_idle_pool(sidecar, proc, base_fds)
    print(f"idle: rss={proc.rss / MiB:.1f} MiB fds={idle_fds} threads={proc.threads}")
    assert idle_fds <= base_fds + FD_SPARE, (base_fds, idle_fds)  # every socket was closed
    assert sidecar.stop() == 0
