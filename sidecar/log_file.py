"""The `--log-file` handler: a rotating file readable by its owner only (`sidecar/log.py` owns
the format and what is redacted; this file only where the lines go).

Owns: the file's size and rotation (5 MiB, 3 older files kept), its mode (0600) and giving up
quietly when it cannot be written. Kept apart from `log.py` so that logging.handlers (pickle,
socket, struct) loads only when a log file is asked for.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import Any

LOG_FILE_BYTES = 5 * 1024 * 1024
LOG_FILE_BACKUPS = 3


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


def open_private(path: Path) -> PrivateRotatingFile:
    """The log file's handler; its folder is made (0700) when missing.

    Raises:
        OSError: the file cannot be opened (the CLI reports it and exits 2).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return PrivateRotatingFile(path)
