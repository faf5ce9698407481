"""The disk cache's parts on real SQLite files: the store file (entries, staleness, the size cap
with least-recently-used eviction, files it sets aside), the worker thread, the folder and its
index, and `Kept`'s rule that only a read of the current session, with no write since, is
stored.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from sidecar.handlers.kept import Kept, Stored
from sidecar.local.disk_cache import (
    DiskCache,
    Known,
    account_name,
    store_file_name,
    token_fingerprint,
)
from sidecar.local.store_file import StoreFile
from sidecar.local.worker import Worker, WorkerTimeout
from sidecar.session.manager import SessionManager
from sidecar.session.stores import MemoryStore, StoredSession


class Clock:
    now = 1_000.0

    def __call__(self) -> float:
        return self.now


# -- the store file -------------------------------------------------------------------------


def test_entries_keep_their_time_and_go_stale_or_away_by_key_or_prefix(tmp_path: Path) -> None:
    clock = Clock()
    store = StoreFile(tmp_path / "s.sqlite3", 1 << 20, clock=clock)
    for key in ("list:a", "list:b", "issue:T-1", "comments:T-1"):
        store.put(key, key.encode())
    clock.now += 5
    store.mark_stale("list:")
    store.delete(["issue:T-1"], ["comments:"])
    got = {key: store.get(key) for key in ("list:a", "list:b", "issue:T-1", "comments:T-1")}
    assert {k: (e.value, e.stored_at, e.stale) for k, e in got.items() if e} == {
        "list:a": (b"list:a", 1_000.0, True),
        "list:b": (b"list:b", 1_000.0, True),
    }
    store.put("list:a", b"again")
    again = store.get("list:a")
    assert again is not None and (again.stored_at, again.stale) == (1_005.0, False)
    store.close()


def test_past_its_cap_the_least_recently_used_entries_go(tmp_path: Path) -> None:
    clock = Clock()
    store = StoreFile(tmp_path / "s.sqlite3", 10_000, clock=clock)
    for n in range(8):
        clock.now += 1
        store.put(f"k{n}", bytes(1_000))
    clock.now += 1
    assert store.get("k0") is not None  # read: now the most recently used
    for n in range(8, 12):
        clock.now += 1
        store.put(f"k{n}", bytes(1_000))
    kept = {f"k{n}" for n in range(12) if store.get(f"k{n}") is not None}
    assert store.size() <= 10_000
    assert "k0" in kept and "k11" in kept and "k1" not in kept
    store.close()


def make_store(path: Path) -> None:
    store = StoreFile(path, 1 << 20)
    store.put("user", b"alice")
    store.close()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("PRAGMA user_version = 7", "has schema version 7, this sidecar reads 1"),
        ("PRAGMA application_id = 42", "is not a ytracker-sidecar cache"),
    ],
)
def test_another_version_or_owner_is_set_aside_and_rebuilt_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str, reason: str
) -> None:
    path = tmp_path / "s.sqlite3"
    make_store(path)
    with closing(sqlite3.connect(path)) as db:
        db.execute(damage)
    with caplog.at_level(logging.WARNING, "sidecar.cache"):
        store = StoreFile(path, 1 << 20)
    assert store.get("user") is None
    store.put("user", b"bob")
    assert reason in caplog.text and "set aside as s.sqlite3.aside" in caplog.text
    with closing(sqlite3.connect(f"{path}.aside")) as aside:
        assert aside.execute("SELECT value FROM entries").fetchall() == [(b"alice",)]
    store.close()


def test_a_file_corrupted_under_an_open_store_is_set_aside_at_the_next_use(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.sqlite3"
    store = StoreFile(path, 1 << 30)
    for n in range(60):  # 6 MB: more than SQLite's page cache, so reads go to the file
        store.put(f"k{n}", bytes(100_000))
    store.close()
    store = StoreFile(path, 1 << 30)
    with path.open("r+b") as file:  # another hand scribbles over the pages
        file.seek(path.stat().st_size // 2)
        file.write(b"\xff" * 1_000_000)
    with caplog.at_level(logging.WARNING, "sidecar.cache"):
        found = [store.get(f"k{n}") for n in range(60)]
        store.put("after", b"works")
    assert "set aside" in caplog.text
    assert store.get("after") is not None and None in found
    store.close()


def test_stores_opened_at_the_same_moment_by_many_hands_are_one_new_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two sidecars started together on an empty folder: neither sets the other's new store
    aside nor gives up on it (SQLite connections in threads lock as processes do)."""
    failures: list[BaseException] = []

    def open_and_put(path: Path, n: int) -> None:
        try:
            store = StoreFile(path, 1 << 20)
            store.put(f"k{n}", b"v")
            store.close()
        except BaseException as exc:
            failures.append(exc)

    with caplog.at_level(logging.WARNING, "sidecar.cache"):
        for round_ in range(40):
            path = tmp_path / f"s{round_}.sqlite3"
            hands = [threading.Thread(target=open_and_put, args=(path, n)) for n in range(4)]
            for hand in hands:
                hand.start()
            for hand in hands:
                hand.join()
            with closing(sqlite3.connect(path)) as db:
                assert db.execute("SELECT count(*) FROM entries").fetchone() == (4,)
    assert failures == [] and "set aside" not in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir() if ".new" in p.name) == []


