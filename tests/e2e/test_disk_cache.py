"""The disk cache end to end: spawned sidecars on the fake Tracker over HTTPS, sharing the test's
cache folder (issue 19).

- A restart within --catalog-ttl-s asks Tracker nothing for the catalogs and the user, nor (inside
  the freshness window) for the recent list; what came from disk is fetched again in the
  background once the first list is answered.
- With the fake stopped (its port closed), every read answers what is stored, each answer
  preceded by `cache/stale`, with one `offline` before and one `online` once it serves again; a
  write fails retryable and leaves the store as it was.
- logout deletes the account's store files; `cache/clear` empties it; `--no-disk-cache` writes
  nothing; an answer that arrives after a sign-in as someone else is never stored.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cached import (
    CATALOG_PATHS,
    CATALOGS,
    DEFAULT,
    ISSUE,
    READS,
    SEARCH,
    account_stores,
    order,
    read_all,
    rows,
    the_store,
    warm,
)
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.signed_in import LOGIN, clear_log, start_signed_in
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, FakeTrackerServer
from tests.hostile.lifecycle import wait_for_request


@pytest.fixture
def own_fake() -> Iterator[FakeTrackerServer]:
    """A fake Tracker of this test alone, so its port can be closed. Ask for it before `spawn`:
    the sidecars are then stopped before it closes, and no connection of theirs outlives it."""
    fake = FakeTrackerServer()
    yield fake
    fake.close()


# -- instant start --------------------------------------------------------------------------


def test_a_restart_asks_nothing_for_catalogs_the_user_or_the_recent_list(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    window = ("--cache-fresh-s", "60")
    first = warm(spawn, fake_tracker, *window)
    again = start_signed_in(spawn, fake_tracker, *window)
    catalogs = [again.result(method, params) for method, params in READS[:8]]
    page = again.result("get_issues", DEFAULT)
    assert fake_tracker.requests == []  # not even `myself` for `me()`
    assert [*catalogs, page] == first[:9]


def test_without_the_disk_cache_a_restart_asks_everything_again(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    warm(spawn, fake_tracker, "--no-disk-cache")
    assert list(cache_dir.iterdir()) == []
    again = start_signed_in(spawn, fake_tracker, "--no-disk-cache")
    for method, params in READS[:9]:
        again.result(method, params)
    assert len(fake_tracker.requests_to("GET", CATALOG_PATHS)) == 8


def test_what_came_from_disk_is_fetched_again_in_the_background_after_the_first_list(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    warm(spawn, fake_tracker)
    renamed = {"en": "Brand new", "ru": "Brand new"}
    fake_tracker.call(lambda s: setattr(s.statuses["open"], "names", renamed))
    again = start_signed_in(spawn, fake_tracker)
    for method, params in READS[:8]:
        again.result(method, params)
    assert fake_tracker.requests == []  # nothing before the first list
    again.result("get_issues", DEFAULT)
    deadline = time.monotonic() + 15
    while len(fake_tracker.requests_to("GET", CATALOG_PATHS)) < 8:
        assert time.monotonic() < deadline, [r.path for r in fake_tracker.requests]
        time.sleep(0.05)
    statuses = again.result("get_statuses")  # the refetched copy, from memory
    assert {"key": "open", "display": "Brand new"} in statuses


def test_an_older_first_page_is_not_answered_from_disk_while_tracker_answers(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    warm(spawn, fake_tracker, "--cache-fresh-s", "0.2")
    time.sleep(0.3)  # past the window
    again = start_signed_in(spawn, fake_tracker, "--cache-fresh-s", "0.2")
    again.result("get_issues", DEFAULT)
    assert len(fake_tracker.requests_to("POST", SEARCH)) == 1


def test_load_more_continues_a_first_page_read_back_from_disk(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    params = {"query": "Queue: TEST", "perScroll": 2}
    first = start_signed_in(spawn, fake_tracker, "--cache-fresh-s", "60")
    first.result("get_current_user")  # who the store belongs to
    page = first.result("get_issues", params)
    following = first.result("get_issues", {"scroll_id": page["next_scroll_id"]})
    assert first.stop() == 0
    clear_log(fake_tracker)
    again = start_signed_in(spawn, fake_tracker, "--cache-fresh-s", "60")
    from_disk = again.result("get_issues", params)
    assert from_disk["issues"] == page["issues"] and fake_tracker.requests == []
    continued = again.result("get_issues", {"scroll_id": from_disk["next_scroll_id"]})
    assert without_cursor(continued) == without_cursor(following)
    assert len(fake_tracker.requests_to("POST", SEARCH)) == 1  # the search re-opened in page mode


def without_cursor(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "next_scroll_id": page["next_scroll_id"] is not None}


def test_a_warm_start_up_burst_asks_only_for_the_list_and_the_today_total(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    """`docs/frontend-contract.md` §3 on a warm store: the search and the work-log search; the
    background refetch of what came from disk may follow, never before the list."""
    warm(spawn, fake_tracker)
    again = start_signed_in(spawn, fake_tracker, "--cache-fresh-s", "0")  # a later start
    first = [again.request(m) for m in ("get_timer_state", "get_config", "has_session")]
    issues = again.request("get_issues", DEFAULT)
    rest = [again.request(name) for name in CATALOGS[2:]]
    page = again.response(issues)["result"]
    keys = [issue["key"] for issue in page["issues"]]
    total = again.request("get_today_logged_seconds_for_issues", {"issueKeys": keys})
    for request_id in [*first, *rest, total]:
        assert "result" in again.response(request_id)
    paths = [r.path for r in fake_tracker.requests]
    assert paths[0] == "/v3/issues/_search"
    assert [p for p in paths if "_search" in p] == ["/v3/issues/_search", "/v3/worklog/_search"]
    assert len(fake_tracker.requests_to("GET", CATALOG_PATHS)) == len(paths) - 2  # refetches


# -- offline reading ------------------------------------------------------------------------


def test_with_tracker_stopped_every_read_answers_from_the_store_with_cache_stale(
    own_fake: FakeTrackerServer, spawn: SpawnFn
) -> None:
    answers = warm(spawn, own_fake)
    own_fake.stop_listening()
    # Nothing is fresh enough to be answered without asking Tracker, so every answer is stale.
    offline = start_signed_in(spawn, own_fake, "--catalog-ttl-s", "0", "--cache-fresh-s", "0")
    ids = [offline.request(method, params) for method, params in READS]
    assert [offline.response(rid)["result"] for rid in ids] == answers
    written = order(offline)
    notes = [m for m in written if m.get("method") in ("cache/stale", "offline", "online")]
    assert [m["method"] for m in notes] == ["offline"] + ["cache/stale"] * len(READS)
    stale = {note["params"]["id"]: (written.index(note), note["params"]) for note in notes[1:]}
    for (method, params), rid in zip(READS, ids, strict=True):
        at, notice = stale[rid]
        shown = {k: v for k, v in (params or {}).items() if v is not None}
        assert (notice["method"], notice["params"]) == (method, shown)
        assert isinstance(notice["ageMs"], int) and notice["ageMs"] >= 0
        assert at < next(i for i, m in enumerate(written) if m.get("id") == rid)  # notice first
    own_fake.listen_again()
    assert offline.result("get_issue", ISSUE) == answers[READS.index(("get_issue", ISSUE))]
    assert offline.notification("online")["params"] == {}


def test_once_offline_a_read_with_something_stored_tries_tracker_once(
    own_fake: FakeTrackerServer, spawn: SpawnFn
) -> None:
    """The retries' waits (about 1.75 s in all) would only delay the stored answer."""
    answers = warm(spawn, own_fake)
    own_fake.stop_listening()
    flags = ("--catalog-ttl-s", "0", "--cache-fresh-s", "0", "--log-level", "debug")
    offline = start_signed_in(spawn, own_fake, *flags)
    offline.result("get_issue", ISSUE)  # tried four times: this is how `offline` is learnt
    assert offline.notification("offline")
    seen = len(offline.stderr)
    ids = [offline.request(method, params) for method, params in READS]
    assert [offline.response(rid)["result"] for rid in ids] == answers
    attempts = re.findall(r"\(attempt (\d+)\)", offline.stderr[seen:])
    assert attempts and set(attempts) == {"1"}
    # Answers from memory made no Tracker call: no `online` while it is still unreachable.
    assert [n["method"] for n in offline.notifications if n["method"] == "online"] == []


