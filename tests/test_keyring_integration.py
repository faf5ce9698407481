"""The session in a real Secret Service: gnome-keyring on a private D-Bus session, through the
real `keyring` SecretService backend, across sidecar processes.

Run with `bash scripts/keyring_tests.sh`: it installs dbus, gnome-keyring and libsecret-tools,
isolates HOME and the XDG dirs, starts `dbus-run-session` with an unlocked daemon and runs
`pytest -m keyring_integration`. Elsewhere these tests skip with the reason (they refuse to
touch a store the script did not create); under CI=true a skip is a failure.

`secret-tool` (libsecret) plays the other programs that share the store: the Rust app whose
entries carry extra attributes, and the legacy services the app migrated from.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from sidecar.session.fallback import NO_STORE_WARNING
from sidecar.session.keyring_store import KeyringStore
from sidecar.session.manager import REFRESH_MARGIN_S
from sidecar.session.stores import (
    ACCOUNT,
    KEYRING_HINT,
    LEGACY_SERVICES,
    SERVICE,
    StoredSession,
    StoreError,
)
from tests.e2e import conftest as e2e
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import REPO, Sidecar, sidecar_command
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, TOKEN, FakeTrackerServer

pytestmark = pytest.mark.keyring_integration
spawn = e2e.spawn  # spawned sidecars, stopped at the end of each test
cache_dir = e2e.cache_dir  # their disk cache folder

ENV = {"YTRACKER_CLIENT_ID": CLIENT_ID, "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}
RELOGIN = "Not authenticated. Sign in again to continue."
SERVICES = (SERVICE, *LEGACY_SERVICES[:2])
RUST_ATTRIBUTES = {"target": "default", "application": "rust-keyring"}
APP_JSON = json.dumps({"token": TOKEN, "org_id": ORG_ID, "org_type": "yandex360"})
LOCKED = "the store is locked or could not be opened (Failed to unlock the collection!)"
NO_DAEMON = (
    "no usable OS secret store (Secret Service: "
    "The Secret Service daemon is neither running nor activatable through D-Bus)"
)
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">{rules}</policy>
</busconfig>
"""
# A session bus that can activate nothing: no Secret Service anywhere.
BARE_BUS = BUS_CONFIG.format(
    rules='<allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>'
)
# A bus that drops every reply: each D-Bus call waits forever.
DEAF_BUS = BUS_CONFIG.format(rules='<allow send_destination="*"/><allow own="*"/>')


# -- the store under test -------------------------------------------------------------------


def unavailable() -> str | None:
    """Why the real-store tests cannot run here, or None."""
    if sys.platform != "linux":
        return "the real-store tests drive the Linux Secret Service"
    if not os.environ.get("YTRACKER_KEYRING_SANDBOX"):
        return (
            "not inside scripts/keyring_tests.sh's private D-Bus session "
            "(these tests never touch the user's own keyring)"
        )
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)"
    try:
        KeyringStore(service="ru.sovego.YTracker.probe").delete()
    except StoreError as exc:
        return f"the Secret Service cannot start: {exc}"
    return None


@pytest.fixture(scope="module")
def secret_service() -> None:
    reason = unavailable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"keyring_integration tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def clean_store(secret_service: None) -> Iterator[None]:
    for service in SERVICES:
        secret_tool("clear", "service", service, "username", ACCOUNT)
    yield
    for service in SERVICES:
        secret_tool("clear", "service", service, "username", ACCOUNT)


def secret_tool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["secret-tool", *args], input=stdin, capture_output=True, text=True, timeout=20
    )


def stored(service: str = SERVICE) -> str | None:
    """The secret the OS store holds for the service, as any libsecret program reads it."""
    done = secret_tool("lookup", "service", service, "username", ACCOUNT)
    return done.stdout if done.returncode == 0 and done.stdout else None


def entry_count(service: str = SERVICE) -> int:
    done = secret_tool("search", "--all", "service", service, "username", ACCOUNT)
    return (done.stdout + done.stderr).count("secret = ")


def store_like_the_app(service: str, value: str) -> None:
    """An entry as the Rust app writes it: extra attributes beside service and username."""
    attributes = [x for k, v in RUST_ATTRIBUTES.items() for x in (k, v)]
    done = secret_tool(
        "store",
        "--label",
        f"{ACCOUNT}@{service}",
        "service",
        service,
        "username",
        ACCOUNT,
        *attributes,
        stdin=value,
    )
    assert done.returncode == 0, done.stderr


