"""Where the user's Tracker session lives: a SessionStore and its stored value.

Owns: the stored session format (the app's `{"token","org_id","org_type"}` JSON, extended with
`token_type`, `refresh_token`, `expires_at`; extra keys keep the old readers working), the
store protocol with its failure types (`StoreError`, `StoreUnavailable`) and what a store says
about itself (`StoreInfo`, `hint`), and the in-memory store. The other stores live beside it:
`keyring_store.py` (the OS store), `fallback.py` (the OS store, else memory), `file_store.py`
(an encrypted file).
Must not know: HTTP, OAuth, or when a session is refreshed.
"""

from __future__ import annotations

from typing import Literal, Protocol

import msgspec

SERVICE = "ru.sovego.YTracker"
ACCOUNT = "session"
# Services the app migrated from (`docs/frontend-contract.md` §8.1), in the order it checks them.
LEGACY_SERVICES = ("ru.sovego.ytracker-tauri", "ru.sovego.ytracker", "ru.sovego.YTracker")


class StoredSession(msgspec.Struct, kw_only=True):
    token: str
    org_id: str | None = None
    org_type: str = "yandex360"
    token_type: str = "oauth"
    refresh_token: str | None = None
    expires_at: float | None = None  # unix seconds; None = unknown (the app never stored it)

    def __repr__(self) -> str:  # tracebacks and debuggers must never show the tokens
        return f"StoredSession(token_type={self.token_type!r}, org_type={self.org_type!r})"


_decoder = msgspec.json.Decoder(StoredSession)


def encode_session(session: StoredSession) -> str:
    return msgspec.json.encode(session).decode()


def decode_session(text: str) -> StoredSession:
    """Raises msgspec.DecodeError (a ValidationError included) on a damaged entry."""
    try:
        session = _decoder.decode(text)
    except (UnicodeError, RecursionError):
        # A lone surrogate in the entry's text, or invalid UTF-8 by msgspec version.
        raise msgspec.DecodeError("unreadable text") from None
    session.org_type = canonical_org_type(session.org_type)
    return session


def canonical_org_type(value: str | None) -> str:
    """`cloud` in any case → cloud; anything else, including empty, → yandex360 (as the app)."""
    return "cloud" if (value or "").strip().lower() == "cloud" else "yandex360"


class StoreError(Exception):
    """A store operation failed. The message is a detail for the user; it never holds a secret.

    `service` names the entry that failed (the current one, or a legacy one being read).
    """

    def __init__(self, detail: str, *, service: str = SERVICE) -> None:
        super().__init__(detail)
        self.service = service


class StoreUnavailable(StoreError):
    """This kind of store cannot work here at all (no OS secret store on this machine)."""


StoreKind = Literal["keyring", "file", "memory"]
# What a failed save tells the user to do, per store (appended to the error's message).
KEYRING_HINT = (
    "To keep the session elsewhere, start the sidecar with --secrets file (an encrypted file) "
    "or --secrets memory (until it exits)."
)


class StoreInfo(msgspec.Struct, frozen=True):
    """Where sessions are kept, as `get_client_credentials_info` reports it.

    `persistent`: a session outlives the process. `location`: the OS store's name or the
    file's path. `warning`: set when sessions will not be kept as asked, or cannot be.
    A Struct, not a dataclass: made before `ready`, a frozen dataclass cost ~1 ms.
    """

    kind: StoreKind
    persistent: bool
    location: str | None = None
    warning: str | None = None


class SessionStore(Protocol):
    """Blocking storage calls; the session manager runs them off the event loop.

    Every method raises StoreError and nothing else; `delete` of a missing entry succeeds.
    """

    service: str

    @property
    def hint(self) -> str:
        """What to do when this store cannot save (names the flags); may be empty."""
        ...

    def info(self) -> StoreInfo:
        """Where sessions go, opening the store if need be; never raises (see `warning`)."""
        ...

    def check(self) -> None:
        """Raise StoreError when the store cannot be used at all (no usable OS secret store)."""
        ...

    def load(self) -> StoredSession | None: ...

    def save(self, session: StoredSession) -> None: ...

    def delete(self) -> None: ...


class MemoryStore:
    """`--secrets memory` and `--demo`: the session lives as long as the process."""

    service = SERVICE
    hint = ""

    def __init__(self, initial: StoredSession | None = None) -> None:
        self._session = initial

    def info(self) -> StoreInfo:
        return StoreInfo("memory", persistent=False)

    def check(self) -> None:
        return None

    def load(self) -> StoredSession | None:
        return self._session

    def save(self, session: StoredSession) -> None:
        self._session = session

    def delete(self) -> None:
        self._session = None
