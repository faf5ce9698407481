"""The OS keyring as the session store (`--secrets keyring`, the default).

Owns: the keyring entry (service `ru.sovego.YTracker`, account `session`) and translating
keyring failures into LocalIOError. Must not know: what the session is used for.
"""

from __future__ import annotations

from typing import Any

from sidecar.secrets import ACCOUNT, SERVICE, StoredSession, decode_session, encode_session
from sidecar.tracker.errors import LocalIOError


class KeyringStore:
    def __init__(self, backend: Any = None, service: str = SERVICE) -> None:
        self._backend = backend
        self._service = service

    def _keyring(self) -> Any:
        if self._backend is None:
            import keyring  # deferred: importing and probing the backend costs ~150 ms

            self._backend = keyring.get_keyring()
        return self._backend

    def load(self) -> StoredSession | None:
        text = self._keyring().get_password(self._service, ACCOUNT)
        return None if text is None else decode_session(text)

    def save(self, session: StoredSession) -> None:
        try:
            self._keyring().set_password(self._service, ACCOUNT, encode_session(session))
        except Exception as exc:
            raise LocalIOError(f"Failed to save session to keyring: {exc}") from exc

    def delete(self) -> None:
        import keyring.errors

        try:
            self._keyring().delete_password(self._service, ACCOUNT)
        except keyring.errors.PasswordDeleteError:
            return  # a missing entry is fine
