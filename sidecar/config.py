"""The app's `config.json`: defaults, normalisation, atomic saves (frontend contract §4.12, §8.2).

Owns: reading and writing the file in the config dir. A missing or unreadable file silently
yields the defaults, as in the app. Must not know: who uses the values.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import msgspec

from sidecar.api.local import Config
from sidecar.tracker.errors import LocalIOError

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


class ConfigStore:
    """`<config dir>/config.json`, re-read on every use like the app did."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "config.json"

    def load(self) -> Config:
        try:
            return normalise(_decoder.decode(self.path.read_bytes()))
        except (OSError, msgspec.DecodeError):
            return Config()

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
