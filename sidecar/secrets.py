"""Where the user's Tracker session lives: a SessionStore and its stored value.

Owns: the stored session format (the app's `{"token","org_id","org_type"}` JSON, extended with
`token_type`, `refresh_token`, `expires_at`; extra keys keep the old readers working) and the
in-memory store. The OS keyring store is added in `sidecar/keyring_store.py`.
Must not know: HTTP, OAuth, or when a session is refreshed.
"""

from __future__ import annotations

from typing import Protocol

import msgspec

SERVICE = "ru.sovego.YTracker"
ACCOUNT = "session"


class StoredSession(msgspec.Struct, kw_only=True):
    token: str
    org_id: str | None = None
    org_type: str = "yandex360"
    token_type: str = "oauth"
    refresh_token: str | None = None
    expires_at: float | None = None  # unix seconds; None = unknown (the app never stored it)


_decoder = msgspec.json.Decoder(StoredSession)


def encode_session(session: StoredSession) -> str:
    return msgspec.json.encode(session).decode()


def decode_session(text: str) -> StoredSession:
    """Raises msgspec.DecodeError (a ValidationError included) on a damaged entry."""
    return _decoder.decode(text)


def canonical_org_type(value: str | None) -> str:
    """`cloud` in any case → cloud; anything else, including empty, → yandex360 (as the app)."""
    return "cloud" if (value or "").strip().lower() == "cloud" else "yandex360"


class SessionStore(Protocol):
    """Blocking storage calls; the session manager runs them off the event loop."""

    def load(self) -> StoredSession | None: ...

    def save(self, session: StoredSession) -> None: ...

    def delete(self) -> None: ...


class MemoryStore:
    """`--secrets memory` and `--demo`: the session lives as long as the process."""

    def __init__(self, initial: StoredSession | None = None) -> None:
        self._session = initial

    def load(self) -> StoredSession | None:
        return self._session

    def save(self, session: StoredSession) -> None:
        self._session = session

    def delete(self) -> None:
        self._session = None
