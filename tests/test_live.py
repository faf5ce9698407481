"""Opt-in, read-only checks against the real Yandex Tracker through a spawned sidecar.

Run: `YTRACKER_TEST_TOKEN=... YTRACKER_TEST_ORG_ID=... YTRACKER_TEST_ORG_TYPE=yandex360|cloud
.venv/bin/python -m pytest -m live` (optionally YTRACKER_TEST_TOKEN_TYPE=iam for an IAM token,
cloud orgs only). Without a token every test here is skipped. The token reaches the sidecar
through `login_with_token` with `--secrets memory`: it never touches the keyring, and nothing is
written to Tracker (a scroll context the search opens is released, as the app does).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.cached import CATALOGS
from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("YTRACKER_TEST_TOKEN"),
        reason="live tests need YTRACKER_TEST_TOKEN (and YTRACKER_TEST_ORG_ID, _ORG_TYPE)",
    ),
]
spawn = e2e.spawn
cache_dir = e2e.cache_dir
TIMEOUT = 60.0


@pytest.fixture
def live(spawn: SpawnFn) -> Sidecar:
    sidecar = spawn("--secrets", "memory", "--accept-language", "en")
    login = {
        "token": os.environ["YTRACKER_TEST_TOKEN"],
        "tokenType": os.environ.get("YTRACKER_TEST_TOKEN_TYPE", "oauth"),
        "orgId": os.environ.get("YTRACKER_TEST_ORG_ID") or None,
        "orgType": os.environ.get("YTRACKER_TEST_ORG_TYPE", "yandex360"),
    }
    assert sidecar.result("login_with_token", login) is True
    return sidecar


def call(sidecar: Sidecar, method: str, params: Any = None) -> Any:
    response = sidecar.call(method, params, timeout=TIMEOUT)
    assert "result" in response, response.get("error")
    return response["result"]


def search(sidecar: Sidecar, query: str) -> list[dict[str, Any]]:
    page = call(sidecar, "get_issues", {"query": query})
    assert set(page) == {"issues", "next_scroll_id", "total_count", "has_more"}
    if page["next_scroll_id"]:
        call(sidecar, "release_scroll_context", {"scroll_id": page["next_scroll_id"]})
    issues: list[dict[str, Any]] = page["issues"]
    return issues


def test_myself(live: Sidecar) -> None:
    me = call(live, "get_current_user")
    assert set(me) == {"display", "login", "email", "avatar_url"}
    assert me["login"] or me["email"]


def test_the_default_search(live: Sidecar) -> None:
    page = call(live, "get_issues", {})  # the app's "Assignee: me() Resolution: empty()"
    assert isinstance(page["issues"], list)
    for issue in page["issues"]:
        assert issue["key"] and "summary" in issue
    if page["next_scroll_id"]:
        call(live, "release_scroll_context", {"scroll_id": page["next_scroll_id"]})


def test_one_issue(live: Sidecar) -> None:
    queues = call(live, "get_queues")
    for queue in queues[:5]:
        found = search(live, f"Queue: {queue['key']}")
        if found:
            issue = call(live, "get_issue", {"issueKey": found[0]["key"]})
            assert issue["key"] == found[0]["key"] and issue["summary"] == found[0]["summary"]
            return
    pytest.skip("no issue is visible in the first five queues")


@pytest.mark.parametrize("command", CATALOGS)
def test_catalogs(live: Sidecar, command: str) -> None:
    entries = call(live, command)
    assert isinstance(entries, list)
    if command in ("get_statuses", "get_priorities", "get_issue_types"):
        assert entries, f"{command} is never empty in a real organisation"
