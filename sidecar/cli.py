"""Command line: flags and env twins → Settings → the app; exit codes.

Exit codes: 0 after a clean shutdown, 2 for unusable settings (e.g. an http:// base URL).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sidecar import PROTOCOL_VERSION, __version__
from sidecar.settings import SettingsError, build_parser, from_args

if TYPE_CHECKING:
    from logging import Handler


def git_revision() -> str:
    """The revision this code was built from: baked in by the freezer, else asked of git."""
    try:
        return str(importlib.import_module("sidecar._build_info").GIT_REVISION)
    except ImportError:
        pass
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=2,
            check=True,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.version:
        sys.stdout.write(
            f"ytracker-sidecar {__version__} (git {git_revision()}, protocol {PROTOCOL_VERSION})\n"
        )
        return
    try:
        settings = from_args(args)
    except SettingsError as exc:
        sys.stderr.write(f"ytracker-sidecar: {exc}\n")
        sys.exit(2)
    from sidecar import app, log
    from sidecar.redaction import Secrets

    secrets = Secrets()  # the log and the app redact with one record
    log.configure(settings.log_level, secrets, _log_file(settings.log_file))
    code = asyncio.run(app.run(settings, secrets=secrets))
    logging.getLogger("sidecar").debug("event loop closed; exiting with %d", code)
    logging.shutdown()
    sys.stderr.flush()
    # The wire is flushed and every resource closed; skipping interpreter finalisation
    # (module teardown takes ~0.3 s with aiohttp loaded) keeps the exit inside 2 s.
    os._exit(code)


def _log_file(path: Path | None) -> Handler | None:
    """`--log-file`, opened before anything is served: one that cannot be opened exits 2."""
    if path is None:
        return None
    from sidecar.log import open_log_file

    try:
        return open_log_file(path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        sys.stderr.write(f"ytracker-sidecar: --log-file: cannot open {path}: {reason}\n")
        sys.exit(2)
