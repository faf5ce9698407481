"""Where a downloaded attachment lands, and landing it atomically.

Rules of `docs/frontend-contract.md` §9.9.

Owns: the destination rules (trimmed; an absolute path is used as given, anything else is a
name made safe by `file_names.py` and put in the user's Downloads folder), finding that folder
(XDG user-dirs on Linux, `~/Downloads` elsewhere), and `AtomicFile`: bytes go to a hidden
temporary file beside the destination (`.<name>.<8 hex>.part`, the name cut so the whole stays
within the folder's name limit) that is renamed into place only when complete, so a failed or
cancelled transfer never leaves a partial file and never touches an existing one. A replaced
regular file keeps its permission bits, never setuid, setgid or sticky; a replaced symbolic link
becomes a new file of the default mode. Must not know: HTTP, Tracker or the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar

from sidecar.errors import InvalidInput, LocalIOError
from sidecar.local.file_names import (
    NAME_MAX,
    NUL_IN_PATH,
    Flavour,
    fit_name,
    is_absolute,
    safe_name,
)
from sidecar.local.offload import DaemonWorker

EMPTY_DESTINATION = "Destination path cannot be empty"
_XDG_LINE = re.compile(r'^\s*XDG_DOWNLOAD_DIR\s*=\s*"(?P<value>[^"]*)"\s*$')
_TEMP_ATTEMPTS = 8
# How long `discard` waits for the removal: long enough for any working disk, short enough that
# a request cancelled at exit is still answered within the endpoint's 0.2 s cancel grace.
DISCARD_WAIT_S = 0.1
T = TypeVar("T")
_BINARY = getattr(os, "O_BINARY", 0)  # Windows would otherwise translate newlines
NATIVE: Flavour = "windows" if sys.platform == "win32" else "posix"
TEMP_SUFFIX = ".part"
TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.part$")  # what `temp_name` makes (leftovers.py)


def os_error_text(exc: OSError) -> str:
    """`Permission denied (os error 13)`, as Rust's io::Error displayed itself."""
    return _error_text(exc.errno, exc.strerror or str(exc))


def _error_text(code: int | None, text: str) -> str:
    return f"{text} (os error {code})" if code else text


def io_error(exc: OSError, path: Path | str) -> LocalIOError:
    """`io error: Permission denied (os error 13): <path>`: the old backend's prefix."""
    return LocalIOError(f"io error: {os_error_text(exc)}: {path}")


def _os_error(code: int, path: Path) -> LocalIOError:
    return LocalIOError(f"io error: {_error_text(code, os.strerror(code))}: {path}")


# -- where ----------------------------------------------------------------------------------


def resolve_destination(
    dest_path: str, downloads: Path | None, cwd: Path, flavour: Flavour = NATIVE
) -> Path:
    """The absolute file path a download goes to: an absolute path as given, anything else as
    a safe name in `downloads` (`cwd` when there is no Downloads folder).

    Raises:
        InvalidInput: the trimmed path is empty, or an absolute one holds a NUL.
    """
    text = dest_path.strip()
    if not text:
        raise InvalidInput(EMPTY_DESTINATION)
    if not is_absolute(text, flavour):
        return (downloads or cwd) / safe_name(text, flavour)
    if "\x00" in text:
        raise InvalidInput(NUL_IN_PATH)
    return Path(text)


def temp_name(name: str, token: str, limit: int = NAME_MAX) -> str:
    """`.<name>.<token>.part`, with `name` cut so the whole fits in `limit` bytes."""
    tail = f".{token}{TEMP_SUFFIX}"
    return "." + fit_name(name, limit - len(tail) - 1) + tail


def downloads_dir(
    env: Mapping[str, str] | None = None, home: Path | None = None, platform: str | None = None
) -> Path | None:
    """The user's Downloads folder, or None when the platform names none."""
    env = os.environ if env is None else env
    home = home or _home()
    if home is None:
        return None
    if (platform or sys.platform).startswith("linux"):
        return xdg_download_dir(env, home)
    return home / "Downloads"


def _home() -> Path | None:
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return None


def xdg_download_dir(env: Mapping[str, str], home: Path) -> Path | None:
    """`XDG_DOWNLOAD_DIR` from `$XDG_CONFIG_HOME/user-dirs.dirs`, as xdg-user-dirs writes it."""
    config_home = env.get("XDG_CONFIG_HOME", "")
    base = Path(config_home) if os.path.isabs(config_home) else home / ".config"
    try:
        lines = (base / "user-dirs.dirs").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    values = [m["value"] for m in map(_XDG_LINE.match, lines) if m]
    return _xdg_value(values[-1], home) if values else None


