"""`--secrets file`: the session in an encrypted file, for machines without an OS secret store.

Owns: the file (`session.cryptfile.cfg` in the config folder, mode 0600; its folder is made
0700 when we make it), unlocking it with the passphrase the shell passes in
`YTRACKER_SECRETS_PASSPHRASE` (read by the app, handed in here), replacing it atomically on
every write, and translating every failure into StoreError whose detail never holds a secret.
Must not know: what the session is used for, or the event loop (every method blocks).

The encryption is `keyrings.cryptfile`'s CryptFileKeyring, not code of ours: an INI file whose
values are JSON `{salt, nonce, data, mac}` in base64; the key is Argon2id (t=15, m=64 MiB, p=2)
of the passphrase with a fresh 16-byte salt per value, the cipher AES-128-GCM with the entry's
service and account as associated data, and a reference entry tells a wrong passphrase from a
right one. `keyrings.alt`'s EncryptedKeyring was the other candidate and lost on every point
that matters here: its key is PBKDF2-HMAC-SHA1 with pycryptodome's default 1000 iterations
(cheap to brute-force a passphrase), its AES-CFB is not authenticated (a wrong passphrase or a
flipped byte is caught only by an `assert`, gone under `python -O`), its README discourages
production use, and it does not even declare the pycryptodome it needs. cryptfile's costs: one
maintainer, last release 1.3.9 (2022-11), an sdist only, and argon2-cffi plus pycryptodome in
the binary; every use of it is in this module, so replacing it is local.

Each unlock, read and write derives a key (Argon2id, ~0.3-1.5 s of CPU); the session manager
reads once per process and writes on sign-in and refresh, always off the event loop.
"""

from __future__ import annotations

import configparser
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from sidecar.session.stores import (
    ACCOUNT,
    SERVICE,
    StoredSession,
    StoreError,
    StoreInfo,
    decode_session,
    encode_session,
)

FILE_NAME = "session.cryptfile.cfg"
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: os.open is text mode unless told otherwise
PASSPHRASE_VAR = "YTRACKER_SECRETS_PASSPHRASE"
FILE_HINT = (
    f"Check the passphrase in {PASSPHRASE_VAR} and the file, or start the sidecar with "
    "--secrets memory (until it exits) or --secrets keyring (the OS store)."
)


class WrongPassphrase(StoreError):
    """The passphrase does not open the file (or the file was altered)."""


class EncryptedFileStore:
    """The session in one encrypted file. Blocking; the session manager calls it from a thread."""

    service = SERVICE
    hint = FILE_HINT

    def __init__(self, path: Path, passphrase: str) -> None:
        self.path = path
        self._passphrase = passphrase
        self._keyring: Any = None
        self._refused: WrongPassphrase | None = None  # it stays wrong: no Argon2 run again
        self._lock = threading.Lock()  # one file, one writer: loads never see a half-made file

    def info(self) -> StoreInfo:
        where = str(self.path)
        try:
            self.check()
        except StoreError as exc:
            return StoreInfo("file", persistent=True, location=where, warning=f"{exc}. {FILE_HINT}")
        return StoreInfo("file", persistent=True, location=where)

    def check(self) -> None:
        with self._lock:
            self._unlocked()

    def load(self) -> StoredSession | None:
        with self._lock:
            keyring = self._unlocked()
            with self._translated("cannot read"):
                text = keyring.get_password(SERVICE, ACCOUNT)
        if not isinstance(text, str):
            return None
        try:
            return decode_session(text)
        except msgspec.DecodeError as exc:
            raise StoreError(f"the stored session is damaged ({exc})") from None

    def save(self, session: StoredSession) -> None:
        text = encode_session(session)
        self._change(lambda keyring: keyring.set_password(SERVICE, ACCOUNT, text))

    def delete(self) -> None:
        from keyring.errors import PasswordDeleteError

        def forget(keyring: Any) -> None:
            try:
                keyring.delete_password(SERVICE, ACCOUNT)
            except PasswordDeleteError:
                pass  # nothing stored: fine

        self._change(forget)

    # -- helpers ------------------------------------------------------------------------------

    def _unlocked(self) -> Any:
        """The unlocked keyring; the first call makes the file or checks the passphrase."""
        if self._refused is not None:
            raise self._refused
        if self._keyring is None:
            try:
                self._keyring = self._unlock()
            except WrongPassphrase as exc:
                self._refused = exc
                raise
        return self._keyring

    def _unlock(self) -> Any:
        with self._translated("cannot open"):
            from keyrings.cryptfile.cryptfile import CryptFileKeyring

            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.path.exists():
                os.chmod(self.path, 0o600)  # a copy made by hand may be readable by others
            keyring = CryptFileKeyring()
            keyring.file_path = str(self.path)
            keyring.keyring_key = self._passphrase  # makes the file, or unlocks it
        return keyring

    def _change(self, change: Callable[[Any], None]) -> None:
        """Apply `change` to a private copy of the file, then move the copy over the file.

        cryptfile rewrites its file in place; a crash or a full disk half way would leave a
        file that no passphrase opens. A copy replaced atomically leaves the old or the new.
        """
        with self._lock:
            keyring = self._unlocked()
            copy = self.path.with_name(self.path.name + ".tmp")
            with self._translated("cannot write"), _private_copy(self.path, copy):
                keyring.file_path = str(copy)
                try:
                    change(keyring)
                finally:
                    keyring.file_path = str(self.path)
                _flush(copy)
                os.replace(copy, self.path)

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except ValueError as exc:
            if "MAC check failed" in str(exc):
                detail = f"the passphrase in {PASSPHRASE_VAR} does not open {self.path}"
                raise WrongPassphrase(f"{detail} (or the file was altered)") from None
            raise StoreError(f"{what} the encrypted file {self.path}: {exc}") from None
        except configparser.Error:
            # Its messages quote the file's lines; ciphertext, but nothing a user needs.
            raise StoreError(f"the encrypted file {self.path} is damaged") from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise StoreError(f"{what} the encrypted file {self.path}: {reason}") from None
        except Exception as exc:
            name = type(exc).__name__
            raise StoreError(f"{what} the encrypted file {self.path}: {name}") from exc


@contextmanager
def _private_copy(source: Path, copy: Path) -> Iterator[None]:
    """`copy` holds `source`'s bytes, readable by the owner only; removed unless moved away."""
    copy.unlink(missing_ok=True)  # a leftover of a crash
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(source.read_bytes() if source.exists() else b"")
        yield
    finally:
        copy.unlink(missing_ok=True)


def _flush(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | _BINARY)  # Windows commits only a writable descriptor
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