# -- the worker -----------------------------------------------------------------------------


async def test_a_slow_job_times_out_its_waiter_and_the_next_jobs_still_run_in_order() -> None:
    worker, release, done = Worker("test"), threading.Event(), []
    with pytest.raises(WorkerTimeout):
        await worker.run(lambda: release.wait(5), timeout_s=0.05)
    worker.post(lambda: done.append("posted"))
    release.set()
    assert await worker.run(lambda: [*done, "waited"], timeout_s=5) == ["posted", "waited"]
    worker.stop()


async def test_a_failing_job_raises_to_its_waiter_and_the_thread_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Worker("test")

    def boom() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await worker.run(boom, timeout_s=5)
    with caplog.at_level(logging.WARNING, "sidecar.cache"):
        worker.post(boom)
        assert await worker.run(lambda: 1, timeout_s=5) == 1
    assert "disk cache job failed: no" in caplog.text
    worker.stop()


# -- the folder -----------------------------------------------------------------------------


def test_names_are_hashes_that_carry_no_id_login_or_token() -> None:
    account = account_name("yandex360", "12345", "Alice")
    assert account == account_name("yandex360", "12345", "alice")  # logins ignore case
    assert account != account_name("cloud", "12345", "alice")
    print_ = token_fingerprint("yandex360", "12345", "y0_secret-token")
    assert print_ != token_fingerprint("yandex360", "12346", "y0_secret-token")
    for text in (account, print_, store_file_name(account)):
        assert "12345" not in text and "alice" not in text and "secret" not in text


async def test_the_index_finds_the_account_of_a_token_and_forget_removes_both(
    tmp_path: Path,
) -> None:
    cache = DiskCache(tmp_path / "cache", 1 << 20)
    cache.remember("fp1", Known("acc", "alice"))
    cache.remember("fp2", Known("acc", "alice"))
    cache.remember("fp3", Known("other", "bob"))
    cache.put("acc", "user", b"alice")
    assert await cache.lookup("fp1") == Known("acc", "alice")
    await cache.forget("acc")
    assert (await cache.lookup("fp1"), await cache.lookup("fp2")) == (None, None)
    assert await cache.lookup("fp3") == Known("other", "bob")
    assert not (tmp_path / "cache" / store_file_name("acc")).exists()
    await cache.close()


async def test_puts_are_held_briefly_written_together_and_seen_by_reads_at_once(
    tmp_path: Path,
) -> None:
    cache = DiskCache(tmp_path / "cache", 1 << 20)
    for key, value in [("a", b"1"), ("a", b"2"), ("b", b"3")]:
        cache.put("acc", key, value)
    held = await cache.get("acc", "a")
    assert held is not None and held.value == b"2"
    assert not (tmp_path / "cache").exists()  # nothing written yet
    cache.delete("acc", ["b"])  # ordered after the puts it follows
    assert await cache.get("acc", "b") is None
    await cache.close()
    with closing(sqlite3.connect(tmp_path / "cache" / store_file_name("acc"))) as db:
        assert db.execute("SELECT key, value FROM entries").fetchall() == [("a", b"2")]


