"""Logging as one JSON object per line: to stderr, and to a rotating file when asked.

Owns: the log format and level, where lines go (stderr, and the optional `--log-file`: 5 MiB,
3 older files kept, mode 0600, whose handler is `sidecar/log_file.py`), and the redaction both
share, applied to every finished line: the values of the process's record of secrets
(`sidecar.redaction`, handed in by the CLI: the app adds the session's tokens, the client secret
and the file store's passphrase, the HTTP client what it sent) and anything shaped like a
credential become `[redacted]`. Must not know: what is logged. Callers still never pass secrets;
redaction is the net under that rule, for the traceback of a bug that put one into an exception
message. stdout belongs to the protocol and is never written here.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

from sidecar.redaction import Secrets

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_encoder = msgspec.json.Encoder(enc_hook=str)


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


def open_log_file(path: Path) -> logging.Handler:
    """The `--log-file` handler (`sidecar/log_file.py`, imported only then: logging.handlers
    loads pickle, socket and more, which a start without a log file need not pay for).

    Raises:
        OSError: the file cannot be opened (the CLI reports it and exits 2).
    """
    from sidecar.log_file import open_private

    return open_private(path)


def configure(
    level: str, secrets: Secrets, log_file: logging.Handler | None = None
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
