"""Logging as one JSON object per line: to stderr, and to a rotating file when asked.

Owns: the log format and level, the optional log file (`--log-file`: 5 MiB, 3 older files kept,
mode 0600), and the redaction both share, applied to every finished line: the values of the
process's record of secrets (`sidecar.redaction`, handed in by the CLI: the app adds the
session's tokens, the client secret and the file store's passphrase, the HTTP client what it
sent) and anything shaped like a credential become `[redacted]`. Must not know: what is logged.
Callers still never pass secrets; redaction is the net under that rule, for the traceback of a
bug that put one into an exception message. stdout belongs to the protocol and is never written
here.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

from sidecar.redaction import Secrets

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_encoder = msgspec.json.Encoder(enc_hook=str)
LOG_FILE_BYTES = 5 * 1024 * 1024
LOG_FILE_BACKUPS = 3


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record, redacted with the process's record of secrets."""

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return self.secrets.redact(_encoder.encode(entry).decode(errors="replace"), shapes=True)


class PrivateRotatingFile(logging.handlers.RotatingFileHandler):
    """A rotating log file readable by its owner only, that stops quietly if writing fails.

    A full disk or a removed folder must not flood stderr with a traceback per line: the first
    failure is reported once there, and the file is given up.
    """

    def __init__(self, path: Path) -> None:
        self._failed = False
        super().__init__(
            path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8"
        )

    def _open(self) -> io.TextIOWrapper[Any]:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return open(fd, "a", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        if not self._failed:
            super().emit(record)

    def flush(self) -> None:
        if not self._failed:
            super().flush()

    def close(self) -> None:
        try:
            super().close()
        except (OSError, ValueError):
            if not self._failed:
                raise

    def handleError(self, record: logging.LogRecord) -> None:
        if self._failed:
            return
        self._failed = True
        error = sys.exc_info()[1]
        sys.stderr.write(
            f"ytracker-sidecar: cannot write the log file {self.baseFilename} ({error}); "
            "logging to it stops\n"
        )


def open_log_file(path: Path) -> PrivateRotatingFile:
    """The log file's handler; its folder is made (0700) when missing.

    Raises:
        OSError: the file cannot be opened (the CLI reports it and exits 2).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return PrivateRotatingFile(path)


def configure(
    level: str, secrets: Secrets, log_file: PrivateRotatingFile | None = None
) -> logging.Logger:
    """Route the `sidecar` logger tree to stderr (the real one, captured before fd juggling),
    and to `log_file` when given, both in the same JSON lines redacted with `secrets`."""
    formatter = JsonLineFormatter(secrets)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        handlers.append(log_file)
    for handler in handlers:
        handler.setFormatter(formatter)
    root = logging.getLogger("sidecar")
    root.handlers[:] = handlers
    root.setLevel(level.upper())
    root.propagate = False
    return root
