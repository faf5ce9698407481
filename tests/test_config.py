"""config.json: defaults, the app's normalisation, atomic saves, and I/O failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sidecar.api.local import Config
from sidecar.errors import LocalIOError
from sidecar.local.config_file import ConfigStore, normalise


def test_missing_or_broken_file_gives_defaults(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    assert store.load() == Config()
    store.path.write_text("{not json")
    assert store.load() == Config()
    store.path.write_text(json.dumps({"workday_hours": 300}))
    assert store.load() == Config()


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
    assert store.load() == Config()


def test_partial_file_takes_defaults_for_missing_keys(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.path.write_text(json.dumps({"workday_hours": 6, "extra": 1}))
    assert store.load() == Config(workday_hours=6)


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
    saved = store.save(Config(workday_hours=40, timer_notification_interval=5))
    assert saved == Config(workday_hours=24, timer_notification_interval=5)
    text = store.path.read_text()
    assert json.loads(text)["workday_hours"] == 24
    assert "\n  " in text  # pretty-printed like serde_json::to_string_pretty
    assert [p.name for p in store.path.parent.iterdir()] == ["config.json"]


def test_save_failure_is_local_io_and_keeps_the_old_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LocalIOError):
        ConfigStore(blocker).save(Config())
    assert blocker.read_text() == "x"


def test_every_change_on_disk_is_seen_by_the_next_load(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    assert store.load() == Config()
    store.path.write_text(json.dumps({"workday_hours": 6}))
    assert store.load() == Config(workday_hours=6)
    assert store.load() == Config(workday_hours=6)  # unchanged file: the parsed copy
    store.path.write_text(json.dumps({"workday_hours": 12}))  # rewritten in place
    assert store.load() == Config(workday_hours=12)
    replacement = tmp_path / "other.json"
    replacement.write_text(json.dumps({"workday_hours": 5}))
    replacement.replace(store.path)  # how editors and `save` write: a new inode
    assert store.load() == Config(workday_hours=5)
    store.path.unlink()
    assert store.load() == Config()


def test_a_loaded_config_can_be_changed_without_changing_the_next_load(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.save(Config(workday_hours=6))
    first = store.load()
    first.workday_hours = 1
    assert store.load() == Config(workday_hours=6)