# -- sidecars -------------------------------------------------------------------------------


def keyring_args(fake: FakeTrackerServer, *extra: str) -> list[str]:
    """The fake Tracker's flags with the default store (`--secrets keyring`)."""
    args = fake_args(fake, *extra)
    at = args.index("--secrets")
    return [*args[:at], *args[at + 2 :]]


def start(spawn: SpawnFn, fake: FakeTrackerServer, *extra: str) -> Sidecar:
    return spawn(*keyring_args(fake, *extra), env=ENV)


def sign_in_with_code(sidecar: Sidecar, fake: FakeTrackerServer) -> None:
    params = {"code": fake.issue_auth_code(), "orgId": ORG_ID, "orgType": "yandex360"}
    assert sidecar.result("exchange_code", params) is True


def used_tokens(fake: FakeTrackerServer) -> list[str]:
    return [r.headers["Authorization"] for r in fake.requests if r.path.startswith("/v3/")]


def stored_session() -> StoredSession:
    text = stored()
    assert text is not None
    return StoredSession(**json.loads(text))


# -- tests ----------------------------------------------------------------------------------


def test_save_read_delete_in_the_real_store() -> None:
    store = KeyringStore()
    store.check()
    session = StoredSession(
        token="y0_round-trip", org_id=ORG_ID, refresh_token="1:r", expires_at=9.5
    )
    store.save(session)
    assert json.loads(stored() or "") == {
        "token": "y0_round-trip",
        "org_id": ORG_ID,
        "org_type": "yandex360",
        "token_type": "oauth",
        "refresh_token": "1:r",
        "expires_at": 9.5,
    }
    assert KeyringStore().load() == session  # a fresh backend instance reads it back
    store.save(StoredSession(token="y0_second"))
    assert entry_count() == 1
    store.delete()
    assert stored() is None and KeyringStore().load() is None
    store.delete()  # a missing entry is fine


