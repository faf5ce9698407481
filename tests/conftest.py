"""Shared fixtures. Keep each one small and documented; domain-specific fixtures belong in the
conftest.py of their own test folder.

- `fake_tracker_server` (session): one `FakeTrackerServer` (HTTPS, trustme CA) for the run.
- `fake_tracker` (function): the same server, reset to a fresh `test_state()` with no faults
  and an empty request log before the test. See `tests/fakes/tracker.py` for its API.
- `fake_client` (function): an in-process `TrackerClient` on `fake_tracker`, signed in with the
  fake's token, no cooldown, retries without sleeping.
- `_no_user_cache` (session, automatic): YTRACKER_CACHE_DIR names a folder of the run, so no
  sidecar a test starts reads or writes the user's disk cache (the e2e `spawn` fixture gives
  each test a folder of its own).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import HealthCheck, settings

from sidecar.tracker.auth import Credentials
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.config import ClientConfig
from sidecar.tracker.retry import RetryPolicy
from tests.fakes.tracker import ORG_ID, TOKEN, FakeTrackerServer
from tests.hostile.secret_audit import AUDIT
from tests.tracker.conftest import FakeCredentials

# Timing belongs to the benchmarks: on a loaded machine (CI, parallel work) hypothesis's
# deadline and its too_slow health check failed property tests that were right. The hostile
# suite applies its own profiles per test on top of this.
settings.register_profile("ytracker", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ytracker")


@pytest.fixture(scope="session", autouse=True)
def _no_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    folder = tmp_path_factory.mktemp("disk-cache")
    AUDIT.cache_folders.add(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("YTRACKER_CACHE_DIR", str(folder))
        yield


@pytest.fixture(scope="session")
def fake_tracker_server() -> Iterator[FakeTrackerServer]:
    server = FakeTrackerServer()
    yield server
    server.close()


@pytest.fixture
def fake_tracker(fake_tracker_server: FakeTrackerServer) -> FakeTrackerServer:
    fake_tracker_server.reset()
    return fake_tracker_server


@pytest.fixture
async def fake_client(fake_tracker: FakeTrackerServer) -> AsyncIterator[TrackerClient]:
    config = ClientConfig(
        api_base_url=fake_tracker.url,
        oauth_base_url=fake_tracker.oauth_url,
        ca_file=fake_tracker.ca_file,
        cooldown_s=0.0,
        retry=RetryPolicy(sleep_scale=0),
    )
    provider = FakeCredentials(Credentials(TOKEN, "oauth", ORG_ID, "yandex360"))
    client = TrackerClient(config, provider, logger=logging.getLogger("test.fake"))
    yield client
    await client.close()
