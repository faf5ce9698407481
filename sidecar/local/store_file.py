"""One SQLite file of cached entries: its format, its checks, setting it aside, reads and writes.

Owns: the file format (our application id, a schema version, WAL journal, a busy timeout so two
processes take turns), what makes a file unusable and is set aside (corrupt or truncated, not a
database, not ours, another schema version, locked past the busy timeout at opening), how
(renamed to `<name>.aside`, one generation kept, then rebuilt empty), the entries table with
its size cap and least-recently-used eviction, and owner-only modes (0600).
Blocking: every method runs on the disk cache's worker thread, never on the event loop.
Must not know: what keys and values mean, accounts, asyncio.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from sidecar.local.cache_entry import Entry

T = TypeVar("T")
log = logging.getLogger("sidecar.cache")

SCHEMA_VERSION = 1
APPLICATION_ID = 0x59545343  # "YTSC"
BUSY_TIMEOUT_S = 1.0
ASIDE = ".aside"
SIDE_FILES = ("-wal", "-shm", "-journal")
EVICT_TO = 0.9  # of the cap, so one put over the cap does not evict on every later put

_SET_ASIDE = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_BUSY", "SQLITE_LOCKED"})
_CORRUPT = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    stored_at REAL NOT NULL,
    used_at REAL NOT NULL,
    size INTEGER NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_use ON entries (used_at);
"""


class StoreUnusable(Exception):
    """No store can be kept at this path (a read-only or missing folder, a failed rebuild)."""


class _Unfit(Exception):
    """The file is there but not a store we can use: it is set aside and rebuilt."""


def error_name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def is_corrupt(exc: sqlite3.Error) -> bool:
    return error_name(exc) in _CORRUPT or "malformed" in str(exc)


class StoreFile:
    """An open store; raises StoreUnusable from the constructor when none can be had."""

    def __init__(
        self, path: Path, max_bytes: int, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.path, self.max_bytes, self._clock = path, max_bytes, clock
        self._touched: set[str] = set()
        self._db = self._open_or_rebuild()

    # -- opening ------------------------------------------------------------------------------

    def _open_or_rebuild(self) -> sqlite3.Connection:
        try:
            return self._open()
        except _Unfit as reason:
            self.set_aside(str(reason))
        try:
            return self._open()
        except (_Unfit, sqlite3.Error) as exc:
            raise StoreUnusable(f"{self.path.name} could not be rebuilt: {exc}") from None

    def _open(self) -> sqlite3.Connection:
        for _ in range(3):  # the file may be set aside by another process between two steps
            if not self.path.exists():
                _create_new(self.path)
            try:
                db = _connect(self.path)
            except sqlite3.Error:
                continue
            try:
                _prepare(db)
            except BaseException:
                db.close()
                raise
            _private_side_files(self.path)
            return db
        raise StoreUnusable(f"cannot open {self.path}")

    def set_aside(self, reason: str) -> None:
        """Rename the file (and its WAL) to `<name>.aside`, replacing an older one."""
        aside = f"{self.path.name}{ASIDE}"
        log.warning(
            "cache store %s %s; set aside as %s, rebuilt empty", self.path.name, reason, aside
        )
        for suffix in ("", *SIDE_FILES):
            source = Path(f"{self.path}{suffix}")
            try:
                os.replace(source, Path(f"{self.path}{ASIDE}{suffix}"))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StoreUnusable(f"{self.path.name} could not be set aside: {exc}") from None

    # -- entries ------------------------------------------------------------------------------

    def get(self, key: str) -> Entry | None:
        row = self._guarded(
            lambda: self._db.execute(
                "SELECT value, stored_at, stale FROM entries WHERE key = ?", (key,)
            ).fetchone()
        )
        if row is None:
            return None
        self._touched.add(key)  # its use is written with the next write, never on a read
        return Entry(bytes(row[0]), float(row[1]), bool(row[2]))

    def put(self, key: str, value: bytes, stored_at: float | None = None) -> None:
        self.put_many([(key, value, stored_at)])

    def put_many(self, items: Iterable[tuple[str, bytes, float | None]]) -> None:
        """Store every (key, value, fetched at; None: now) in one transaction."""
        now = self._clock()
        rows = [(k, v, now if at is None else at, now, len(k) + len(v)) for k, v, at in items]
        self._write(
            lambda db: db.executemany(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, 0)", rows
            )
        )
        self._evict()

    def delete(self, keys: Iterable[str] = (), prefixes: Iterable[str] = ()) -> None:
        keys, prefixes = list(keys), list(prefixes)

        def run(db: sqlite3.Connection) -> None:
            db.executemany("DELETE FROM entries WHERE key = ?", [(k,) for k in keys])
            for prefix in prefixes:
                db.execute("DELETE FROM entries WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))

        self._write(run)

    def mark_stale(self, prefix: str) -> None:
        """Entries under `prefix` are kept, but no longer count as fresh."""
        self._write(
            lambda db: db.execute(
                "UPDATE entries SET stale = 1 WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
            )
        )

    def items(self, prefix: str) -> list[tuple[str, bytes]]:
        return list(
            self._guarded(
                lambda: self._db.execute(
                    "SELECT key, value FROM entries WHERE substr(key, 1, ?) = ?",
                    (len(prefix), prefix),
                ).fetchall()
            )
            or []
        )

    def clear(self) -> None:
        self._touched.clear()
        self._write(lambda db: db.execute("DELETE FROM entries"))
        self._vacuum()

    def size(self) -> int:
        total = self._guarded(
            lambda: self._db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()
        )
        return int(total[0]) if total else 0

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._write(lambda db: None)  # the uses noted since the last write
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    # -- internals ----------------------------------------------------------------------------

    def _write(self, change: Callable[[sqlite3.Connection], object]) -> None:
        def run() -> None:
            with immediate(self._db):
                change(self._db)
                self._note_uses(self._db)

        self._guarded(run)

    def _note_uses(self, db: sqlite3.Connection) -> None:
        if self._touched:
            now = self._clock()
            db.executemany(
                "UPDATE entries SET used_at = ? WHERE key = ?", [(now, k) for k in self._touched]
            )
            self._touched.clear()

    def _evict(self) -> None:
        """Least recently used entries go until the store is under its cap again."""
        if self.size() <= self.max_bytes:
            return
        rows = self._guarded(
            lambda: self._db.execute("SELECT key, size FROM entries ORDER BY used_at").fetchall()
        )
        excess, doomed = self.size() - int(self.max_bytes * EVICT_TO), []
        for key, size in rows or []:
            if excess <= 0:
                break
            doomed.append(key)
            excess -= size
        self.delete(doomed)
        self._vacuum()

    def _vacuum(self) -> None:
        self._guarded(lambda: self._db.execute("PRAGMA incremental_vacuum").fetchall())

    def _guarded(self, step: Callable[[], T]) -> T | None:
        """Run one step; a corrupt file is set aside and rebuilt, a busy one skipped."""
        try:
            return step()
        except sqlite3.Error as exc:
            if is_corrupt(exc):
                self._rebuild(str(exc))
            else:
                log.debug("cache store %s: %s", self.path.name, exc)
            return None

    def _rebuild(self, reason: str) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        self.set_aside(f"is unusable ({reason})")
        self._touched.clear()
        try:
            self._db = self._open()
        except _Unfit as exc:
            raise StoreUnusable(f"{self.path.name} could not be rebuilt: {exc}") from None


def _connect(path: Path) -> sqlite3.Connection:
    """The existing file (never a new empty one: that is `_create_new`'s job)."""
    uri = f"{path.absolute().as_uri()}?mode=rw"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)


