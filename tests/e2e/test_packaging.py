"""What a frozen build can break, checked on whatever `sidecar_command()` runs.

TLS trust and `--version` run against the source and the binary alike. The onefile lifecycle
tests need the binary (YTRACKER_SIDECAR_BIN) on POSIX: its launcher and the Python program are
two processes, and the launcher unpacks the bundle into `$TMPDIR/_MEI*` on every start.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sidecar import PROTOCOL_VERSION, __version__
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar, sidecar_command
from tests.e2e.signed_in import LOGIN
from tests.fakes.tracker import FakeTrackerServer

FROZEN = bool(os.environ.get("YTRACKER_SIDECAR_BIN"))
needs_onefile = pytest.mark.skipif(
    not FROZEN or sys.platform == "win32",
    reason="onefile launcher behaviour: needs YTRACKER_SIDECAR_BIN on POSIX",
)


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- provenance ------------------------------------------------------------------------------


def test_version_names_package_and_git_revision(tmp_path: Path) -> None:
    # Outside the repo, so a frozen build cannot ask git: the revision must be baked in.
    out = subprocess.run(
        [*sidecar_command(), "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    pattern = rf"ytracker-sidecar {re.escape(__version__)} \(git [0-9a-f]{{7,}}(-dirty)?, "
    pattern += rf"protocol {re.escape(PROTOCOL_VERSION)}\)\n"
    if not FROZEN:
        pattern = pattern.replace("[0-9a-f]{7,}(-dirty)?", "([0-9a-f]{7,}|unknown)")
    assert re.fullmatch(pattern, out), out


# -- TLS trust -------------------------------------------------------------------------------


def tls_env(tmp_path: Path, ca_file: str | None) -> dict[str, str]:
    """An OS trust store (as OpenSSL finds it) holding only `ca_file`, or nothing at all."""
    empty_dir = tmp_path / "no-certs"
    empty_dir.mkdir(exist_ok=True)
    if ca_file is None:
        ca_file = str(tmp_path / "empty.pem")
        Path(ca_file).write_text("")
    return {"SSL_CERT_FILE": ca_file, "SSL_CERT_DIR": str(empty_dir)}


def without_ca_flag(fake: FakeTrackerServer) -> list[str]:
    args = fake_args(fake)
    at = args.index("--ca-file")
    return args[:at] + args[at + 2 :]


def test_os_trust_store_is_used_without_ca_file(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    sidecar = spawn(*without_ca_flag(fake_tracker), env=tls_env(tmp_path, fake_tracker.ca_file))
    assert sidecar.result("login_with_token", LOGIN) is True
    assert sidecar.result("get_issue", {"issueKey": "TEST-1"})["key"] == "TEST-1"


def test_unknown_certificate_is_refused(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    sidecar = spawn(*without_ca_flag(fake_tracker), env=tls_env(tmp_path, None))
    assert sidecar.result("login_with_token", LOGIN) is True
    error = sidecar.error("get_issue", {"issueKey": "TEST-1"})
    assert error["data"]["kind"] == "network", error
    assert "certificate" in error["message"].lower(), error
    assert fake_tracker.requests_to("GET", r"/v3/issues/") == []


# -- the onefile launcher ----------------------------------------------------------------------


def children(pid: int) -> list[int]:
    listing = Path(f"/proc/{pid}/task/{pid}/children")
    if listing.exists():
        return [int(p) for p in listing.read_text().split()]
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def is_running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's new parent may be slow to reap it)."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return bool(out.stdout.strip()) and not out.stdout.strip().startswith("Z")


class Onefile:
    """Onefile sidecars sharing one private temp dir, so their extraction folders are visible."""

    def __init__(self, spawn: SpawnFn, tmp_path: Path) -> None:
        self.spawn = spawn
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()

    def folders(self) -> set[Path]:
        return set(self.tmp.glob("_MEI*"))

    def start(self) -> tuple[Sidecar, int, Path]:
        """A running sidecar, its Python child's pid and its extraction folder."""
        before = self.folders()
        sidecar = self.spawn("--secrets", "memory", env={"TMPDIR": str(self.tmp)})
        sidecar.notification("ready")
        assert sidecar.result("ping") == "pong"
        assert eventually(lambda: len(children(sidecar.proc.pid)) == 1)
        (child,) = children(sidecar.proc.pid)
        (folder,) = self.folders() - before
        return sidecar, child, folder


