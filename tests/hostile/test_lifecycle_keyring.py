"""Two sidecars sharing one OS keyring entry (the real Secret Service).

Run by `scripts/keyring_tests.sh` (marker `keyring_integration`: a private D-Bus session with
gnome-keyring), which `scripts/test.sh` runs. Refresh tokens are single-use, so when one process
refreshes, the other holds a refresh token Tracker will refuse: it must take up the session the
first one stored rather than end it, and the store must keep one consistent, working session.
Both must then end within 2 s, leaving no temporary file and no child process.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.lifecycle import children_of, ended_within, leftovers, quiet_env, wait_gone
from tests.test_keyring_integration import (
    ENV,
    clean_store,
    entry_count,
    keyring_args,
    secret_service,
    sign_in_with_code,
    stored_session,
)

__all__ = ["clean_store", "secret_service"]  # fixtures: autouse store cleaning, the skip rule

pytestmark = pytest.mark.keyring_integration


def start(spawn: SpawnFn, fake: FakeTrackerServer, home: Path) -> Sidecar:
    home.mkdir()
    return spawn(*keyring_args(fake), env={**ENV, **quiet_env(home)})


def two_signed_in(
    spawn: SpawnFn, fake: FakeTrackerServer, tmp_path: Path
) -> tuple[Sidecar, Sidecar]:
    """The first signs in with a code; the second starts after and finds the stored session."""
    first = start(spawn, fake, tmp_path / "first")
    sign_in_with_code(first, fake)
    return first, start(spawn, fake, tmp_path / "second")


def expire_minted_tokens(fake: FakeTrackerServer) -> None:
    fake.call(lambda s: [s.expire_token(t) for t, v in s.tokens.items() if v.client_id])


def test_two_sidecars_share_one_entry_through_a_refresh(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    first, second = two_signed_in(spawn, fake_tracker, tmp_path)
    assert second.result("get_current_user")["login"] == "alice"  # the same stored session
    signed_in = stored_session()

    expire_minted_tokens(fake_tracker)
    assert first.result("get_current_user")["login"] == "alice"  # 401 → refresh → stored
    refreshed = stored_session()
    assert refreshed.token != signed_in.token

    # The second still holds the spent refresh token: it must adopt the stored session.
    assert second.result("get_current_user")["login"] == "alice"
    assert stored_session() == refreshed and entry_count() == 1
    assert first.result("get_current_user")["login"] == "alice"

    for sidecar in (first, second):
        children = children_of(sidecar.proc.pid)
        started = time.monotonic()
        sidecar.close_stdin()
        assert ended_within(sidecar, started) == 0
        assert [c for c in children if not wait_gone(c, 2.0)] == []
    assert leftovers(tmp_path / "first" / "tmp", tmp_path / "second" / "tmp") == []
    assert stored_session() == refreshed  # consistent: the session both ended with

    third = start(spawn, fake_tracker, tmp_path / "third")
    assert third.result("get_current_user")["login"] == "alice"


def test_a_logout_in_one_sidecar_signs_the_other_out_on_its_next_refusal(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    """No resurrection: after a logout elsewhere, the store stays empty."""
    first, second = two_signed_in(spawn, fake_tracker, tmp_path)
    assert second.result("has_session") is True
    assert first.result("logout") is None
    fake_tracker.call(lambda s: s.refresh_tokens.clear())  # logout revokes at Tracker's end
    expire_minted_tokens(fake_tracker)
    error = second.error("get_current_user")
    assert error["data"]["kind"] == "unauthenticated", error
    assert entry_count() == 0
