"""The user's `config.json` store: defaults, normalisation, atomic saves.

Rules of `docs/frontend-contract.md` §4.12, §8.2.

Owns: reading and writing the YTracker app's file in the config dir. A missing or unreadable
file silently yields the defaults, as in the app. Must not know: who uses the values.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import msgspec

from sidecar.api.local import Config
from sidecar.errors import LocalIOError

_decoder = msgspec.json.Decoder(Config)


def normalise(config: Config) -> Config:
    """The app's rules: interval 0 → 1, workday hours clamped to 1..24, bad times reset."""
    return Config(
        timer_notification_interval=max(config.timer_notification_interval, 1),
        workday_hours=min(max(config.workday_hours, 1), 24),
        workday_start_time=_time_or(config.workday_start_time, "09:00"),
        workday_end_time=_time_or(config.workday_end_time, "17:00"),
    )


def _time_or(value: str, fallback: str) -> str:
    trimmed = value.strip()
    try:
        datetime.strptime(trimmed, "%H:%M")
    except ValueError:
        return fallback
    return trimmed


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file does: an edit (mtime, size) or a replacement (inode).

    Only a same-size rewrite in place within one tick of the file system's clock would go
    unseen (until the next change); `save` and editors replace the file instead.
    """
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


class ConfigStore:
    """`<config dir>/config.json`, current on every use like the app's, which re-read it.

    Parsing is skipped while the file's stamp is unchanged: a per-call read and normalisation
    (two `strptime`s) showed up in the profile of every issue answer, which needs the workday.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / "config.json"
        self._parsed: tuple[tuple[int, int, int], Config] | None = None

    def load(self) -> Config:
        stamp = _stamp(self.path)
        if stamp is not None and self._parsed is not None and self._parsed[0] == stamp:
            return msgspec.structs.replace(self._parsed[1])  # a copy: callers may change it
        try:
            config = normalise(_decoder.decode(self.path.read_bytes()))
        except (OSError, msgspec.DecodeError, UnicodeError, RecursionError):
            # Unreadable bytes are DecodeError or UnicodeDecodeError by msgspec version.
            return Config()
        if stamp is not None:
            self._parsed = (stamp, config)
        return msgspec.structs.replace(config)

    def save(self, config: Config) -> Config:
        """Write the normalised config atomically; an I/O failure keeps the old file intact."""
        normalised = normalise(config)
        try:
            self._write_atomically(msgspec.json.format(msgspec.json.encode(normalised), indent=2))
        except OSError as exc:
            raise LocalIOError(str(exc)) from exc
        return normalised

    def _write_atomically(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".config.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