@pytest.fixture
def onefile(spawn: SpawnFn, tmp_path: Path) -> Onefile:
    return Onefile(spawn, tmp_path)


def start_and_hard_kill(onefile: Onefile, keeper_folder: Path) -> Path:
    """One run whose launcher is SIGKILLed (what Tauri's kill() does); its leaked folder."""
    sidecar, child, folder = onefile.start()
    # This start removed the folder the previous hard kill leaked, and nothing else.
    assert eventually(lambda: onefile.folders() == {keeper_folder, folder}), onefile.folders()
    os.kill(sidecar.proc.pid, signal.SIGKILL)
    sidecar.proc.wait(timeout=5)
    time.sleep(0.2)
    assert is_running(child), "the orphaned child should live until its stdin closes"
    sidecar.close_stdin()
    assert eventually(lambda: not is_running(child), 5.0), "the orphan ignored stdin EOF"
    assert folder.exists()  # the launcher died before it could clean up
    return folder


@needs_onefile
def test_killed_launchers_leak_nothing_across_runs(onefile: Onefile) -> None:
    keeper, _, keeper_folder = onefile.start()  # a live neighbour: its folder must survive
    leaked = [start_and_hard_kill(onefile, keeper_folder) for _ in range(3)]
    assert keeper.result("ping") == "pong"
    assert keeper.stop() == 0
    assert onefile.folders() == {leaked[-1]}
    last, _, folder = onefile.start()
    assert eventually(lambda: onefile.folders() == {folder})
    assert last.stop() == 0
    assert onefile.folders() == set()


@needs_onefile
def test_shutdown_ends_launcher_and_program(onefile: Onefile) -> None:
    sidecar, child, folder = onefile.start()
    assert sidecar.result("shutdown") is None
    sidecar.send({"jsonrpc": "2.0", "method": "exit"})
    assert sidecar.wait(timeout=5) == 0
    assert not is_running(child)
    assert not folder.exists()


@needs_onefile
def test_sigterm_to_launcher_reaches_the_program(onefile: Onefile) -> None:
    sidecar, child, folder = onefile.start()
    os.kill(sidecar.proc.pid, signal.SIGTERM)
    assert sidecar.wait(timeout=5) == 0
    assert not is_running(child)
    assert not folder.exists()


# -- extension modules unpacked on first import (see build/rthook_lazy_binaries.py) ------------


def keyring_probe(spawn: SpawnFn, cache: Path) -> dict[str, object]:
    """`has_session` through the OS keyring, which imports cryptography's Rust core on Linux."""
    sidecar = spawn("--secrets", "keyring", env={"XDG_CACHE_HOME": str(cache)})
    response = sidecar.call("has_session")
    assert sidecar.stop() == 0
    if "result" in response:
        return response
    # No store here: it must have failed for want of a D-Bus session, a daemon or an unlocked
    # collection, which keyring checks only after secretstorage (and cryptography) imported.
    message = response["error"]["message"]
    reached_dbus = ("Unable to initialize SecretService", "neither running nor activatable")
    assert any(phrase in message for phrase in (*reached_dbus, "locked")), message
    return response


@needs_onefile
@pytest.mark.skipif(sys.platform != "linux", reason="cryptography is a Linux-only dependency")
def test_lazy_extension_is_unpacked_once_into_the_user_cache(
    spawn: SpawnFn, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    keyring_probe(spawn, cache)
    (unpacked,) = cache.glob("ytracker-sidecar/lazy-*/cryptography/hazmat/bindings/_rust*")
    first = unpacked.stat()
    keyring_probe(spawn, cache)
    again = unpacked.stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert [p.name for p in unpacked.parent.iterdir()] == [unpacked.name]  # no partial files


@needs_onefile
@pytest.mark.skipif(sys.platform != "linux", reason="cryptography is a Linux-only dependency")
def test_lazy_extension_without_a_writable_cache(spawn: SpawnFn, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "cache"
    not_a_dir.write_text("")
    keyring_probe(spawn, not_a_dir)
