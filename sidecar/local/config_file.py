"""The user's `config.json` store: defaults, normalisation, atomic saves, a file system that hangs.

Rules of `docs/frontend-contract.md` §4.12, §8.2.

Owns: reading and writing the YTracker app's file in the config dir. A missing or unreadable
file silently yields the defaults, as in the app. Only a regular file is read (a FIFO, a device
or a folder named `config.json` gives the defaults without blocking), and at most `MAX_BYTES`
of it. Every file-system call runs in a daemon thread with a bounded wait (`offload.py`): a
hung network home costs one read `READ_TIMEOUT_S` once, then answers with the last known config
until the file system answers again, and never delays stdin EOF or SIGTERM. A `config.json`
that is a symbolic link is written through: the file it leads to is replaced atomically and the
link stays (a link to anything but a regular file, or a loop, is refused with a message).
Must not know: who uses the values.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import math
import os
import stat
import time
from datetime import datetime
from pathlib import Path

import msgspec

from sidecar.api.local import Config
from sidecar.errors import LocalIOError
from sidecar.local.offload import in_daemon_thread

log = logging.getLogger("sidecar.config")
_decoder = msgspec.json.Decoder(Config)

READ_TIMEOUT_S = 2.0
# A read younger than this answers `load` again. Every issue answer needs the workday's hours:
# a read per call cost a thread and two loop wake-ups (~0.4 ms of a ~0.7 ms `get_issue`); the
# app's own saves are seen at once, an edit by hand within a second.
FRESH_S = 1.0
WRITE_TIMEOUT_S = 5.0
MAX_BYTES = 1 << 20  # four settings; a file this big is not the app's
TEMP_PREFIX, TEMP_SUFFIX = ".config.", ".tmp"  # `leftovers.py` knows them too
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
_BINARY = getattr(os, "O_BINARY", 0)

Stamp = tuple[int, int, int]


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


def _stamp(info: os.stat_result) -> Stamp:
    """What changes when the file does: an edit (mtime, size) or a replacement (inode).

    Only a same-size rewrite in place within one tick of the file system's clock would go
    unseen (until the next change); `save` and editors replace the file instead.
    """
    return (info.st_mtime_ns, info.st_size, info.st_ino)


class ConfigStore:
    """`<config dir>/config.json`, current on every use like the app's, which re-read it (here
    at most once every `fresh_s`).

    Parsing is skipped while the file's stamp is unchanged: a per-call read and normalisation
    (two `strptime`s) showed up in the profile of every issue answer, which needs the workday.
    `load`/`save` are the loop's entry points; `read_now`/`write_now` are their blocking bodies.
    """

    def __init__(
        self,
        directory: Path,
        *,
        read_timeout_s: float = READ_TIMEOUT_S,
        write_timeout_s: float = WRITE_TIMEOUT_S,
        fresh_s: float = FRESH_S,
    ) -> None:
        self.path = directory / "config.json"
        self.read_timeout_s, self.write_timeout_s = read_timeout_s, write_timeout_s
        self.fresh_s = fresh_s
        self._parsed: tuple[Stamp, Config] | None = None
        self._known = Config()  # the last config read or saved: the answer of a silent disk
        self._reading: asyncio.Future[Config] | None = None
        self._read_deadline = 0.0
        self._read_at = -math.inf  # when the last read or save finished (monotonic seconds)

    # -- the event loop's side ------------------------------------------------------------

    async def load(self) -> Config:
        """The current config, read off the loop unless a read or save finished less than
        `fresh_s` ago; the last known one when the file system does not answer within
        `read_timeout_s` (a read already overdue is not waited for)."""
        if time.monotonic() - self._read_at < self.fresh_s:
            return msgspec.structs.replace(self._known)
        reading = self._start_reading()
        remaining = self._read_deadline - time.monotonic()
        if remaining > 0:
            try:
                return msgspec.structs.replace(
                    await asyncio.wait_for(asyncio.shield(reading), remaining)
                )
            except TimeoutError:
                log.warning(
                    "%s did not answer within %g s; using the last known config",
                    self.path,
                    self.read_timeout_s,
                )
        return msgspec.structs.replace(self._known)

    def current(self) -> Config | None:
        """The last config read or saved, at once, for callers that cannot wait (a timer's
        tick); a read starts meanwhile, so the next call sees a change made on disk. None
        until a read or save has finished: the defaults are not the user's (an end of day at
        17:00 would wrap up an evening's start at once)."""
        _ = self._start_reading()  # its outcome lands in `_known`
        if self._read_at == -math.inf:
            return None
        return msgspec.structs.replace(self._known)

    def _start_reading(self) -> asyncio.Future[Config]:
        reading = self._reading
        if reading is None or reading.done():
            reading = self._reading = in_daemon_thread(self.read_now, name="config-read")
            self._read_deadline = time.monotonic() + self.read_timeout_s
        return reading

    async def save(self, config: Config) -> Config:
        """Write the normalised config atomically, off the loop; the old file stays whole when
        it fails.

        Raises:
            LocalIOError: the write failed, or did not finish within `write_timeout_s` (it may
                still land later; the old file or the new one is whole either way).
        """
        writing = in_daemon_thread(self.write_now, config, name="config-write")
        try:
            return await asyncio.wait_for(asyncio.shield(writing), self.write_timeout_s)
        except TimeoutError:
            raise LocalIOError(
                f"Saving {self.path} did not finish within {self.write_timeout_s:g} s: "
                "the folder does not answer"
            ) from None

    # -- blocking bodies (worker threads, tests) ------------------------------------------

    def read_now(self) -> Config:
        """The file's config, or the defaults when it is missing, unreadable or not a regular
        file. Blocks on the file system."""
        try:
            config = self._read()
        except (OSError, msgspec.DecodeError, UnicodeError, RecursionError):
            # Unreadable bytes are DecodeError or UnicodeDecodeError by msgspec version.
            config = Config()
        self._known, self._read_at = config, time.monotonic()
        return msgspec.structs.replace(config)  # a copy: callers may change it

    def _read(self) -> Config:
        fd = os.open(self.path, os.O_RDONLY | _NONBLOCK | _BINARY)
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return Config()  # a FIFO would block (or never end), a device never ends
            stamp = _stamp(info)
            if self._parsed is not None and self._parsed[0] == stamp:
                return self._parsed[1]
            data = file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            return Config()
        config = normalise(_decoder.decode(data))
        self._parsed = (stamp, config)
        return config

    def write_now(self, config: Config) -> Config:
        """Write the normalised config atomically; blocks on the file system.

        Raises:
            LocalIOError: the I/O error's text; the old file is left whole.
        """
        normalised = normalise(config)
        data = msgspec.json.format(msgspec.json.encode(normalised), indent=2)
        try:
            _write_atomically(self._write_target(), data)
        except OSError as exc:
            raise LocalIOError(str(exc)) from exc
        self._known, self._read_at = normalised, time.monotonic()
        return normalised

    def _write_target(self) -> Path:
        """`config.json` itself, or the file a symbolic link there leads to (a link into a
        dotfiles repository stays a link, its target gets the new content)."""
        if not os.path.islink(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self.path
        target = Path(os.path.realpath(self.path))
        if os.path.islink(target):  # realpath stops where links go round in a loop
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(self.path))
        if os.path.lexists(target) and not os.path.isfile(target):
            # Never replace a device, a FIFO or a folder somewhere else with our file.
            raise LocalIOError(f"{self.path} leads to {target}, which is not a regular file")
        return target


def _write_atomically(path: Path, data: bytes) -> None:
    """A temporary file beside `path`, flushed, then renamed over it (keeping its mode)."""
    import tempfile  # here: it loads shutil and more, which no start needs before `ready`

    mode = _kept_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _kept_mode(path: Path) -> int | None:
    """The permission bits of the file being replaced (never setuid, setgid or sticky)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) & 0o777 if stat.S_ISREG(info.st_mode) else None
