"""`--secrets keyring`, the default: the OS secret store, or memory when this machine has none.

Owns: the one decision per process between the OS store and memory, made by the store's own
probe the first time any store call runs (the app asks at start, so it is made then), and the
warning that says so and names the flags that keep a session without an OS store.
Must not know: which OS store it is (`keyring_store.py`) or who reads the warning.

Memory, not an error, when there is no OS store at all (headless Linux, WSL, a desktop without
a keyring): signing in then works for this run instead of failing with a message the app's
user cannot act on. Persisting without an OS store is an explicit choice (`--secrets file`,
with a passphrase), never a silent one. A store that exists but is locked or refuses a write is
not "no store": those failures reach the caller as before, with the flags in the message.
The decision holds for the process: a store that appears later is used by the next process.
"""

from __future__ import annotations

import threading

from sidecar.session.keyring_store import KeyringStore
from sidecar.session.stores import (
    KEYRING_HINT,
    SERVICE,
    MemoryStore,
    SessionStore,
    StoredSession,
    StoreInfo,
    StoreUnavailable,
)

NO_STORE_WARNING = (
    "{reason}: the session is kept in memory and lost when the sidecar exits. To keep it, "
    "start the sidecar with --secrets file and a passphrase in YTRACKER_SECRETS_PASSPHRASE "
    "(an encrypted file); --secrets memory says memory is intended."
)


class KeyringOrMemory:
    """The OS store when it is usable here, else memory for the life of the process."""

    service = SERVICE

    def __init__(self, keyring: KeyringStore | None = None) -> None:
        self._keyring = keyring or KeyringStore()
        self._chosen: SessionStore | None = None
        self._reason: str | None = None
        self._lock = threading.Lock()  # one probe, however many store calls start together

    @property
    def hint(self) -> str:
        return self._chosen.hint if self._chosen is not None else KEYRING_HINT

    def info(self) -> StoreInfo:
        store = self._store()
        if self._reason is None:
            return store.info()
        return StoreInfo(
            "memory", persistent=False, warning=NO_STORE_WARNING.format(reason=self._reason)
        )

    def check(self) -> None:
        self._store().check()

    def load(self) -> StoredSession | None:
        return self._store().load()

    def save(self, session: StoredSession) -> None:
        self._store().save(session)

    def delete(self) -> None:
        self._store().delete()

    def _store(self) -> SessionStore:
        with self._lock:
            if self._chosen is None:
                self._chosen = self._choose()
            return self._chosen

    def _choose(self) -> SessionStore:
        try:
            self._keyring.open()
        except StoreUnavailable as exc:
            reason = str(exc)
            self._reason = reason[:1].upper() + reason[1:]
            return MemoryStore()
        return self._keyring
