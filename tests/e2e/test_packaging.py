"""What a frozen build can break, checked on whatever `sidecar_command()` runs.

TLS trust and `--version` run against the source and the binary alike. The onefile lifecycle
tests need the binary (YTRACKER_SIDECAR_BIN) on POSIX: its launcher and the Python program are
two processes, and the launcher unpacks the bundle into `$TMPDIR/_MEI*` on every start. The
native-library cache tests need it on Linux: they read the program's memory maps and the
archive inside the binary (with `build/native_cache.py` as a plain module).
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
from tests.build.accidents import flip_a_byte
from tests.build_modules import load
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar, sidecar_command
from tests.e2e.signed_in import LOGIN
from tests.fakes.tracker import FakeTrackerServer

FROZEN = bool(os.environ.get("YTRACKER_SIDECAR_BIN"))
native_cache = load("native_cache")
code_cache = load("code_cache")
needs_onefile = pytest.mark.skipif(
    not FROZEN or sys.platform == "win32",
    reason="onefile launcher behaviour: needs YTRACKER_SIDECAR_BIN on POSIX",
)
needs_linux_onefile = pytest.mark.skipif(
    not FROZEN or sys.platform != "linux",
    reason="native-library cache, partial-folder marker: needs YTRACKER_SIDECAR_BIN on Linux",
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


# -- native libraries from the user cache (see build/native_cache.py) ----------------------------


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
    (unpacked,) = cache.glob("ytracker-sidecar/native-*/cryptography/hazmat/bindings/_rust*")
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


def binary() -> str:
    return sidecar_command()[0]


def cached_files(cache: Path) -> dict[str, Path]:
    """Relative name → path of every library in the binary's cache folder(s) under `cache`
    (its Python code file, code_cache.py's, aside)."""
    found = {}
    for folder in cache.glob("ytracker-sidecar/native-*"):
        files = [p for p in folder.rglob("*") if p.is_file() and p.name != code_cache.NAME]
        found.update({str(p.relative_to(folder)): p for p in files})
    return found


def archive_members() -> dict[str, object]:
    where = native_cache.locate("/nonexistent", binary())
    assert where is not None, "no native archive inside the binary"
    members: dict[str, object] = native_cache.Archive(*where).members
    return members


def assert_whole(files: dict[str, Path]) -> None:
    """Every file is a member of the binary's archive, with its size and CRC-32."""
    members = archive_members()
    assert set(files) <= set(members), set(files) - set(members)
    for name, path in files.items():
        assert native_cache.matches(str(path), members[name]), name


def mapped_libraries(pid: int) -> set[str]:
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    paths = {line.split(maxsplit=5)[-1] for line in lines if len(line.split(maxsplit=5)) == 6}
    return {path for path in paths if ".so" in Path(path).name}


@needs_linux_onefile
def test_native_libraries_load_from_the_user_cache(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    sidecar = spawn(
        *fake_args(fake_tracker), env={"XDG_CACHE_HOME": str(cache), "TMPDIR": str(tmp)}
    )
    assert sidecar.result("login_with_token", LOGIN) is True
    assert sidecar.result("get_issue", {"issueKey": "TEST-1"})["key"] == "TEST-1"  # TLS, aiohttp
    (child,) = children(sidecar.proc.pid)
    (folder,) = cache.glob("ytracker-sidecar/native-*")
    (extraction,) = tmp.glob("_MEI*")
    ours = {p for p in mapped_libraries(child) if not p.startswith(("/usr/", "/lib"))}
    from_cache = {str(Path(p).relative_to(folder)) for p in ours if p.startswith(str(folder))}
    from_extraction = {Path(p).name.split(".")[0] for p in ours if p.startswith(str(extraction))}
    assert ours == {p for p in ours if p.startswith((str(folder), str(extraction)))}, ours
    assert from_extraction <= {"libpython3", "libffi", "libz", "_ctypes", "_struct", "zlib"}
    for name in ("libssl.so.3", "libcrypto.so.3", "msgspec/_core", "aiohttp/_http_parser"):
        assert any(f.startswith(name) for f in from_cache), (name, from_cache)
    assert not any("libssl" in p or "libcrypto" in p for p in mapped_libraries(child) - ours)
    assert_whole(cached_files(cache))
    unpacked = {p.name for p in extraction.rglob("*")}
    assert not unpacked & {"native.zip", "libssl.so.3", "libcrypto.so.3"}, unpacked


@needs_linux_onefile
def test_a_damaged_cached_library_is_unpacked_again(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert issue_over_tls(spawn(*fake_args(fake_tracker), env=env)) == "TEST-1"
    files = cached_files(tmp_path / "cache")  # that start has ended: nothing is unpacking now
    libssl, msgspec = files["libssl.so.3"], next(p for n, p in files.items() if "msgspec" in n)
    flip_a_byte(libssl)  # same size, new modification time
    os.truncate(msgspec, msgspec.stat().st_size // 2)
    damaged = [libssl.stat().st_ino, msgspec.stat().st_ino]
    assert issue_over_tls(spawn(*fake_args(fake_tracker), env=env)) == "TEST-1"
    # Each replaced by a new file (one file's freed inode may be reused by the other's copy).
    assert libssl.stat().st_ino != damaged[0] and msgspec.stat().st_ino != damaged[1]
    assert_whole(cached_files(tmp_path / "cache"))


def code_file_is_whole(path: Path) -> bool:
    """Stamped, with the size its header gives (what code_cache.py trusts)."""
    if not path.exists() or path.stat().st_mtime_ns != native_cache.STAMP_NS:
        return False
    _, size, _ = code_cache.HEADER.unpack(path.read_bytes()[: code_cache.HEADER.size])
    return bool(size == path.stat().st_size)


def open_files(pid: int) -> set[str]:
    return {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}


@needs_linux_onefile
def test_python_code_is_cached_by_a_run_that_settles_and_read_by_later_starts(
    spawn: SpawnFn, tmp_path: Path
) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = spawn("--secrets", "memory", env=env)
    assert first.result("ping") == "pong"
    folder = tmp_path / "cache" / "ytracker-sidecar"
    assert eventually(lambda: len(list(folder.glob(f"native-*/{code_cache.NAME}"))) == 1, 30)
    (path,) = folder.glob(f"native-*/{code_cache.NAME}")
    assert eventually(lambda: code_file_is_whole(path), 30)
    assert first.stop() == 0
    index, fd, _ = code_cache.open_file(str(path))
    os.close(fd)
    assert {"sidecar.app", "asyncio", "msgspec"} <= set(index)  # what `ready` needs
    later = spawn("--secrets", "memory", env=env)
    assert later.result("ping") == "pong"
    (child,) = children(later.proc.pid)
    assert str(path) in open_files(child)  # served from it
    assert later.stop() == 0
    with path.open("ab") as f:  # damaged: no longer trusted, so recorded and written anew
        f.write(b"\0")
    again = spawn("--secrets", "memory", env=env)
    assert again.result("ping") == "pong"
    assert eventually(lambda: code_file_is_whole(path), 30)
    assert again.stop() == 0


def issue_over_tls(sidecar: Sidecar) -> str:
    """Sign in and fetch TEST-1 over HTTPS (libssl, aiohttp), then stop: the issue's key."""
    assert sidecar.result("login_with_token", LOGIN) is True
    key: str = sidecar.result("get_issue", {"issueKey": "TEST-1"})["key"]
    assert sidecar.stop() == 0
    return key


def with_file_size_limit(megabytes: int, command: list[str]) -> list[str]:
    """`command` run with files capped at `megabytes` (a core dump is not wanted either)."""
    limits = f'ulimit -f {megabytes * 1024}; ulimit -c 0; exec "$@"'
    return ["bash", "-c", limits, "bash", *command]


@needs_linux_onefile
def test_a_start_that_cannot_finish_unpacking_leaves_nothing_trusted(
    spawn: SpawnFn, tmp_path: Path
) -> None:
    # 8 MB: the launcher's files fit (libpython 5.7 MB); cryptography's core (12 MB), unpacked
    # when the keyring is first used, does not: its write fails halfway, in both places.
    cache = tmp_path / "cache"
    request = b'{"jsonrpc":"2.0","id":1,"method":"has_session"}\n'
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "YTRACKER_CONFIG_DIR": str(tmp_path)}
    out = subprocess.run(
        with_file_size_limit(8, [binary(), "--secrets", "keyring"]),
        input=request,
        capture_output=True,
        env=env,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    # Answered, and the process lived on: the keyring backend could not load, so there is no
    # usable OS store, and the session would live in memory (said on stderr).
    assert b'"id":1,"result":false' in out.stdout, out.stdout
    assert b"No usable OS secret store" in out.stderr, out.stderr[-2000:]
    assert not any("_rust" in name for name in cached_files(cache)), cached_files(cache)
    assert not list(cache.rglob("*.partial"))
    assert_whole(cached_files(cache))
    keyring_probe(spawn, cache)  # without the limit, the same call does unpack it
    assert any("_rust" in name for name in cached_files(cache))
    assert_whole(cached_files(cache))


@needs_linux_onefile
def test_parallel_first_starts_share_one_whole_cache(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    sidecars = [spawn(*fake_args(fake_tracker), env=env) for _ in range(4)]
    assert [issue_over_tls(sidecar) for sidecar in sidecars] == ["TEST-1"] * 4
    files = cached_files(tmp_path / "cache")
    assert "libssl.so.3" in files
    assert not [name for name in files if name.endswith(".partial")]
    assert_whole(files)


@needs_linux_onefile  # the marker is in every onefile build; verified on Linux only
def test_a_launcher_killed_while_unpacking_leaves_no_folder_for_long(onefile: Onefile) -> None:
    # A 2 MB file-size limit kills the launcher (SIGXFSZ) while it writes libpython.
    killed = subprocess.run(
        with_file_size_limit(2, [binary(), "--version"]),
        env={**os.environ, "TMPDIR": str(onefile.tmp)},
        capture_output=True,
        timeout=30,
    )
    assert killed.returncode == -signal.SIGXFSZ, killed
    (partial,) = onefile.folders()
    others = {onefile.tmp / "_MEIother": "libfoo.so", onefile.tmp / "_MEIempty": None}
    for folder, file in others.items():  # another application's, and an empty one
        folder.mkdir()
        if file:
            (folder / file).write_bytes(b"")
    long_ago = time.time() - 3600
    for folder in others:
        os.utime(folder, (long_ago, long_ago))

    young, _, own = onefile.start()
    # Gone: the old empty folder. Kept: the partial one (it might be unpacking right now) and
    # the other application's.
    assert eventually(lambda: onefile.folders() == {partial, own, onefile.tmp / "_MEIother"})
    time.sleep(0.5)
    assert partial.exists()
    assert young.stop() == 0

    os.utime(partial, (long_ago, long_ago))
    last, _, own = onefile.start()
    assert eventually(lambda: onefile.folders() == {own, onefile.tmp / "_MEIother"})
    assert last.stop() == 0


# -- the path to `ready` -----------------------------------------------------------------------

# Native libraries of what must load after `ready` (tests/test_startup_imports.py has the whole
# deny-list; pure-Python modules leave no trace in a process's memory maps).
DENIED_NATIVE = (
    *("aiohttp/", "yarl/", "multidict/", "propcache/", "frozenlist/"),
    *("cryptography/", "_cffi_backend", "_sqlite3"),
)


def mapped_at_ready(folder: Path) -> tuple[set[str], bool]:
    """The program's mapped libraries when `ready` is read, and whether it had already begun
    to load the Tracker half (it does 50 ms after `ready`; then the snapshot is too late)."""
    folder.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache")}
    with (folder / "stderr").open("wb") as stderr:
        proc = subprocess.Popen(
            [binary(), "--secrets", "memory", "--log-level", "debug", "--config-dir", str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        assert proc.stdout is not None and proc.stdin is not None
        assert b'"ready"' in proc.stdout.readline()
        (child,) = children(proc.pid)
        os.kill(child, signal.SIGSTOP)
        try:
            mapped = mapped_libraries(child)
            late = "loading the Tracker half" in (folder / "stderr").read_text()
        finally:
            os.kill(child, signal.SIGCONT)
            proc.stdin.close()
            assert proc.wait(timeout=30) == 0
            proc.stdout.close()
    return mapped, late


@needs_linux_onefile
def test_the_binary_maps_nothing_denied_before_ready(tmp_path: Path) -> None:
    for attempt in range(5):
        mapped, late = mapped_at_ready(tmp_path / str(attempt))
        if not late:
            break
    assert not late, "every snapshot came after the Tracker half began to load"
    assert any("msgspec/_core" in lib for lib in mapped), mapped  # the cache's are seen
    assert [lib for lib in mapped if any(name in lib for name in DENIED_NATIVE)] == []