async def test_stores_a_killed_process_left_half_made_are_swept_away(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    old, young = folder / ".index.sqlite3.1.2.new", folder / ".index.sqlite3.3.4.new"
    for path in (old, young, Path(f"{old}-wal")):
        path.write_bytes(b"half")
    os.utime(old, (time.time() - 120, time.time() - 120))
    os.utime(f"{old}-wal", (time.time() - 120, time.time() - 120))
    cache = DiskCache(folder, 1 << 20)
    assert await cache.lookup("fp") is None
    assert sorted(p.name for p in folder.glob(".*")) == [young.name]  # still being made
    await cache.close()


async def test_a_folder_that_cannot_be_made_turns_the_disk_cache_off_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "file").write_text("in the way")
    cache = DiskCache(tmp_path / "file" / "cache", 1 << 20)
    with caplog.at_level(logging.WARNING, "sidecar.cache"):
        assert await cache.lookup("fp") is None
        cache.put("acc", "k", b"v")
        assert await cache.get("acc", "k") is None
    assert not cache.usable
    assert caplog.text.count("running without the disk cache") == 1
    await cache.close()


# -- what Kept stores -----------------------------------------------------------------------

SESSION = StoredSession(token="t-alice", org_id="12345")
USER = Stored("get_current_user", None, "user", str)


async def kept_on(tmp_path: Path) -> tuple[Kept, SessionManager, list[Any]]:
    notes: list[Any] = []
    session = SessionManager(MemoryStore(SESSION))
    disk = DiskCache(tmp_path / "cache", 1 << 20)
    kept = Kept(
        disk, session, lambda method, params: notes.append((method, params)), answers=lambda: 0
    )
    await kept.learned("alice", kept.mark())
    return kept, session, notes


async def stored_value(kept: Kept) -> Any:
    hit = await kept.stored(USER)
    return None if hit is None else hit.value


async def test_only_a_read_of_the_current_session_with_no_write_since_is_stored(
    tmp_path: Path,
) -> None:
    kept, session, _ = await kept_on(tmp_path)
    before_write = kept.mark()
    kept.changed(await kept.account())
    kept.store(USER, "from before the write", before_write)
    assert await stored_value(kept) is None
    before_sign_in = kept.mark()
    await session.sign_in(SESSION)  # the same account again: a new session all the same
    kept.store(USER, "from the previous session", before_sign_in)
    assert await stored_value(kept) is None
    now = kept.mark()
    kept.store(USER, "current", now)
    assert await stored_value(kept) == "current"
    assert kept.disk is not None
    await kept.disk.close()


async def test_a_new_token_of_the_same_account_finds_its_store_once_it_is_learnt(
    tmp_path: Path,
) -> None:
    kept, session, _ = await kept_on(tmp_path)
    kept.store(USER, "alice's", kept.mark())
    await session.sign_in(StoredSession(token="t-refreshed", org_id="12345"))
    assert await kept.login() is None and await stored_value(kept) is None
    await kept.learned("alice", kept.mark())
    assert await kept.login() == "alice" and await stored_value(kept) == "alice's"
    assert kept.disk is not None
    await kept.disk.close()


async def test_reachability_is_told_once_per_change() -> None:
    from sidecar.tracker.errors import NetworkError, NotFound

    notes: list[Any] = []
    answers = [0]
    session = SessionManager(MemoryStore())
    kept = Kept(None, session, lambda m, p: notes.append(m), answers=lambda: answers[0])
    for failure in [NetworkError("refused", sent=False)] * 2 + [NotFound("gone", status=404)]:
        with pytest.raises(type(failure)), kept.watching():
            raise failure
    assert notes == ["offline", "online"]
    with pytest.raises(NetworkError), kept.watching():
        raise NetworkError("refused", sent=False)
    with kept.watching():
        pass  # answered from memory: no Tracker call, no evidence either way
    assert notes == ["offline", "online", "offline"]
    with kept.watching():
        answers[0] += 1  # a Tracker answer arrived
    with pytest.raises(NetworkError), kept.watching():
        raise NetworkError("reset", sent=True)  # reached, then cut: says nothing either way
    assert notes == ["offline", "online", "offline", "online"]
    await asyncio.sleep(0)
