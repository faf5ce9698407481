"""A damaged, foreign, locked, unwritable or shared disk cache never costs a working sidecar.

Each case warms a store through one spawned sidecar, damages it, and starts another: every read
is still answered (from Tracker), the damage is reported on stderr, a damaged store is set aside
(`<name>.aside`) and rebuilt, so a third start is warm again. Two sidecars writing one store at
once leave it whole (SQLite's own integrity check).
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.e2e.cached import READS, account_stores, read_all, warm
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import LOGIN, clear_log, start_signed_in
from tests.fakes.tracker import FakeTrackerServer

LOCAL = READS[:9]  # the user, the catalogs, the list: all answered from a warm store
ISSUES = ("TEST-1", "TEST-2", "TEST-3", "TEST-4", "TEST-5", "TEST-6", "OPS-1", "OPS-2")


def store_path(cache_dir: Path) -> Path:
    [path] = account_stores(cache_dir)
    return path


def answers_as_before(sidecar: Sidecar, expected: list[object]) -> None:
    assert read_all(sidecar, LOCAL) == expected[: len(LOCAL)]


def warm_again(spawn: SpawnFn, fake: FakeTrackerServer) -> None:
    """A start after the rebuild answers the user and the catalogs from disk again."""
    clear_log(fake)
    sidecar = start_signed_in(spawn, fake)
    read_all(sidecar, LOCAL[:8])
    assert fake.requests == [], [r.path for r in fake.requests]


def cut_points(size: int) -> list[int]:
    pick = random.Random(19)  # reproducible "random bytes": one inside the header, two in pages
    return [pick.randrange(1, 100), *sorted(pick.sample(range(100, size), 2))]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["in the header", "in the pages", "later"])
def test_a_store_truncated_at_a_random_byte_is_set_aside_and_rebuilt(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path, which: int
) -> None:
    expected = warm(spawn, fake_tracker)
    path = store_path(cache_dir)
    with path.open("r+b") as file:
        file.truncate(cut_points(path.stat().st_size)[which])
    sidecar = start_signed_in(spawn, fake_tracker)
    answers_as_before(sidecar, expected)
    assert sidecar.stop() == 0
    assert "set aside as" in sidecar.stderr
    assert Path(f"{path}.aside").exists()
    warm_again(spawn, fake_tracker)


def test_a_store_of_a_newer_schema_is_set_aside_and_rebuilt(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    expected = warm(spawn, fake_tracker)
    with closing(sqlite3.connect(store_path(cache_dir))) as db:
        db.execute("PRAGMA user_version = 2")
    sidecar = start_signed_in(spawn, fake_tracker)
    answers_as_before(sidecar, expected)
    assert sidecar.stop() == 0
    assert "has schema version 2, this sidecar reads 1" in sidecar.stderr
    warm_again(spawn, fake_tracker)


def test_a_file_that_is_not_a_store_is_set_aside_and_rebuilt(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    expected = warm(spawn, fake_tracker)
    store_path(cache_dir).write_bytes(b"not a database, just a file in the way\n" * 100)
    sidecar = start_signed_in(spawn, fake_tracker)
    answers_as_before(sidecar, expected)
    assert sidecar.stop() == 0
    assert "set aside as" in sidecar.stderr
    warm_again(spawn, fake_tracker)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another process's exclusive lock on the store, held until the block ends."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA locking_mode = EXCLUSIVE")
        db.execute("BEGIN EXCLUSIVE")
        db.execute("COMMIT")  # the lock stays: exclusive locking mode keeps it
        yield
    finally:
        db.close()


def test_a_store_locked_by_another_process_is_set_aside_and_rebuilt(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    expected = warm(spawn, fake_tracker)
    with locked(store_path(cache_dir)):
        sidecar = start_signed_in(spawn, fake_tracker)
        answers_as_before(sidecar, expected)
        assert sidecar.stop() == 0
    assert "database is locked" in sidecar.stderr and "set aside as" in sidecar.stderr
    warm_again(spawn, fake_tracker)


def test_a_read_only_cache_folder_means_no_disk_cache_and_a_warning(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    if os.name != "posix" or os.geteuid() == 0:
        pytest.skip("needs POSIX modes that bind (not root)")
    expected = warm(spawn, fake_tracker)
    folder = cache_dir
    before = sorted(p.name for p in folder.iterdir())
    folder.chmod(0o500)
    try:
        sidecar = start_signed_in(spawn, fake_tracker)
        answers_as_before(sidecar, expected)
        assert sidecar.stop() == 0
    finally:
        folder.chmod(0o700)
    assert "running without the disk cache" in sidecar.stderr
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_cache_folder_that_cannot_be_made_means_no_disk_cache_and_a_warning(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    """Works as root too: the folder's parent is a file."""
    (tmp_path / "file").write_text("in the way")
    args = fake_args(fake_tracker, "--cache-dir", str(tmp_path / "file" / "cache"))
    sidecar = spawn(*args)
    assert sidecar.result("login_with_token", LOGIN) is True
    assert len(read_all(sidecar)) == len(READS)
    assert sidecar.stop() == 0
    assert sidecar.stderr.count("running without the disk cache") == 1


def test_two_sidecars_writing_one_store_at_once_leave_it_whole(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, cache_dir: Path
) -> None:
    window = ("--cache-fresh-s", "0")
    pair = [start_signed_in(spawn, fake_tracker, *window) for _ in range(2)]
    for sidecar in pair:
        sidecar.result("get_current_user")  # each knows the store
    reads = [
        (method, {"issueKey": key})
        for key in ISSUES
        for method in ("get_issue", "get_comments", "get_transitions", "get_checklist")
    ]
    sent = [[sidecar.request(m, p) for m, p in [*reads, *READS[1:9]]] for sidecar in pair]
    for sidecar, ids in zip(pair, sent, strict=True):
        for request_id in ids:
            assert "result" in sidecar.response(request_id)
    for sidecar in pair:
        assert sidecar.stop() == 0
        assert "set aside" not in sidecar.stderr and "disk cache" not in sidecar.stderr
    with closing(sqlite3.connect(store_path(cache_dir))) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        kept = {key for (key,) in db.execute("SELECT key FROM entries")}
    assert {f"issue:{key}" for key in ISSUES} <= kept
    warm_again(spawn, fake_tracker)
