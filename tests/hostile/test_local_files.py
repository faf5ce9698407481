"""Local files under attack: downloads onto missing, read-only, full and wrong destinations;
uploads of missing, unreadable, special and huge files.

Every failure must be a clear error of kind `local_io` (or `invalid` for what Tracker or the
contract refuses), never retryable, leave no partial or temporary file, and leave the file
already at the destination as it was. A missing folder that can be created is created
(`docs/frontend-contract.md` §9.9). Read-only folders and a full disk are real: a read-only bind
mount and a 256 KiB tmpfs when this runs as root and may mount (as CI does), else a folder
without write permission and a file-size limit (RLIMIT_FSIZE) on the sidecar.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.lifecycle import KEPT, SERVER_LOG, ended_within, leftovers

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux file systems")

SMALL_DISK = 256 * 1024
BIG_BODY = os.urandom(1024 * 1024)


def _mount(*args: str) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", *args], capture_output=True, timeout=20)
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=20)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` read-only for the sidecar: a read-only bind mount, or mode 0555 for non-root."""
    if _mount("--bind", str(folder), str(folder)):
        try:
            if not _mount("-o", "remount,ro,bind", str(folder)):
                pytest.skip("cannot remount read-only")
            yield
        finally:
            _umount(folder)
    elif os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
    else:
        pytest.skip("root without mount: no way to make a folder read-only for the sidecar")


