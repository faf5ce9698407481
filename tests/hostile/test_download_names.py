"""Downloads named by someone else (issue 14, items 8, 10 and 16), through a spawned sidecar.

The frontend pre-fills `destPath` with the attachment's own name, which whoever attached the file
chose. A name that is not an absolute path must land in the Downloads folder whatever it holds
(`../`, `..\\`, `~/`, NUL, separators); an absolute path (what a save dialog returns) is used as
given. Names up to the file system's 255 bytes must download although the temporary file beside
them needs a longer name. Replacing a symbolic link or a setuid file must never hand the new
file special mode bits. The pure rules for both platforms' syntax are in
`tests/handlers/test_downloads.py`; these run the real process on real files.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn, downloads_home
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.hung_fs import hung_folder
from tests.hostile.lifecycle import end, leftovers

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux file systems")

SHUTTING_DOWN = -32802
EXIT_GUARD_S = 10.0  # a hang guard; the time is printed


def umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME whose XDG Downloads folder is `home/Downloads` (made by the first download)."""
    return downloads_home(tmp_path)[0]


@pytest.fixture
def sidecar(spawn: SpawnFn, fake_tracker: FakeTrackerServer, home: Path, tmp_path: Path) -> Sidecar:
    """Its working folder is `tmp_path/cwd`: a path taken as relative to it stays in sight."""
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    (tmp_path / "cwd").mkdir()
    return start_signed_in(spawn, fake_tracker, env=env, cwd=tmp_path / "cwd")


@pytest.fixture
def content(fake_tracker: FakeTrackerServer) -> bytes:
    data: bytes = fake_tracker.call(lambda s: s.attachments[302].data)
    return data


def download(sidecar: Sidecar, dest: str | Path) -> dict[str, Any]:
    params = {"issueKey": "TEST-1", "attachmentId": "302", "destPath": str(dest)}
    return sidecar.call("download_attachment", params, timeout=30)


@pytest.mark.parametrize(
    ("given", "landed"),
    [
        ("../escaped.log", "escaped.log"),
        ("../../escaped.log", "escaped.log"),
        ("..\\escaped.log", "escaped.log"),
        ("~/.bashrc", "~_.bashrc"),
        ("logs/2026/server.log", "logs_2026_server.log"),
        ("a\x00b.log", "a_b.log"),
        ("..", "download"),
    ],
)
def test_a_name_that_is_not_absolute_lands_in_downloads(
    sidecar: Sidecar, tmp_path: Path, home: Path, content: bytes, given: str, landed: str
) -> None:
    response = download(sidecar, given)
    assert response.get("result", "error") is None, response
    downloads = home / "Downloads"
    assert (downloads / landed).read_bytes() == content
    user_dirs = home / ".config" / "user-dirs.dirs"
    assert sorted(leftovers(tmp_path)) == sorted([str(downloads / landed), str(user_dirs)])


def test_an_absolute_path_is_used_as_given(
    sidecar: Sidecar, tmp_path: Path, home: Path, content: bytes
) -> None:
    chosen = tmp_path / "elsewhere" / "deeper" / ".." / "server.log"
    assert download(sidecar, chosen)["result"] is None
    assert (tmp_path / "elsewhere" / "server.log").read_bytes() == content
    assert not (home / "Downloads").exists()


def test_an_absolute_path_with_a_nul_is_invalid(
    sidecar: Sidecar, tmp_path: Path, fake_tracker: FakeTrackerServer
) -> None:
    error = download(sidecar, f"{tmp_path}/a\x00b.log")["error"]
    assert error["data"]["kind"] == "invalid", error
    assert error["message"] == "Destination path contains a NUL character"
    assert fake_tracker.requests_to("GET", r"/attachments/302/") == []


@pytest.mark.parametrize(
    "name",
    [
        "я" * 121 + ".txt",  # 246 bytes: the temporary name would have had 261
        "я" * 125 + ".txt!",  # 255 bytes: the most a Linux file name holds
        "x" * 255,
    ],
    ids=["246 bytes", "255 bytes", "255 ascii"],
)
def test_a_name_of_up_to_255_bytes_downloads(
    sidecar: Sidecar, tmp_path: Path, content: bytes, name: str
) -> None:
    folder = tmp_path / "long"
    folder.mkdir()
    assert download(sidecar, folder / name)["result"] is None
    assert (folder / name).read_bytes() == content
    assert leftovers(folder) == [str(folder / name)]


def test_replacing_a_symlink_never_copies_special_bits_through_it(
    sidecar: Sidecar, tmp_path: Path, content: bytes
) -> None:
    tool = tmp_path / "tool"
    tool.write_bytes(b"#!/bin/sh\n")
    tool.chmod(0o4755)  # setuid, as /usr/bin/passwd is
    link = tmp_path / "server.log"
    link.symlink_to(tool)
    assert download(sidecar, link)["result"] is None
    assert not link.is_symlink() and link.read_bytes() == content
    assert stat.S_IMODE(link.lstat().st_mode) == 0o666 & ~umask()  # a new file's mode
    assert tool.read_bytes() == b"#!/bin/sh\n" and stat.S_IMODE(tool.stat().st_mode) == 0o4755


def test_replacing_a_file_keeps_its_permissions_but_no_special_bits(
    sidecar: Sidecar, tmp_path: Path, content: bytes
) -> None:
    dest = tmp_path / "server.log"
    dest.write_bytes(b"old")
    dest.chmod(0o6750)  # setuid and setgid
    assert download(sidecar, dest)["result"] is None
    assert dest.read_bytes() == content
    assert stat.S_IMODE(dest.stat().st_mode) == 0o750


@pytest.mark.parametrize("ending", ["eof", "sigterm"])
def test_a_download_into_a_folder_that_never_answers_never_holds_up_the_end(
    sidecar: Sidecar, ending: str
) -> None:
    with hung_folder() as folder:
        params = {"issueKey": "TEST-1", "attachmentId": "302", "destPath": f"{folder}/x.log"}
        held = sidecar.request("download_attachment", params)
        assert sidecar.result("ping") == "pong"
        started = end(sidecar, ending)
        code = sidecar.proc.wait(EXIT_GUARD_S)
        print(f"a download into a hung folder: {ending} to exit {time.monotonic() - started:.2f} s")
        assert code == 0
        answers = [m for m in sidecar.drain_stdout() if m.get("id") == held]
        assert [a["error"]["code"] for a in answers] == [SHUTTING_DOWN]
