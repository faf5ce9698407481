"""The cooldown measured where it counts: request starts at the fake, from a cold pool.

A spawned sidecar makes concurrent requests whose answers take longer than the gap, so early
requests need fresh TCP+TLS connections while others are in flight. The slot must be taken
when a request is about to be written, not before its connection exists: otherwise a handshake
eats into the gap and the next request, on a warm connection, arrives early. No tolerance below
the setting except the clock's resolution (the fake and the sidecar read the same monotonic
clock).
"""

from __future__ import annotations

import itertools
import time

from tests.e2e.conftest import SpawnFn
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import FakeTrackerServer

GAP_S = 0.2
RESOLUTION_S = time.get_clock_info("monotonic").resolution


def test_no_gap_below_the_cooldown_from_a_cold_pool(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.faults.add("GET", r"/v3/issues/TEST-\d+$", delay_s=1.5 * GAP_S, times=100)
    # Signing in sends nothing to Tracker, so the sidecar's connection pool is still empty.
    sidecar = start_signed_in(spawn, fake_tracker, "--cooldown-ms", str(int(GAP_S * 1000)))
    keys = [f"TEST-{n}" for n in (1, 2, 3, 4, 6, 7, 1, 2, 3, 4)]
    ids = [sidecar.request("get_issue", {"issueKey": key}) for key in keys]
    for request_id in ids:
        assert "result" in sidecar.response(request_id, timeout=30)
    starts = fake_tracker.request_starts
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == len(keys)
    assert min(gaps) >= GAP_S - RESOLUTION_S, [round(g * 1000, 2) for g in gaps]
