"""Caches follow the session even when it changes without a sign-in or logout command
(issue 14, item 2).

The session also changes under the handlers: a refresh, an ended session (a refused refresh
token), or another process's session adopted from a shared keyring entry, which may be another
account. None of these clears the caches, so the caches themselves must refuse to answer for
an earlier session. In process, through the real App, against the fake Tracker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sidecar.api.issues import GetIssuesParams
from sidecar.app import App
from sidecar.handlers.issues import get_issues
from sidecar.handlers.users import current_login
from sidecar.session.stores import StoredSession
from tests.fakes.tracker import ORG_ID, TOKEN, FakeTrackerServer
from tests.handlers.test_auth import CALL, make_app, tracker

ALICE = StoredSession(token=TOKEN, org_id=ORG_ID, org_type="yandex360")
BOB = StoredSession(token="bob-token", org_id=ORG_ID, org_type="yandex360")


@pytest.fixture
async def app(fake_tracker: FakeTrackerServer, tmp_path: Path) -> AsyncIterator[App]:
    the_app = await make_app(fake_tracker, tmp_path)
    await the_app.session.sign_in(ALICE)
    yield the_app
    await tracker(the_app).close()


def tokens(fake: FakeTrackerServer, method: str, path: str) -> list[str]:
    return [r.headers["Authorization"] for r in fake.requests_to(method, path)]


async def test_a_session_changed_under_the_handlers_gets_its_own_login(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    assert await current_login(app.deps) == "alice"
    assert await current_login(app.deps) == "alice"  # cached: one lookup
    await app.session.sign_in(BOB)  # as adopting another process's stored session does
    assert await current_login(app.deps) == "bob"
    assert tokens(fake_tracker, "GET", r"^/v3/myself$") == [f"OAuth {TOKEN}", "OAuth bob-token"]


async def test_a_session_changed_under_the_handlers_gets_its_own_list(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    first = await get_issues(app.deps, GetIssuesParams(), CALL)
    assert "TEST-4" not in [issue.key for issue in first.issues]  # alice's
    await app.session.sign_in(BOB)
    again = await get_issues(app.deps, GetIssuesParams(), CALL)
    assert sorted(issue.key for issue in again.issues) == ["OPS-1", "TEST-4"]  # bob's
    assert tokens(fake_tracker, "POST", r"^/v3/issues/_search$") == [
        f"OAuth {TOKEN}",
        "OAuth bob-token",
    ]
