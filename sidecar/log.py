"""Logging as one JSON object per line: to stderr, and to a rotating file when asked.

Owns: the log format and level, the optional log file (`--log-file`: 5 MiB, 3 older files kept,
mode 0600), and the redaction both share, applied to every finished line: the values registered
with `register_secret` (the session's tokens, the client secret, the file store's passphrase)
and anything shaped like a credential (`Authorization`-style `OAuth …`/`Bearer …` values,
Yandex OAuth and IAM tokens, `access_token`/`refresh_token`/`client_secret` fields) become
`***`. Must not know: what is logged. Callers still never pass secrets; redaction is the net
under that rule, for the traceback of a bug that put one into an exception message.
stdout belongs to the protocol and is never written here.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import msgspec

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_encoder = msgspec.json.Encoder(enc_hook=str)
MASK = "***"
LOG_FILE_BYTES = 5 * 1024 * 1024
LOG_FILE_BACKUPS = 3
_MIN_SECRET = 8  # shorter values cannot be told from ordinary text (ids, numbers)
_MAX_SECRETS = 64  # tokens rotate with every refresh; the oldest are dropped first
_SHAPES = re.compile(
    r"(?P<scheme>\b(?:OAuth|Bearer)\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|(?P<field>\b(?:access_token|refresh_token|client_secret|id_token)\b"
    r"(?:\\?[\"'])?\s*[:=]\s*(?:\\?[\"'])?)"  # also inside JSON text, quotes escaped
    r"[^\s\"'&,;}\\]+"
    r"|\by[0-9]_[A-Za-z0-9_-]{20,}"  # Yandex OAuth tokens
    r"|\bt1\.[A-Za-z0-9._-]{20,}"  # Yandex Cloud IAM tokens
)


class _Secrets:
    """The values to mask, newest last; shared by every handler and thread."""

    def __init__(self) -> None:
        self._values: dict[str, None] = {}
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, *values: str | None) -> None:
        with self._lock:
            for value in values:
                if value and len(value) >= _MIN_SECRET and value not in self._values:
                    self._values[value] = None
                    while len(self._values) > _MAX_SECRETS:
                        del self._values[next(iter(self._values))]
                    self._pattern = None

    def pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._values:
                # Longest first, so a secret that contains another is masked whole.
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)))
            return self._pattern


_secrets = _Secrets()


def register_secret(*values: str | None) -> None:
    """Mask these values wherever they appear in a log line from now on."""
    _secrets.add(*values)


def redact(text: str) -> str:
    """`text` with every registered secret and credential-shaped value replaced by `***`."""
    known = _secrets.pattern()
    if known is not None:
        text = known.sub(MASK, text)
    return _SHAPES.sub(_mask_shape, text)


def _mask_shape(match: re.Match[str]) -> str:
    return (match.group("scheme") or match.group("field") or "") + MASK


class JsonLineFormatter(logging.Formatter):
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
        return redact(_encoder.encode(entry).decode(errors="replace"))


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


def configure(level: str, log_file: PrivateRotatingFile | None = None) -> logging.Logger:
    """Route the `sidecar` logger tree to stderr (the real one, captured before fd juggling),
    and to `log_file` when given, both in the same redacted JSON lines."""
    formatter = JsonLineFormatter()
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
