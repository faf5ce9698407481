"""`config.json` under attack: a folder that never answers, a FIFO, a device, a huge file, and a
symbolic link (issue 14, items 6 and 17).

A hung file system is real: a FUSE mount whose server never replies (`hung_fs.py`), so every
call in it blocks in the kernel as one on a network home whose server went away does. The
sidecar must go on answering, use the last known config (the defaults at first), refuse a save
it cannot finish with a clear `local_io` error, and still end within 2 s on stdin EOF or SIGTERM.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import FakeTrackerServer
from tests.hostile.hung_fs import hung_folder
from tests.hostile.lifecycle import end, ended_within

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux file systems")

DEFAULTS = {
    "timer_notification_interval": 15,
    "workday_hours": 8,
    "workday_start_time": "09:00",
    "workday_end_time": "17:00",
}
SIX_HOURS = {**DEFAULTS, "workday_hours": 6}


def on_config(spawn: SpawnFn, fake: FakeTrackerServer, folder: Path) -> Sidecar:
    return start_signed_in(spawn, fake, env={"YTRACKER_CONFIG_DIR": str(folder)})


def still_serving(sidecar: Sidecar) -> None:
    """Local and Tracker-backed calls answer; an issue needs the workday (the config)."""
    assert sidecar.result("ping") == "pong"
    issue = sidecar.result("get_issue", {"issueKey": "TEST-1"}, timeout=10)
    assert issue["key"] == "TEST-1"


# -- a folder that never answers ---------------------------------------------------------------


def test_a_hung_config_folder_freezes_nothing_and_eof_still_ends(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    with hung_folder() as folder:
        sidecar = on_config(spawn, fake_tracker, folder)
        reading = sidecar.request("get_config")
        assert sidecar.result("ping") == "pong"  # answered while the read hangs
        assert sidecar.response(reading, timeout=10)["result"] == DEFAULTS
        still_serving(sidecar)  # the overdue read is not waited for again
        error = sidecar.error("save_config", {"config": SIX_HOURS}, timeout=15)
        assert error["data"]["kind"] == "local_io", error
        assert "did not finish within" in error["message"], error
        assert sidecar.result("get_config", timeout=10) == DEFAULTS
        started = time.monotonic()
        sidecar.close_stdin()
        assert ended_within(sidecar, started) == 0
    assert "did not answer within" in sidecar.stderr


@pytest.mark.parametrize("ending", ["eof", "sigterm"])
def test_a_pending_config_read_never_holds_up_the_end(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, ending: str
) -> None:
    with hung_folder() as folder:
        sidecar = on_config(spawn, fake_tracker, folder)
        reading = sidecar.request("get_config")
        saving = sidecar.request("save_config", {"config": SIX_HOURS})
        assert sidecar.result("ping") == "pong"
        started = end(sidecar, ending)
        assert ended_within(sidecar, started) == 0
        answered = {m["id"]: m for m in sidecar.drain_stdout() if "id" in m}
        assert set(answered) >= {reading, saving}  # each answered once, nothing left hanging


# -- what is not a regular file, or too big to be ours ------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _huge(path: Path) -> None:
    with path.open("wb") as file:
        file.truncate(64 * 1024 * 1024)  # sparse: 64 MiB of zeros without writing them


def _folder(path: Path) -> None:
    path.mkdir()


@pytest.mark.parametrize("make", [_fifo, _device, _huge, _folder], ids=lambda f: f.__name__[1:])
def test_a_config_that_is_no_regular_file_gives_the_defaults_at_once(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path, make: Any
) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    make(folder / "config.json")
    sidecar = on_config(spawn, fake_tracker, folder)
    assert sidecar.result("get_config", timeout=5) == DEFAULTS
    still_serving(sidecar)
    if make is _device:  # a link is written through, but never onto a device
        error = sidecar.error("save_config", {"config": SIX_HOURS})
        assert error["data"]["kind"] == "local_io", error
        assert "which is not a regular file" in error["message"], error
        assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)
    elif make is not _folder:  # a save replaces the FIFO or the huge file with the app's file
        assert sidecar.result("save_config", {"config": SIX_HOURS}) is None
        assert json.loads((folder / "config.json").read_text()) == SIX_HOURS
        assert sidecar.result("get_config") == SIX_HOURS
    started = time.monotonic()
    sidecar.close_stdin()
    assert ended_within(sidecar, started) == 0
