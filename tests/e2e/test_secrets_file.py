"""`--secrets file`: the session in an encrypted file, across processes, as a shell would use it.

The passphrase comes from YTRACKER_SECRETS_PASSPHRASE; without one the process does not start.
The file is 0600, holds no secret in clear, survives the process, and a wrong passphrase or an
unwritable folder is a `local_io` error that says what to do. (Each unlock, read and write
runs Argon2id, so these sidecars take a few seconds each.)
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from sidecar.session.file_store import FILE_HINT, FILE_NAME
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, TOKEN, FakeTrackerServer

PASSPHRASE = "correct horse battery staple"
ENV = {"YTRACKER_CLIENT_ID": CLIENT_ID, "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}
SLOW = 60.0  # Argon2id on a busy two-core machine


def file_args(fake: FakeTrackerServer, config: Path) -> list[str]:
    args = [a for a in fake_args(fake) if a != "memory"]
    at = args.index("--secrets")
    return [*args[: at + 1], "file", *args[at + 1 :], "--config-dir", str(config)]


def start(spawn: SpawnFn, fake: FakeTrackerServer, config: Path, passphrase: str) -> Sidecar:
    env = {**ENV, "YTRACKER_SECRETS_PASSPHRASE": passphrase}
    return spawn(*file_args(fake, config), env=env)


def test_without_a_passphrase_it_does_not_start_and_names_the_variable(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    sidecar = start(spawn, fake_tracker, tmp_path / "config", " ")
    assert sidecar.wait() == 2
    assert sidecar.stderr == (
        "ytracker-sidecar: --secrets file needs a passphrase in YTRACKER_SECRETS_PASSPHRASE\n"
    )
    assert sidecar.stdout == ""


def test_a_session_in_the_encrypted_file_outlives_the_process(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    path = config / FILE_NAME
    first = start(spawn, fake_tracker, config, PASSPHRASE)
    info = first.result("get_client_credentials_info", timeout=SLOW)["secret_store"]
    assert info == {"kind": "file", "persistent": True, "location": str(path), "warning": None}
    params = {"code": fake_tracker.issue_auth_code(), "orgId": ORG_ID, "orgType": "yandex360"}
    assert first.result("exchange_code", params, timeout=SLOW) is True
    assert first.stop() == 0
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in config.iterdir() if p.name.startswith(FILE_NAME)] == [FILE_NAME]
    tokens = fake_tracker.call(lambda s: list(s.tokens) + list(s.refresh_tokens))
    assert tokens and not [t for t in tokens if t in path.read_text()]

    second = start(spawn, fake_tracker, config, PASSPHRASE)
    assert second.result("has_session", timeout=SLOW) is True
    assert second.result("get_current_user")["login"] == "alice"  # the stored token works
    assert second.result("logout", timeout=SLOW) is None
    assert second.stop() == 0

    third = start(spawn, fake_tracker, config, PASSPHRASE)
    assert third.result("has_session", timeout=SLOW) is False


def test_a_wrong_passphrase_says_so_and_what_to_do(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    path = config / FILE_NAME
    first = start(spawn, fake_tracker, config, PASSPHRASE)
    login = {"token": "y0_file-store-token", "orgId": ORG_ID, "orgType": "yandex360"}
    assert first.result("login_with_token", login, timeout=SLOW) is True
    assert first.stop() == 0
    before = path.read_bytes()

    wrong = start(spawn, fake_tracker, config, "not the passphrase")
    detail = (
        f"the passphrase in YTRACKER_SECRETS_PASSPHRASE does not open {path} "
        "(or the file was altered)"
    )
    info = wrong.result("get_client_credentials_info", timeout=SLOW)["secret_store"]
    assert info["warning"] == f"{detail}. {FILE_HINT}"
    error = wrong.error("has_session", timeout=SLOW)
    assert error["data"]["kind"] == "local_io" and detail in error["message"]
    error = wrong.error("login_with_token", login, timeout=SLOW)
    assert error["code"] == -32010
    assert error["message"] == f"Failed to save session to keyring: {detail}. {FILE_HINT}"
    assert "--secrets memory" in error["message"]
    assert wrong.stop() == 0
    assert path.read_bytes() == before  # nothing was overwritten
    assert [e for e in wrong.stderr.splitlines() if detail in e]  # said once at start
    assert "y0_file-store-token" not in path.read_text()


def test_a_session_that_cannot_be_saved_names_the_flags(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the config folder should be")
    sidecar = start(spawn, fake_tracker, blocker / "config", PASSPHRASE)
    login = {"token": "y0_file-store-token", "orgId": ORG_ID, "orgType": "yandex360"}
    error = sidecar.error("login_with_token", login, timeout=SLOW)
    assert error["code"] == -32010 and error["data"]["kind"] == "local_io"
    path = blocker / "config" / FILE_NAME
    assert error["message"] == (
        f"Failed to save session to keyring: cannot open the encrypted file {path}: "
        f"Not a directory. {FILE_HINT}"
    )


def test_the_passphrase_never_reaches_any_output(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    env = {**ENV, "YTRACKER_SECRETS_PASSPHRASE": PASSPHRASE}
    sidecar = spawn(*file_args(fake_tracker, config), "--log-level", "debug", env=env)
    login = {"token": TOKEN, "orgId": ORG_ID, "orgType": "yandex360"}
    assert sidecar.result("login_with_token", login, timeout=SLOW) is True
    assert sidecar.result("get_current_user")["login"] == "alice"
    assert sidecar.stop() == 0
    files = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    for text in (sidecar.stdout.encode(), sidecar.stderr.encode(), *files):
        assert PASSPHRASE.encode() not in text
