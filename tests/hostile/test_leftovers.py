"""After SIGKILL: our own temporary files are cleaned at the next start, and only those
(issue 14, item 18).

A sidecar killed mid-download and mid-save (nothing of ours runs on SIGKILL) leaves a `.part`
in the Downloads folder and a `.config.*.tmp` in the config folder. The next sidecar removes
them once they are older than a few minutes, and nothing else: not fresh ones (another live
process may be writing them), not look-alikes, not links, folders, files of another user, files
in subfolders or in folders it was never told about.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import SpawnFn, downloads_home
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.test_lifecycle import stalled_download

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux file systems")

HOUR_AGO = time.time() - 3600


def aged(path: Path, *, link: bool = False) -> Path:
    os.utime(path, (HOUR_AGO, HOUR_AGO), follow_symlinks=not link)
    return path


def old_file(path: Path) -> Path:
    path.write_bytes(b"x")
    return aged(path)


def folders(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    (home, env), config = downloads_home(tmp_path), tmp_path / "config"
    (home / "Downloads").mkdir()
    config.mkdir()
    return home / "Downloads", config, {**env, "YTRACKER_CONFIG_DIR": str(config)}


def wait_removed(paths: list[Path], limit_s: float = 15) -> None:
    deadline = time.monotonic() + limit_s
    while any(p.exists() for p in paths):
        assert time.monotonic() < deadline, [str(p) for p in paths if p.exists()]
        time.sleep(0.05)


def test_dead_temporary_files_of_ours_are_removed_at_start_and_nothing_else(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    downloads, config, env = folders(tmp_path)
    dead = [
        old_file(downloads / ".server.log.0123abcd.part"),
        old_file(downloads / ("." + "я" * 100 + ".89abcdef.part")),
        old_file(config / ".config.k3_x9q0z.tmp"),
    ]
    (tmp_path / "elsewhere").mkdir()
    (downloads / "sub").mkdir()
    fresh = downloads / ".fresh.log.0123abcd.part"  # a live process may be writing it
    fresh.write_bytes(b"x")
    kept = [
        fresh,
        old_file(downloads / "server.log.part"),  # a browser's, not ours
        old_file(downloads / ".server.log.0123ABCD.part"),
        old_file(downloads / ".config.k3_x9q0z.tmp"),  # ours only in the config folder
        old_file(config / ".server.log.0123abcd.part"),  # ours only in Downloads
        old_file(config / ".config.k3_x9q0z.tmp.bak"),
        old_file(downloads / "sub" / ".server.log.0123abcd.part"),  # no recursion
        old_file(tmp_path / "elsewhere" / ".server.log.0123abcd.part"),  # not told of it
        old_file(config / "config.json"),
        old_file(tmp_path / "target.txt"),
    ]
    link = downloads / ".link.0123abcd.part"
    link.symlink_to(tmp_path / "target.txt")
    kept.append(aged(link, link=True))
    folder = downloads / ".folder.0123abcd.part"
    folder.mkdir()
    kept.append(aged(folder))
    if os.geteuid() == 0:  # a file of another user, as root can make one
        other = old_file(downloads / ".other.log.0123abcd.part")
        os.chown(other, 54321, 54321)
        kept.append(other)
    sidecar = start_signed_in(spawn, fake_tracker, env=env)
    assert sidecar.result("ping") == "pong"
    wait_removed(dead)
    assert [str(p) for p in kept if not os.path.lexists(p)] == []


def test_what_a_killed_download_and_save_leave_is_cleaned_by_the_next_start(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    downloads, config, env = folders(tmp_path)
    first = start_signed_in(spawn, fake_tracker, env=env)
    stalled_download(first, fake_tracker, downloads / "server.log")
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)
    fake_tracker.faults.clear()
    left = [p for p in downloads.iterdir() if p.name.endswith(".part")]
    assert len(left) == 1  # the killed transfer's temporary file
    crashed_save = config / ".config.a1b2c3d4.tmp"  # what a save killed before its rename left
    crashed_save.write_bytes(b'{"workday_hours": 6')
    for path in [*left, crashed_save]:
        aged(path)
    second = start_signed_in(spawn, fake_tracker, env=env)
    wait_removed([*left, crashed_save])
    assert list(downloads.iterdir()) == []
    assert second.result("ping") == "pong"
