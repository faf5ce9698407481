"""Our own temporary files, left behind by a process that was killed, removed at the next start.

A download writes `.<name>.<8 hex>.part` beside its destination and a config save writes
`.config.<8 characters>.tmp` beside `config.json`; both are removed on every way out but one
that runs no code (SIGKILL, a power cut). Owns: which files are ours (exactly those names,
regular files, not symbolic links, owned by this user), where we look (directly in the folders
we write to unasked: the config folder and the Downloads folder; a download to a path the user
chose elsewhere leaves its file there, where we do not look) and when one is surely dead:
untouched for `MIN_AGE_S`, far longer than a live transfer may go without a byte.
Must not know: who calls it, or what the files held.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import threading
import time
from pathlib import Path

from sidecar.local.config_file import TEMP_PREFIX, TEMP_SUFFIX
from sidecar.local.downloads import TEMP_NAME, downloads_dir

log = logging.getLogger("sidecar.leftovers")

MIN_AGE_S = 600.0
CONFIG_TEMP = re.compile(rf"^{re.escape(TEMP_PREFIX)}[a-z0-9_]{{8}}{re.escape(TEMP_SUFFIX)}$")


def start_cleaning(config_dir: Path) -> threading.Thread:
    """Clean both folders in a daemon thread: a folder that hangs must delay nothing."""
    thread = threading.Thread(target=_clean, args=(config_dir,), name="leftovers", daemon=True)
    thread.start()
    return thread


def _clean(config_dir: Path) -> None:
    removed = clean_leftovers(config_dir, downloads_dir())
    if removed:
        log.info("removed %d temporary files left by an earlier run", len(removed))


def clean_leftovers(
    config_dir: Path, downloads: Path | None, min_age_s: float = MIN_AGE_S
) -> list[Path]:
    """Remove our dead temporary files from both folders; the paths removed."""
    now = time.time()
    removed = sweep(config_dir, CONFIG_TEMP, min_age_s, now)
    if downloads is not None:
        removed += sweep(downloads, TEMP_NAME, min_age_s, now)
    return removed


def sweep(folder: Path, pattern: re.Pattern[str], min_age_s: float, now: float) -> list[Path]:
    """Remove the files directly in `folder` whose names match and that are ours and dead."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if pattern.match(entry.name) and _dead(entry, min_age_s, now):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _dead(entry: os.DirEntry[str], min_age_s: float, now: float) -> bool:
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and _ours(info) and now - info.st_mtime >= min_age_s


def _ours(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)  # Windows: a user's folders are their own
    return getuid is None or info.st_uid == getuid()
