"""The OS secret store as the session store (`--secrets keyring`, the default).

Owns: picking the platform's keyring backend by name (macOS Keychain, Windows Credential
Manager, Secret Service elsewhere) and checking that it is usable, the entry (service
`ru.sovego.YTracker`, account `session`), moving a legacy entry under the current service, and
translating every keyring failure into StoreError whose detail never holds the secret.
Must not know: what the session is used for, or the event loop (every method blocks).

Why not `keyring.get_keyring()`: it discovers backends through package entry points, which a
frozen binary may not carry, and it falls back to the `fail` or `null` backends; `null`
silently discards what it is given. When no OS store works, this module says so instead.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import msgspec

from sidecar.session.stores import (
    ACCOUNT,
    KEYRING_HINT,
    LEGACY_SERVICES,
    SERVICE,
    StoredSession,
    StoreError,
    StoreInfo,
    StoreUnavailable,
    decode_session,
    encode_session,
)

log = logging.getLogger("sidecar.keyring")

# Deleting stops here: more duplicates than this means a backend that never reports "missing".
MAX_DUPLICATES = 16


class Backend(msgspec.Struct, frozen=True):
    """A keyring backend class by import path, so that nothing is imported before first use.

    A Struct: this module loads before `ready`, where a frozen dataclass cost ~1 ms."""

    label: str
    module: str
    cls: str


MACOS = Backend("macOS Keychain", "keyring.backends.macOS", "Keyring")
WINDOWS = Backend("Windows Credential Manager", "keyring.backends.Windows", "WinVaultKeyring")
SECRET_SERVICE = Backend("Secret Service", "keyring.backends.SecretService", "Keyring")


def platform_backend(platform: str = sys.platform) -> Backend:
    """The OS store for this platform; anything not macOS or Windows speaks Secret Service."""
    return {"darwin": MACOS, "win32": WINDOWS}.get(platform, SECRET_SERVICE)


def open_backend(backend: Backend) -> Any:
    """An instance of the backend, after its own usability probe.

    Raises:
        StoreUnavailable: the backend cannot be imported or cannot work here (no D-Bus session,
            no Secret Service daemon, ...).
    """
    try:
        cls = getattr(importlib.import_module(backend.module), backend.cls)
        # `priority` is each backend's probe: it raises when the backend cannot work here.
        _probe = cls.priority
        return cls()
    except Exception as exc:
        detail = f"no usable OS secret store ({backend.label}: {_detail(exc)})"
        raise StoreUnavailable(detail) from exc


class KeyringStore:
    """The session in the OS keyring. Blocking; the session manager calls it from a thread."""

    hint = KEYRING_HINT

    def __init__(
        self,
        backend: Any = None,
        *,
        service: str = SERVICE,
        legacy: tuple[str, ...] = LEGACY_SERVICES,
        opener: Callable[[], Any] | None = None,
    ) -> None:
        self.service = service
        self._legacy = tuple(name for name in legacy if name != service)
        self._backend = backend
        # Chosen now by platform, imported and probed on first use (the import costs ~100 ms).
        chosen = platform_backend()
        self.label = chosen.label
        self._open = opener or (lambda: open_backend(chosen))

    def open(self) -> None:
        """Import and probe the backend. Raises StoreUnavailable when there is no OS store."""
        self._keyring()

    def info(self) -> StoreInfo:
        try:
            self.open()
        except StoreError as exc:
            return StoreInfo("keyring", persistent=True, location=self.label, warning=str(exc))
        return StoreInfo("keyring", persistent=True, location=self.label)

    def check(self) -> None:
        """Open the store and read the entry: a locked store fails here, not after sign-in."""
        self._get(self._keyring(), self.service)

    def load(self) -> StoredSession | None:
        keyring = self._keyring()
        text = self._get(keyring, self.service)
        if text is not None:
            return self._decode(text, self.service)
        return self._migrate_legacy(keyring)

    def save(self, session: StoredSession) -> None:
        keyring = self._keyring()
        # Another writer (the Rust app) may have left an entry whose extra attributes keep it
        # from being replaced; it would shadow the new value, so every match goes first.
        self._delete_all(keyring, self.service)
        with _translated("cannot write to the OS secret store", self.service):
            keyring.set_password(self.service, ACCOUNT, encode_session(session))

    def delete(self) -> None:
        self._delete_all(self._keyring(), self.service)

    # -- helpers ------------------------------------------------------------------------------

    def _keyring(self) -> Any:
        if self._backend is None:
            self._backend = self._open()  # a failure is not cached: the store may appear later
        return self._backend

    def _get(self, keyring: Any, service: str) -> str | None:
        with _translated("cannot read from the OS secret store", service):
            text = keyring.get_password(service, ACCOUNT)
        return text if isinstance(text, str) else None

    def _decode(self, text: str, service: str) -> StoredSession:
        try:
            return decode_session(text)
        except msgspec.DecodeError as exc:
            # msgspec names the position or field, never the value.
            raise StoreError(f"the stored session is damaged ({exc})", service=service) from None

    def _migrate_legacy(self, keyring: Any) -> StoredSession | None:
        """The first legacy entry, moved under the current service (as the app does)."""
        for name in self._legacy:
            text = self._get(keyring, name)
            if text is None:
                continue
            session = self._decode(text, name)
            self._move(keyring, name, session)
            return session
        return None

    def _move(self, keyring: Any, legacy: str, session: StoredSession) -> None:
        """Best effort: a session that cannot be moved is still used from where it is."""
        try:
            self.save(session)
            self._delete_all(keyring, legacy)
        except StoreError as exc:
            log.warning("could not move the session from legacy service %s: %s", legacy, exc)
            return
        log.info("moved the session from legacy service %s to %s", legacy, self.service)

    def _delete_all(self, keyring: Any, service: str) -> None:
        from keyring.errors import PasswordDeleteError

        for _ in range(MAX_DUPLICATES):
            with _translated("cannot delete from the OS secret store", service):
                try:
                    keyring.delete_password(service, ACCOUNT)
                except PasswordDeleteError:
                    return  # none (left): a missing entry is fine


@contextmanager
def _translated(what: str, service: str) -> Iterator[None]:
    """Any keyring exception becomes StoreError('<what>: <detail>')."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"{what}: {_detail(exc)}", service=service) from exc


def _detail(exc: BaseException) -> str:
    """The exception's text; a locked store is called that, whatever the backend calls it."""
    text = str(exc).strip() or type(exc).__name__
    if type(exc).__name__ in ("KeyringLocked", "InitError"):
        return f"the store is locked or could not be opened ({text})"
    return text