@pytest.fixture
def sidecar(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> Sidecar:
    return start_signed_in(spawn, fake_tracker)


def download(sidecar: Sidecar, dest: Path | str) -> dict[str, Any]:
    params = {"issueKey": "TEST-1", "attachmentId": "302", "destPath": str(dest)}
    return sidecar.call("download_attachment", params, timeout=30)


def upload(sidecar: Sidecar, path: Path | str, timeout: float = 30) -> dict[str, Any]:
    return sidecar.call("upload_attachment", {"issueKey": "TEST-1", "filePath": str(path)}, timeout)


def local_io(response: dict[str, Any], *fragments: str) -> None:
    error = response["error"]
    assert error["data"]["kind"] == "local_io", error
    assert error["data"]["retryable"] is False and error["data"]["status"] is None
    for fragment in fragments:
        assert fragment in error["message"], error


def fetched_content(fake: FakeTrackerServer) -> int:
    return len(fake.requests_to("GET", SERVER_LOG))


# -- downloads --------------------------------------------------------------------------------


def test_a_missing_folder_that_can_be_made_is_made(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    dest = tmp_path / "new" / "deeper" / "server.log"
    assert download(sidecar, dest)["result"] is None
    assert dest.read_bytes() == fake_tracker.call(lambda s: s.attachments[302].data)
    assert leftovers(tmp_path) == [str(dest)]


def test_a_folder_that_cannot_be_made(sidecar: Sidecar, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(KEPT)
    local_io(download(sidecar, tmp_path / "a-file" / "sub" / "x.log"), "io error: ", "a-file")
    assert leftovers(tmp_path) == [str(tmp_path / "a-file")]
    assert (tmp_path / "a-file").read_bytes() == KEPT


def test_a_missing_folder_under_a_read_only_one(sidecar: Sidecar, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked):
        local_io(download(sidecar, locked / "new" / "x.log"), "io error: ", str(locked / "new"))
    assert list(locked.iterdir()) == []


def test_a_read_only_folder_keeps_its_file(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "server.log").write_bytes(KEPT)
    with read_only(locked):
        local_io(download(sidecar, locked / "server.log"), "io error: ", str(locked))
        local_io(download(sidecar, locked / "other.log"), "io error: ", str(locked))
    assert leftovers(locked) == [str(locked / "server.log")]
    assert (locked / "server.log").read_bytes() == KEPT


def test_a_destination_that_is_a_folder(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "inside").write_bytes(KEPT)
    local_io(download(sidecar, tmp_path / "folder"), "Is a directory (os error 21)")
    assert fetched_content(fake_tracker) == 0  # refused before any byte was fetched
    assert leftovers(tmp_path) == [str(tmp_path / "folder" / "inside")]


def test_a_blank_destination_is_invalid(sidecar: Sidecar, fake_tracker: FakeTrackerServer) -> None:
    error = download(sidecar, "   ")["error"]
    assert error["message"] == "Destination path cannot be empty"
    assert error["data"]["kind"] == "invalid"
    assert fetched_content(fake_tracker) == 0


@contextlib.contextmanager
def small_disk(folder: Path) -> Iterator[str]:
    """A 256 KiB file system at `folder` ("tmpfs"), else "rlimit" (set for the next spawn)."""
    folder.mkdir()
    if _mount("-t", "tmpfs", "-o", f"size={SMALL_DISK},mode=0777", "tmpfs", str(folder)):
        try:
            yield "tmpfs"
        finally:
            _umount(folder)
    else:
        yield "rlimit"


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """RLIMIT_FSIZE for processes started inside (Python ignores SIGXFSZ: writes get EFBIG)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_a_full_disk_keeps_the_existing_file(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    with small_disk(disk) as kind:
        if kind == "rlimit":
            with file_size_limit(SMALL_DISK):
                sidecar = start_signed_in(spawn, fake_tracker)
        else:
            sidecar = start_signed_in(spawn, fake_tracker)
        (disk / "server.log").write_bytes(KEPT)
        headers = {"Content-Type": "text/plain"}
        fake_tracker.faults.add("GET", SERVER_LOG, status=200, headers=headers, body=BIG_BODY)
        expected = "No space left on device (os error 28)" if kind == "tmpfs" else "(os error 27)"
        response = download(sidecar, disk / "server.log")
        local_io(response, expected, str(disk / "server.log"))
        assert leftovers(disk) == [str(disk / "server.log")]
        assert (disk / "server.log").read_bytes() == KEPT
        if kind == "tmpfs":
            assert os.statvfs(disk).f_bfree * os.statvfs(disk).f_frsize > SMALL_DISK // 2
        assert sidecar.result("ping") == "pong"
        sidecar.stop()


# -- uploads ----------------------------------------------------------------------------------


def posted(fake: FakeTrackerServer) -> int:
    return len(fake.requests_to("POST", r"/attachments"))


def test_uploading_a_missing_file(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.txt"
    local_io(upload(sidecar, missing), "Failed to read file: ", "(os error 2)", str(missing))
    assert posted(fake_tracker) == 0


def test_uploading_a_folder(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    local_io(upload(sidecar, tmp_path), "Failed to read file: ", "(os error 21)")
    assert posted(fake_tracker) == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its mode")
def test_uploading_an_unreadable_file(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(KEPT)
    secret.chmod(0)
    local_io(upload(sidecar, secret), "Failed to read file: ", "(os error 13)")
    assert posted(fake_tracker) == 0


def test_uploading_a_file_tracker_finds_too_big(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    fake_tracker.call(lambda s: setattr(s, "max_upload_bytes", 1024 * 1024))
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as file:
        file.truncate(8 * 1024 * 1024)  # sparse: 8 MiB of zeros without writing them
    error = upload(sidecar, huge)["error"]
    assert error["data"]["kind"] == "invalid" and error["data"]["status"] == 413, error
    assert error["message"].startswith("http 413 Payload Too Large: "), error
    assert posted(fake_tracker) == 1  # a POST is not re-sent
    assert sidecar.result("ping") == "pong"


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_uploading_a_pipe_or_device_is_refused_at_once(
    sidecar: Sidecar, fake_tracker: FakeTrackerServer, tmp_path: Path, special: str
) -> None:
    """A FIFO opens only when a writer comes, /dev/zero never ends: neither can be uploaded,
    and neither may hold up other requests or the exit."""
    path = tmp_path / "pipe" if special == "fifo" else Path(special)
    if special == "fifo":
        os.mkfifo(path)
    local_io(upload(sidecar, path, timeout=5), "Failed to read file: not a regular file: ")
    assert posted(fake_tracker) == 0
    started = time.monotonic()
    sidecar.close_stdin()
    assert ended_within(sidecar, started) == 0
