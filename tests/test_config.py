"""config.json: defaults, the app's normalisation, atomic saves, and I/O failures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sidecar.api.local import Config
from sidecar.errors import LocalIOError
from sidecar.local.config_file import ConfigStore, normalise
from tests.hostile.hung_fs import hung_folder


def test_missing_or_broken_file_gives_defaults(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    assert store.read_now() == Config()
    store.path.write_text("{not json")
    assert store.read_now() == Config()
    store.path.write_text(json.dumps({"workday_hours": 300}))
    assert store.read_now() == Config()


@pytest.mark.parametrize(
    "content",
    [
        b'{"workday_start_time": "09:\xff0"}',  # invalid UTF-8 inside a string
        b'{"workday_hours": 8, "x": "\xed\xa0\x80"}',  # a UTF-8-encoded surrogate
        b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_unreadable_bytes_give_defaults(tmp_path: Path, content: bytes) -> None:
    store = ConfigStore(tmp_path)
    store.path.write_bytes(content)
    assert store.read_now() == Config()


def test_partial_file_takes_defaults_for_missing_keys(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.path.write_text(json.dumps({"workday_hours": 6, "extra": 1}))
    assert store.read_now() == Config(workday_hours=6)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (Config(timer_notification_interval=0), Config(timer_notification_interval=1)),
        (Config(workday_hours=0), Config(workday_hours=1)),
        (Config(workday_hours=30), Config(workday_hours=24)),
        (Config(workday_start_time=" 08:30 "), Config(workday_start_time="08:30")),
        (Config(workday_start_time="25:00"), Config()),
        (Config(workday_end_time="soon"), Config()),
    ],
)
def test_normalise(given: Config, expected: Config) -> None:
    assert normalise(given) == expected


def test_save_writes_pretty_normalised_json_atomically(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "nested")
    saved = store.write_now(Config(workday_hours=40, timer_notification_interval=5))
    assert saved == Config(workday_hours=24, timer_notification_interval=5)
    text = store.path.read_text()
    assert json.loads(text)["workday_hours"] == 24
    assert "\n  " in text  # pretty-printed like serde_json::to_string_pretty
    assert [p.name for p in store.path.parent.iterdir()] == ["config.json"]


def test_save_failure_is_local_io_and_keeps_the_old_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LocalIOError):
        ConfigStore(blocker).write_now(Config())
    assert blocker.read_text() == "x"


def test_every_change_on_disk_is_seen_by_the_next_load(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    assert store.read_now() == Config()
    store.path.write_text(json.dumps({"workday_hours": 6}))
    assert store.read_now() == Config(workday_hours=6)
    assert store.read_now() == Config(workday_hours=6)  # unchanged file: the parsed copy
    store.path.write_text(json.dumps({"workday_hours": 12}))  # rewritten in place
    assert store.read_now() == Config(workday_hours=12)
    replacement = tmp_path / "other.json"
    replacement.write_text(json.dumps({"workday_hours": 5}))
    replacement.replace(store.path)  # how editors and `save` write: a new inode
    assert store.read_now() == Config(workday_hours=5)
    store.path.unlink()
    assert store.read_now() == Config()


def test_a_loaded_config_can_be_changed_without_changing_the_next_load(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.write_now(Config(workday_hours=6))
    first = store.read_now()
    first.workday_hours = 1
    assert store.read_now() == Config(workday_hours=6)


async def test_a_read_or_save_answers_loads_for_a_while(tmp_path: Path) -> None:
    """Every issue answer loads the config: within `fresh_s` of a read the file is not read
    again; the store's own save counts at once."""
    store = ConfigStore(tmp_path, fresh_s=3600)
    store.path.write_text(json.dumps({"workday_hours": 6}))
    assert await store.load() == Config(workday_hours=6)
    store.path.write_text(json.dumps({"workday_hours": 12}))
    assert await store.load() == Config(workday_hours=6)
    await store.save(Config(workday_hours=7))
    assert await store.load() == Config(workday_hours=7)
    store.path.write_text(json.dumps({"workday_hours": 12}))
    assert await ConfigStore(tmp_path, fresh_s=0).load() == Config(workday_hours=12)


# -- a symbolic link as config.json (issue 14, item 17): written through, never replaced ------


def _linked(tmp_path: Path, target: Path) -> ConfigStore:
    store = ConfigStore(tmp_path / "config")
    store.path.parent.mkdir()
    store.path.symlink_to(target)
    return store


def test_a_linked_config_is_written_through_to_its_target(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "ytracker.json"
    target.write_text(json.dumps({"workday_hours": 5}))
    target.chmod(0o644)
    store = _linked(tmp_path, target)
    assert store.read_now() == Config(workday_hours=5)
    store.write_now(Config(workday_hours=6))
    assert store.path.is_symlink() and store.path.resolve() == target
    assert json.loads(target.read_text())["workday_hours"] == 6
    assert target.stat().st_mode & 0o7777 == 0o644  # the target keeps its mode
    assert sorted(p.name for p in dotfiles.iterdir()) == ["ytracker.json"]  # no temporary
    assert store.read_now() == Config(workday_hours=6)


def test_a_dangling_link_gets_its_target_made(tmp_path: Path) -> None:
    (tmp_path / "dotfiles").mkdir()
    target = tmp_path / "dotfiles" / "ytracker.json"
    store = _linked(tmp_path, target)
    store.write_now(Config(workday_hours=7))
    assert store.path.is_symlink()
    assert json.loads(target.read_text())["workday_hours"] == 7


@pytest.mark.parametrize("kind", ["loop", "folder", "missing folder"])
def test_a_link_that_leads_nowhere_writable_is_refused_and_kept(tmp_path: Path, kind: str) -> None:
    if kind == "loop":
        target = tmp_path / "config" / "other.json"
        store = _linked(tmp_path, target)
        target.symlink_to(store.path)
        expected = "Too many levels of symbolic links"
    elif kind == "folder":
        target = tmp_path / "a-folder"
        target.mkdir()
        store = _linked(tmp_path, target)
        expected = "which is not a regular file"
    else:
        target = tmp_path / "nowhere" / "config.json"
        store = _linked(tmp_path, target)
        expected = "No such file or directory"
    link = os.readlink(store.path)
    with pytest.raises(LocalIOError, match=expected):
        store.write_now(Config(workday_hours=6))
    assert store.path.is_symlink() and os.readlink(store.path) == link
    assert [p for p in store.path.parent.iterdir() if p.name.startswith(".config.")] == []


# -- a folder that stops answering (issue 14, item 6) ---------------------------------------


async def test_a_silent_folder_answers_with_the_last_known_config(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path, read_timeout_s=0.2, write_timeout_s=0.2, fresh_s=0)
    store.write_now(Config(workday_hours=6))
    assert await store.load() == Config(workday_hours=6)
    with hung_folder(over=tmp_path):
        assert await store.load() == Config(workday_hours=6)  # the read is still blocked
        assert await store.load() == Config(workday_hours=6)  # overdue: not waited for again
        with pytest.raises(LocalIOError, match=r"did not finish within 0\.2 s"):
            await store.save(Config(workday_hours=7))
    assert store.read_now() == Config(workday_hours=6)  # the folder is back, the file whole