def _xdg_value(value: str, home: Path) -> Path | None:
    if value == "$HOME" or value.startswith("$HOME/"):
        return home / value[len("$HOME/") :]
    return Path(value) if value.startswith("/") else None


def check_destination(path: Path) -> None:
    """Refuse what cannot become a file before any byte is fetched.

    Raises:
        LocalIOError: the destination is a directory or an existing file we may not replace.
    """
    if path.is_dir():
        raise _os_error(errno.EISDIR, path)
    if path.exists() and not os.access(path, os.W_OK):
        raise _os_error(errno.EACCES, path)


# -- how ------------------------------------------------------------------------------------


class AtomicFile:
    """A temporary file beside `destination`, renamed over it by `commit()`.

    Every file-system step runs, in order, on a daemon worker thread of the file's own, so a
    slow or hung disk stalls neither the event loop nor the exit. `discard()` queues closing and
    removing the temporary file behind whatever step is still running (a cancelled step is let
    finish first, so a cancellation never leaves the file behind) and waits for that only a
    moment (`DISCARD_WAIT_S`): on a working disk the file is gone when it returns; on one that
    stopped answering, it goes when the disk answers again.
    """

    def __init__(self, destination: Path) -> None:
        self.destination = destination
        self.temp_path: Path | None = None
        self._file: IO[bytes] | None = None
        self._worker = DaemonWorker("download-io")

    async def open(self) -> None:
        """Create the parent directories and the temporary file.

        Raises:
            LocalIOError: a directory cannot be created or the folder is not writable.
        """
        await self._step(self._open_now)

    def _open_now(self) -> None:
        parent = self.destination.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise io_error(exc, parent) from exc
        self._file = self._create_temp(parent)

    def _create_temp(self, parent: Path) -> IO[bytes]:
        limit = _name_limit(parent)
        for _ in range(_TEMP_ATTEMPTS):
            candidate = parent / temp_name(self.destination.name, secrets.token_hex(4), limit)
            try:
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
            except FileExistsError:
                continue
            except OSError as exc:
                raise io_error(exc, self.destination) from exc
            self.temp_path = candidate
            return os.fdopen(fd, "wb")
        raise _os_error(errno.EEXIST, self.destination)

    async def write(self, chunk: bytes) -> None:
        """Append `chunk`.

        Raises:
            LocalIOError: the disk is full or the write failed.
        """
        file = self._open_file()
        try:
            await self._step(file.write, chunk)
        except OSError as exc:
            raise io_error(exc, self.destination) from exc

    async def commit(self) -> None:
        """Flush to disk and rename over the destination (keeping an existing file's mode).

        Raises:
            LocalIOError: flushing or renaming failed (`discard()` then removes the file).
        """
        file = self._open_file()
        try:
            await self._step(self._commit_now, file)
        except OSError as exc:
            raise io_error(exc, self.destination) from exc

    def _commit_now(self, file: IO[bytes]) -> None:
        _flush_and_close(file, self.destination)
        self._file = None
        assert self.temp_path is not None
        os.replace(self.temp_path, self.destination)
        self.temp_path = None

    async def discard(self) -> None:
        """Close and remove the temporary file; the destination is left as it was."""
        removed = self._worker.submit(self._discard_now)
        self._worker.close()
        await asyncio.wait([removed], timeout=DISCARD_WAIT_S)

    def _discard_now(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            # Closing flushes: on a full disk that fails again, and the file goes anyway.
            with contextlib.suppress(OSError):
                file.close()
        if self.temp_path is not None:
            with contextlib.suppress(OSError):
                self.temp_path.unlink(missing_ok=True)
            self.temp_path = None

    async def _step(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` on the worker; a cancelled caller leaves it running to completion."""
        result: T = await asyncio.shield(self._worker.submit(fn, *args))
        return result

    def _open_file(self) -> IO[bytes]:
        if self._file is None:
            raise RuntimeError("AtomicFile is not open")
        return self._file


def _flush_and_close(file: IO[bytes], destination: Path) -> None:
    try:
        file.flush()
        _copy_mode(file.fileno(), destination)
        os.fsync(file.fileno())
    finally:
        file.close()


def _name_limit(folder: Path) -> int:
    """The folder's longest file name in bytes (255 where the system does not say)."""
    try:
        return min(os.pathconf(folder, "PC_NAME_MAX"), NAME_MAX)
    except (AttributeError, OSError, ValueError):  # no pathconf on Windows
        return NAME_MAX


def _copy_mode(fd: int, destination: Path) -> None:
    """An overwritten regular file keeps its permission bits, as writing over it in place
    would, but never setuid, setgid or sticky; nothing is copied through a symbolic link (the
    link is replaced by a new file of the default mode)."""
    try:
        info = os.lstat(destination)
    except OSError:
        return
    if stat.S_ISREG(info.st_mode) and hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o777)