def test_a_session_from_exchange_code_outlives_the_process_until_logout(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    first = start(spawn, fake_tracker)
    assert first.result("has_session") is False
    sign_in_with_code(first, fake_tracker)
    assert first.stop() == 0
    token = stored_session().token
    assert token.startswith("y0_") and stored_session().refresh_token

    second = start(spawn, fake_tracker)  # started later: finds the session and uses it
    assert second.result("has_session") is True
    assert second.result("get_current_user")["login"] == "alice"
    assert used_tokens(fake_tracker) == [f"OAuth {token}"]
    assert second.result("logout") is None
    assert second.stop() == 0
    assert stored() is None and entry_count() == 0

    third = start(spawn, fake_tracker)
    assert third.result("has_session") is False
    assert third.error("get_current_user")["message"] == RELOGIN
    assert len(used_tokens(fake_tracker)) == 1


def test_a_refreshed_session_is_what_the_next_process_finds(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", int(REFRESH_MARGIN_S) - 60))
    first = start(spawn, fake_tracker)
    sign_in_with_code(first, fake_tracker)
    signed_in = stored_session()
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", 31_536_000))
    assert first.result("get_current_user")["login"] == "alice"  # refreshed before use
    assert first.stop() == 0
    refreshed = stored_session()
    assert refreshed.token != signed_in.token
    assert refreshed.refresh_token != signed_in.refresh_token  # the old one is revoked

    second = start(spawn, fake_tracker)
    assert second.result("get_current_user")["login"] == "alice"
    assert used_tokens(fake_tracker)[-1] == f"OAuth {refreshed.token}"


@pytest.mark.parametrize("legacy", LEGACY_SERVICES[:2])
def test_a_legacy_entry_is_moved_under_the_current_service(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, legacy: str
) -> None:
    store_like_the_app(legacy, APP_JSON)
    sidecar = start(spawn, fake_tracker)
    assert sidecar.result("has_session") is True
    assert stored(legacy) is None
    assert json.loads(stored() or "")["token"] == TOKEN
    assert sidecar.result("get_current_user")["login"] == "alice"
    assert used_tokens(fake_tracker) == [f"OAuth {TOKEN}"]


def test_an_entry_the_rust_app_wrote_is_read_then_replaced_not_shadowed(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    store_like_the_app(SERVICE, APP_JSON)
    first = start(spawn, fake_tracker)
    assert first.result("get_current_user")["login"] == "alice"
    sign_in_with_code(first, fake_tracker)
    assert first.stop() == 0
    assert entry_count() == 1
    new_token = stored_session().token
    assert new_token != TOKEN

    second = start(spawn, fake_tracker)
    assert second.result("get_current_user")["login"] == "alice"
    assert used_tokens(fake_tracker)[-1] == f"OAuth {new_token}"
    store_like_the_app(SERVICE, APP_JSON)  # a duplicate appears meanwhile
    assert second.result("logout") is None
    assert entry_count() == 0


# -- a locked or missing store, each in a D-Bus session of its own ---------------------------


def run_sidecar(
    prefix: list[str], args: list[str], requests: list[dict[str, Any]], env: dict[str, str]
) -> dict[int, dict[str, Any]]:
    """Send the requests to a sidecar started under `prefix`, then EOF; responses by id."""
    lines = "".join(
        json.dumps({"jsonrpc": "2.0", "id": n, **request}) + "\n"
        for n, request in enumerate(requests, 1)
    )
    with (
        subprocess.Popen(
            [*prefix, *sidecar_command(), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, **env},
            start_new_session=True,
        ) as proc,
        killed_on_failure(proc),
    ):
        stdout, stderr = proc.communicate(lines, timeout=60)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert done.returncode == 0, done.stderr
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    return {m["id"]: m for m in messages if "id" in m}


@contextmanager
def killed_on_failure(proc: subprocess.Popen[Any]) -> Iterator[None]:
    """A failing test takes the whole process group along (dbus-run-session's daemon too)."""
    try:
        yield
    except BaseException:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        raise


def private_home(root: Path) -> dict[str, str]:
    home = root / "home"
    (home / ".local/share").mkdir(parents=True, exist_ok=True)
    return {**ENV, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}


def unlocked_session() -> list[str]:
    script = (
        'printf "%s" "$YTRACKER_KEYRING_PASSWORD" '
        '| gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"'
    )
    return ["dbus-run-session", "--", "sh", "-c", script, "unlocked"]


def test_a_locked_store_is_a_local_io_error_in_the_apps_words(
    fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    env = {**private_home(tmp_path), "YTRACKER_KEYRING_PASSWORD": "another-password"}
    args = keyring_args(fake_tracker)
    login = {"token": TOKEN, "tokenType": "oauth", "orgId": ORG_ID, "orgType": "yandex360"}
    signed = run_sidecar(
        unlocked_session(), args, [{"method": "login_with_token", "params": login}], env
    )
    assert signed[1]["result"] is True
    # A new login session: the daemon starts on demand and the keyring file stays locked; the
    # unlock prompt cannot be shown (no display) and counts as dismissed.
    code = fake_tracker.issue_auth_code()
    answers = run_sidecar(
        ["dbus-run-session", "--"],
        args,
        [
            {"method": "has_session"},
            {"method": "get_current_user"},
            {"method": "exchange_code", "params": {"code": code, "orgType": "yandex360"}},
        ],
        env,
    )
    # Alone: a logout forgets the in-memory session, which would race the reads above.
    logout = run_sidecar(["dbus-run-session", "--"], args, [{"method": "logout"}], env)
    errors = {n: answers[n]["error"] for n in (1, 2, 3)} | {4: logout[1]["error"]}
    assert {e["data"]["kind"] for e in errors.values()} == {"local_io"}
    read = f"cannot read from the OS secret store: {LOCKED}"
    assert (
        errors[1]["message"] == f"Failed to read session from keyring service '{SERVICE}': {read}"
    )
    assert errors[2]["message"] == f"Failed to load stored token: {read}"
    assert errors[3]["message"] == f"Failed to save session to keyring: {read}. {KEYRING_HINT}"
    assert "--secrets file" in errors[3]["message"]  # a locked store is not "no store"
    assert errors[4]["message"] == (
        f"Failed to clear session: cannot delete from the OS secret store: {LOCKED}"
    )
    assert fake_tracker.requests == []  # no code spent, nothing sent


def test_a_bus_without_a_secret_service_means_memory_and_says_so(
    fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    config = tmp_path / "bare-bus.conf"
    config.write_text(BARE_BUS)
    bare_bus = ["dbus-run-session", f"--config-file={config}", "--"]
    args, home = keyring_args(fake_tracker), private_home(tmp_path)
    reads = [
        {"method": "has_session"},
        {"method": "get_current_user"},
        {"method": "get_client_credentials_info"},
    ]
    answers = run_sidecar(bare_bus, args, reads, home)
    assert answers[1]["result"] is False
    assert answers[2]["error"]["message"] == RELOGIN
    reason = NO_DAEMON[:1].upper() + NO_DAEMON[1:]
    assert answers[3]["result"]["secret_store"] == {
        "kind": "memory",
        "persistent": False,
        "location": None,
        "warning": NO_STORE_WARNING.format(reason=reason),
    }
    login = {"token": TOKEN, "tokenType": "oauth", "orgId": ORG_ID, "orgType": "yandex360"}
    signed = run_sidecar(bare_bus, args, [{"method": "login_with_token", "params": login}], home)
    assert signed[1]["result"] is True  # in memory, for that run
    assert not (tmp_path / "home/.local/share/keyrings").exists()


def test_a_store_that_never_answers_delays_neither_other_requests_nor_exit(
    fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    config = tmp_path / "deaf-bus.conf"
    config.write_text(DEAF_BUS)
    command = ["dbus-run-session", f"--config-file={config}", "--", *sidecar_command()]
    with (
        subprocess.Popen(
            [*command, *keyring_args(fake_tracker)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
            env={**os.environ, **private_home(tmp_path)},
            start_new_session=True,
        ) as proc,
        killed_on_failure(proc),
    ):
        assert proc.stdin is not None and proc.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(
            target=lambda: [lines.put(x) for x in proc.stdout or ()], daemon=True
        ).start()
        for n, method in enumerate(("has_session", "ping"), 1):
            message = {"jsonrpc": "2.0", "id": n, "method": method}
            proc.stdin.write(json.dumps(message).encode() + b"\n")
        proc.stdin.flush()
        answered = [json.loads(lines.get(timeout=20)) for _ in range(2)]  # ready, ping
        assert answered[1] == {"jsonrpc": "2.0", "id": 2, "result": "pong"}
        proc.stdin.close()  # EOF while has_session still waits on the bus
        assert proc.wait(timeout=10) == 0
        last = json.loads(lines.get(timeout=5))
        assert last["id"] == 1 and "error" in last


# -- secret hygiene with the real store -----------------------------------------------------


def test_no_secret_leaves_the_store(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    sandbox = Path(os.environ["YTRACKER_KEYRING_SANDBOX"])
    store_dir = Path(os.environ["XDG_DATA_HOME"]) / "keyrings"
    code = fake_tracker.issue_auth_code()
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", int(REFRESH_MARGIN_S) - 60))
    sidecar = start(spawn, fake_tracker, "--log-level", "debug")
    assert sidecar.result("exchange_code", {"code": code, "orgId": ORG_ID}) is True
    assert sidecar.result("get_current_user")["login"] == "alice"  # refreshed before use
    refreshed = stored_session()
    assert sidecar.result("logout") is None
    assert sidecar.stop() == 0

    forms = [
        dict(parse_qsl(r.body.decode())) for r in fake_tracker.requests_to("POST", "^/oauth/token$")
    ]
    minted = fake_tracker.call(lambda s: [t for t, v in s.tokens.items() if v.client_id])
    assert len(forms) == 2 and len(minted) == 2
    secrets = {"code": code, "client secret": CLIENT_SECRET}
    secrets |= {f"access token {n}": t for n, t in enumerate(minted)}
    secrets |= {"first refresh token": forms[1]["refresh_token"]}
    secrets |= {"second refresh token": str(refreshed.refresh_token)}
    texts = [("stdout", sidecar.stdout), ("stderr", sidecar.stderr)]
    for root in (sandbox, tmp_path):
        for path in root.rglob("*"):
            if path.is_file() and store_dir not in path.parents:
                texts.append((str(path), path.read_bytes().decode("utf-8", "replace")))
    found = [
        f"{name} in {where}" for where, text in texts for name, s in secrets.items() if s in text
    ]
    assert found == []
    # The store itself keeps them encrypted on disk.
    on_disk = b"".join(p.read_bytes() for p in store_dir.iterdir() if p.is_file())
    assert not any(s.encode() in on_disk for s in secrets.values())