def test_with_nothing_stored_an_offline_read_fails_as_before(
    own_fake: FakeTrackerServer, spawn: SpawnFn
) -> None:
    sidecar = start_signed_in(spawn, own_fake)
    own_fake.stop_listening()
    error = sidecar.error("get_issue", ISSUE)
    assert (error["data"]["kind"], error["data"]["retryable"]) == ("network", True)
    assert sidecar.notification("offline")
    assert not [n for n in sidecar.notifications if n["method"] == "cache/stale"]


def test_a_write_while_offline_fails_retryable_and_leaves_the_store_unchanged(
    own_fake: FakeTrackerServer, spawn: SpawnFn, cache_dir: Path
) -> None:
    warm(spawn, own_fake)
    own_fake.stop_listening()
    sidecar = start_signed_in(spawn, own_fake)
    before = the_store(cache_dir)
    update = {"issueKey": "TEST-1", "summary": "Offline edit"}
    for method, params in [("update_issue", update), ("add_comment", {**ISSUE, "text": "hi"})]:
        error = sidecar.error(method, params)
        assert (error["data"]["kind"], error["data"]["retryable"]) == ("network", True)
    assert sidecar.stop() == 0
    assert the_store(cache_dir) == before


def test_a_write_drops_what_it_changes_and_ends_the_lists_freshness_on_disk(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    warm(spawn, fake_tracker)
    sidecar = start_signed_in(spawn, fake_tracker)
    assert sidecar.result("add_comment", {**ISSUE, "text": "Seen"}) is None
    assert sidecar.stop() == 0
    after = the_store(cache_dir)
    assert "comments:TEST-1" not in after and "issue:TEST-1" in after
    assert {key: stale for key, (_, _, stale) in after.items() if key.startswith("list:")} == {
        key: 1 for key in after if key.startswith("list:")
    }
    assert any(key.startswith("list:") for key in after)


def test_a_write_whose_token_was_refreshed_on_the_way_still_invalidates_the_store(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    """The write gets a 401, the session is refreshed (a new session generation) and the write
    is sent again: what it changed is still dropped from the account's store."""
    env = {"YTRACKER_CLIENT_ID": CLIENT_ID, "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}
    sidecar = spawn(*fake_args(fake_tracker), env=env)
    code = {"code": fake_tracker.issue_auth_code(), "orgId": ORG_ID}
    assert sidecar.result("exchange_code", code) is True
    assert sidecar.result("get_current_user")["login"] == "alice"
    assert sidecar.result("get_issue", ISSUE)["key"] == "TEST-1"
    fake_tracker.call(lambda s: [s.expire_token(t) for t, v in s.tokens.items() if v.client_id])
    assert sidecar.result("update_issue", {**ISSUE, "summary": "After a refresh"}) is None
    assert [r.path for r in fake_tracker.requests_to("POST", "/oauth/token")]  # refreshed
    assert sidecar.stop() == 0
    assert "issue:TEST-1" not in the_store(cache_dir)


# -- the account's store --------------------------------------------------------------------


def test_logout_deletes_the_accounts_store_files(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    read_all(sidecar, READS[:9])
    assert account_stores(cache_dir)
    assert sidecar.result("logout") is None
    assert [p.name for p in cache_dir.iterdir() if "account" in p.name] == []
    assert rows(cache_dir / "index.sqlite3") == {}


def test_cache_clear_empties_the_store_and_the_memory(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    read_all(sidecar, READS[:9])
    assert sidecar.result("cache/clear") is None
    clear_log(fake_tracker)
    assert sidecar.result("get_current_user")["login"] == "alice"
    assert sidecar.result("get_statuses")
    assert [r.path for r in fake_tracker.requests] == ["/v3/myself", "/v3/statuses"]
    assert sidecar.stop() == 0
    assert set(the_store(cache_dir)) == {"user", "catalog::statuses"}


def test_an_answer_that_arrives_after_a_sign_in_as_someone_else_is_not_stored(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    fake_tracker.faults.add("GET", r"^/v3/issues/TEST-1$", delay_s=2.0)
    held = sidecar.request("get_issue", ISSUE)
    wait_for_request(fake_tracker, "GET", r"^/v3/issues/TEST-1$")
    assert sidecar.result("logout") is None
    assert sidecar.result("login_with_token", {**LOGIN, "token": "bob-token"}) is True
    assert sidecar.result("get_current_user")["login"] == "bob"  # bob's store is known
    assert sidecar.response(held)["result"]["key"] == "TEST-1"  # alice's, to her request
    assert sidecar.result("get_issue", {"issueKey": "TEST-4"})["key"] == "TEST-4"
    assert sidecar.stop() == 0
    assert set(the_store(cache_dir)) == {"user", "issue:TEST-4"}


def test_the_folder_and_the_files_are_the_users_alone(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    if os.name != "posix":
        pytest.skip("modes are POSIX")
    cache_dir.chmod(0o755)  # a folder that was there, open to all: narrowed
    warm(spawn, fake_tracker)
    folder = cache_dir
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}
