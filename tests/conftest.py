"""Shared fixtures. Keep each one small and documented; domain-specific fixtures belong in the
conftest.py of their own test folder.

- `fake_tracker_server` (session): one `FakeTrackerServer` (HTTPS, trustme CA) for the run.
- `fake_tracker` (function): the same server, reset to a fresh `test_state()` with no faults
  and an empty request log before the test. See `tests/fakes/tracker.py` for its API.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.fakes.tracker import FakeTrackerServer

# Timing belongs to the benchmarks: on a loaded machine (CI, parallel work) hypothesis's
# deadline and its too_slow health check failed property tests that were right. The hostile
# suite applies its own profiles per test on top of this.
settings.register_profile("ytracker", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ytracker")


@pytest.fixture(scope="session")
def fake_tracker_server() -> Iterator[FakeTrackerServer]:
    server = FakeTrackerServer()
    yield server
    server.close()


@pytest.fixture
def fake_tracker(fake_tracker_server: FakeTrackerServer) -> FakeTrackerServer:
    fake_tracker_server.reset()
    return fake_tracker_server
