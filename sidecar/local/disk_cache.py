"""The disk cache folder: one store per account, and an index of which token is whose.

Owns: the folder (0700), the file names (`account-<hash>.sqlite3`, the hash of the account's
(org type, org id, login) triple, so no name or id is readable from it; `index.sqlite3`), the
token fingerprint (a one-way hash of the token with its organization: the index maps it to the
account, so a start finds the right store without asking Tracker who the user is), the one
worker thread every SQLite call runs on, the time limit on waiting for it (a read that does not
come back in time is a miss; writes are posted and never waited for), the write-behind of puts
(held on the event loop for FLUSH_DELAY_S and written in one transaction, the latest value per
key, so a stream of reads costs a stream of commits nowhere; a read meanwhile sees them, and any
other change is ordered after them), and running without a disk store, with one warning, when
the folder cannot hold one (read-only, not a folder).
Must not know: sessions, Tracker, what the values are (`handlers/kept.py` decides).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import msgspec

from sidecar.local.cache_entry import Entry
from sidecar.local.leftovers import sweep
from sidecar.local.worker import Worker, WorkerTimeout

if TYPE_CHECKING:  # sqlite3 loads on the worker thread with the first store, never before `ready`
    from sidecar.local.store_file import StoreFile

T = TypeVar("T")
log = logging.getLogger("sidecar.cache")

READ_TIMEOUT_S = 1.0
CLOSE_TIMEOUT_S = 0.3  # the whole stop must stay inside 2 s
INDEX = "index.sqlite3"
INDEX_MAX_BYTES = 256 * 1024
STORE_SUFFIXES = ("", "-wal", "-shm", "-journal")
LEFTOVER_AGE_S = 60.0  # a store still being made is younger than this
# What `store_file._create_new` builds a store under, with its journal files; a killed process
# leaves them half made.
HALF_MADE = re.compile(r"^\.[\w.-]+\.sqlite3\.\d+\.\d+\.new(-wal|-shm|-journal)?$")
FLUSH_DELAY_S = 0.5


class Known(msgspec.Struct, frozen=True):
    """What the index keeps for a token fingerprint."""

    account: str
    login: str


class _Off(Exception):
    """The disk cache is not in use (the folder cannot hold a store)."""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(("ytracker-sidecar", *parts)).encode()).hexdigest()


def account_name(org_type: str, org_id: str | None, login: str) -> str:
    """The store's name for an account: a hash, so the file names carry no id or login."""
    return _digest("account", org_type, org_id or "", login.casefold())[:32]


def token_fingerprint(org_type: str, org_id: str | None, token: str) -> str:
    """A one-way hash naming a token in the index (the token itself is never written)."""
    return _digest("token", org_type, org_id or "", token)


def store_file_name(account: str) -> str:
    return f"account-{account}.sqlite3"