def _create_new(path: Path) -> None:
    """A new store, built whole under a temporary name and then linked into place, so no other
    process ever opens it half made; if one was linked first, that one is used.

    Owner-only (0600); SQLite gives its WAL and shared-memory files the same mode.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    try:
        os.close(os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600))
        with contextlib.closing(_connect(temporary)) as db:
            _create_schema(db)
        _link_or_keep(temporary, path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreUnusable(f"cannot create {path}: {_reason(exc)}") from None
    finally:
        for suffix in ("", *SIDE_FILES):
            with contextlib.suppress(OSError):
                os.unlink(f"{temporary}{suffix}")


def _link_or_keep(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first
    except OSError:  # a file system without hard links
        if not path.exists():
            os.replace(temporary, path)


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _private_side_files(path: Path) -> None:
    for suffix in SIDE_FILES:
        with contextlib.suppress(OSError):
            os.chmod(f"{path}{suffix}", 0o600)


def _prepare(db: sqlite3.Connection) -> None:
    """Check (or create) the schema, switch to WAL and verify the pages.

    Raises:
        _Unfit: the file is to be set aside (corrupt, not ours, another version, locked).
        StoreUnusable: the folder cannot hold a store (read-only, gone).
    """
    try:
        _check_schema(db)
        db.execute("PRAGMA journal_mode = WAL").fetchone()
        db.execute("PRAGMA synchronous = NORMAL")
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        if error_name(exc) in _SET_ASIDE or is_corrupt(exc):
            raise _Unfit(f"is unusable ({exc})") from None
        raise StoreUnusable(f"cannot use the cache folder: {exc}") from None
    if verdict != "ok":
        raise _Unfit(f"failed its check ({verdict})")


def _check_schema(db: sqlite3.Connection) -> None:
    db.execute("BEGIN")  # one snapshot: another process may be creating the file right now
    try:
        owner = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        empty = not db.execute("SELECT 1 FROM sqlite_master").fetchone()
    finally:
        db.execute("COMMIT")
    if owner == 0 and version == 0 and empty:
        _create_schema(db)
    elif owner != APPLICATION_ID:
        raise _Unfit("is not a ytracker-sidecar cache")
    elif version != SCHEMA_VERSION:
        raise _Unfit(f"has schema version {version}, this sidecar reads {SCHEMA_VERSION}")


def _create_schema(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # only before the first table
    db.execute("PRAGMA journal_mode = WAL")
    with immediate(db):  # another process creating it at once waits, then finds it made
        for statement in filter(str.strip, _SCHEMA.split(";")):
            db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextlib.contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction, taken at once: the one writer at a time, the others wait their turn."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
