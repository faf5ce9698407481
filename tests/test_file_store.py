"""EncryptedFileStore (`--secrets file`) against real files and the real keyrings.cryptfile:
round trip, 0600, nothing in clear, a wrong passphrase, a damaged file, writes that replace the
file whole or not at all. Each unlock, read and write runs Argon2id (about a second here)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from sidecar import settings
from sidecar.session import file_store
from sidecar.session.file_store import FILE_HINT, EncryptedFileStore, WrongPassphrase
from sidecar.session.stores import StoredSession, StoreError

SECRET = "y0_secret-access-token"
REFRESH = "1:secret-refresh-token"
PASSPHRASE = "a long enough passphrase"


def session() -> StoredSession:
    return StoredSession(token=SECRET, org_id="12345", refresh_token=REFRESH, expires_at=2e9)


def test_a_session_round_trips_through_a_private_file_with_nothing_in_clear(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config" / file_store.FILE_NAME
    store = EncryptedFileStore(path, PASSPHRASE)
    assert store.load() is None
    store.save(session())
    assert EncryptedFileStore(path, PASSPHRASE).load() == session()
    text = path.read_text()
    assert SECRET not in text and REFRESH not in text and PASSPHRASE not in text
    assert "[Argon2] AES128.GCM" in text  # cryptfile's scheme line
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no copy left
    info = store.info()
    assert (info.kind, info.persistent, info.location, info.warning) == (
        "file",
        True,
        str(path),
        None,
    )
    store.delete()
    store.delete()  # nothing to delete is fine
    assert EncryptedFileStore(path, PASSPHRASE).load() is None


def test_a_file_readable_by_others_is_made_private_on_open(tmp_path: Path) -> None:
    path = tmp_path / file_store.FILE_NAME
    EncryptedFileStore(path, PASSPHRASE).save(session())
    path.chmod(0o644)
    EncryptedFileStore(path, PASSPHRASE).check()
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_wrong_passphrase_is_refused_once_and_for_all(tmp_path: Path) -> None:
    path = tmp_path / file_store.FILE_NAME
    EncryptedFileStore(path, PASSPHRASE).save(session())
    before = path.read_bytes()
    wrong = EncryptedFileStore(path, "another passphrase")
    with pytest.raises(WrongPassphrase) as first:
        wrong.load()
    assert str(first.value) == (
        f"the passphrase in YTRACKER_SECRETS_PASSPHRASE does not open {path} "
        "(or the file was altered)"
    )
    with pytest.raises(WrongPassphrase) as second:
        wrong.save(session())
    assert second.value is first.value  # not tried again: it cannot become right
    assert wrong.info().warning == f"{first.value}. {FILE_HINT}"
    assert path.read_bytes() == before


def test_a_damaged_file_is_a_store_error_that_says_so(tmp_path: Path) -> None:
    path = tmp_path / file_store.FILE_NAME
    path.write_text("this is not\nan INI file\n")
    with pytest.raises(StoreError) as caught:
        EncryptedFileStore(path, PASSPHRASE).load()
    assert str(caught.value) == f"the encrypted file {path} is damaged"


def test_a_write_that_fails_half_way_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / file_store.FILE_NAME
    store = EncryptedFileStore(path, PASSPHRASE)
    store.save(session())
    before = path.read_bytes()

    def half_way(keyring: Any) -> None:
        Path(keyring.file_path).write_text("[torn")  # what a crash mid-write would leave
        raise OSError(28, "No space left on device")

    with pytest.raises(StoreError, match=r"cannot write the encrypted file .*: No space left"):
        store._change(half_way)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert store.load() == session()


def test_the_settings_and_the_store_name_the_same_variable() -> None:
    assert settings.PASSPHRASE_VAR == file_store.PASSPHRASE_VAR