class DiskCache:
    """Every store in one folder, behind one worker thread."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.usable = True  # False once the folder turned out unable to hold a store
        self._worker = Worker("disk-cache")
        self._files: dict[str, StoreFile] = {}  # touched on the worker thread only
        self._pending: dict[str, dict[str, Entry]] = {}  # account → key → entry, on the loop
        self._flush_timer: asyncio.TimerHandle | None = None

    def preload(self) -> None:
        """Load sqlite3 and open the index now, on the worker thread, so the first read finds
        them ready (~15 ms off the first answer)."""
        self._post(lambda: self._file(INDEX))

    # -- the index ----------------------------------------------------------------------------

    async def lookup(self, fingerprint: str) -> Known | None:
        entry = await self._read(lambda: self._file(INDEX).get(fingerprint))
        if entry is None:
            return None
        try:
            return msgspec.json.decode(entry.value, type=Known)
        except msgspec.DecodeError:
            return None

    def remember(self, fingerprint: str, known: Known) -> None:
        value = msgspec.json.encode(known)
        self._post(lambda: self._file(INDEX).put(fingerprint, value))

    # -- an account's entries -----------------------------------------------------------------

    async def get(self, account: str, key: str) -> Entry | None:
        held = self._pending.get(account, {}).get(key)
        if held is not None:
            return held
        return await self._read(lambda: self._store(account).get(key))

    def put(self, account: str, key: str, value: bytes) -> None:
        """Store `value` (written with the next flush, at most FLUSH_DELAY_S from now)."""
        if not self.usable:
            return
        self._pending.setdefault(account, {})[key] = Entry(value, time.time(), False)
        if self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(FLUSH_DELAY_S, self.flush)

    def flush(self) -> None:
        """Post every held put, one transaction per store."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        pending, self._pending = self._pending, {}
        for account, entries in pending.items():
            rows = [(key, entry.value, entry.stored_at) for key, entry in entries.items()]
            self._post(functools.partial(self._put_many, account, rows))

    def delete(self, account: str, keys: Iterable[str], prefixes: Iterable[str] = ()) -> None:
        keys, prefixes = list(keys), list(prefixes)
        self.flush()  # a put made before the delete must not outlive it
        self._post(lambda: self._store(account).delete(keys, prefixes))

    def mark_stale(self, account: str, prefix: str) -> None:
        self.flush()
        self._post(lambda: self._store(account).mark_stale(prefix))

    async def clear(self, account: str) -> None:
        self._pending.pop(account, None)
        await self._read(lambda: self._store(account).clear())

    async def forget(self, account: str) -> None:
        """Delete the account's store files and every index entry that leads to it."""
        self._pending.pop(account, None)
        await self._read(lambda: self._forget(account))

    async def close(self) -> None:
        """Write what is pending and close every file, waiting a bounded time."""
        self.flush()
        await self._read(self._close_all, timeout_s=CLOSE_TIMEOUT_S)
        self._worker.stop()

    # -- on the worker thread -----------------------------------------------------------------

    def _put_many(self, account: str, rows: list[tuple[str, bytes, float]]) -> None:
        self._store(account).put_many(rows)

    def _store(self, account: str) -> StoreFile:
        return self._file(store_file_name(account))

    def _file(self, name: str) -> StoreFile:
        found = self._files.get(name)
        if found is None:
            found = self._files[name] = self._open(name)
        return found

    def _open(self, name: str) -> StoreFile:
        from sidecar.local.store_file import StoreFile

        cap = INDEX_MAX_BYTES if name == INDEX else self.max_bytes
        if not self._files:  # the first file of this process
            _private_folder(self.folder)
            sweep(self.folder, HALF_MADE, LEFTOVER_AGE_S, time.time())
        return StoreFile(self.folder / name, cap)

    def _guarded(self, job: Callable[[], T]) -> T:
        """Run a job; a folder that cannot hold a store turns the disk cache off for good."""
        from sidecar.local.store_file import StoreUnusable

        if not self.usable:
            raise _Off
        try:
            return job()
        except StoreUnusable as exc:
            self.usable = False
            log.warning("running without the disk cache: %s", exc)
            raise _Off from None

    def _forget(self, account: str) -> None:
        name = store_file_name(account)
        store = self._files.pop(name, None)
        if store is not None:
            store.close()
        for path in _store_paths(self.folder / name):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("cache file %s could not be deleted: %s", path.name, exc)
        self._forget_index(account)

    def _forget_index(self, account: str) -> None:
        index = self._file(INDEX)
        doomed = []
        for fingerprint, value in index.items(""):
            try:
                if msgspec.json.decode(value, type=Known).account == account:
                    doomed.append(fingerprint)
            except msgspec.DecodeError:
                doomed.append(fingerprint)
        index.delete(doomed)

    def _close_all(self) -> None:
        for store in self._files.values():
            store.close()
        self._files.clear()

    # -- waiting ------------------------------------------------------------------------------

    async def _read(self, job: Callable[[], T], timeout_s: float = READ_TIMEOUT_S) -> T | None:
        if not self.usable:
            return None
        try:
            return await self._worker.run(lambda: self._guarded(job), timeout_s=timeout_s)
        except _Off:
            return None
        except WorkerTimeout as exc:
            log.debug("%s; answered without it", exc)
        except Exception as exc:  # the disk never fails a request
            log.warning("disk cache: %s", exc, exc_info=exc)
        return None

    def _post(self, job: Callable[[], object]) -> None:
        if self.usable:
            self._worker.post(lambda: self._quietly(job))

    def _quietly(self, job: Callable[[], object]) -> None:
        try:
            self._guarded(job)
        except _Off:
            pass


def _private_folder(folder: Path) -> None:
    """The folder, created owner-only (0700); an existing one of ours is narrowed to 0700."""
    from sidecar.local.store_file import StoreUnusable

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnusable(f"cannot create {folder}: {exc.strerror or exc}") from None
    if os.name == "posix" and folder.stat().st_mode & 0o077:
        try:
            folder.chmod(0o700)
        except OSError as exc:
            log.debug("cache folder %s keeps its mode: %s", folder, exc)


def _store_paths(path: Path) -> list[Path]:
    """A store's files: itself, its journal files, and a set-aside copy with its own."""
    return [Path(f"{path}{aside}{suffix}") for aside in ("", ".aside") for suffix in STORE_SUFFIXES]
