"""Python modules of the frozen sidecar from a per-build file, read without inflating them.

PyInstaller's PYZ reader opens the executable and inflates a module's code at every import of
it: ~13 ms for the modules a start imports before `ready`, on a 2-core machine, against ~8 ms
to unmarshal the same code. The first run of a build records which modules the reader gave out
and writes their inflated code into one file, `python-code`, in the native cache's
folder (whose name is a content id that covers the PYZ, so a new build never sees another's
file). Later starts keep that file open and serve those modules from it; anything else, and any
module whose PYZ entry (type, offset, length) differs from the one recorded, still comes from
the PYZ. (The file is written by a daemon thread once no module has been read for a second:
the sidecar exits with os._exit, so there is no "at exit".)

The file is written, checked and stamped the way `native_cache.place` writes libraries, and
trusted the same way: the stamp and the size its header records. A start that finds no
trusted file records, and writes it anew.

Owns: the file's format, recording and serving. Knows PyInstaller's PYZ reader only through
`pyimod02_importers.pyz_archive` (its `toc` and `extract`); if that is missing, it does
nothing. Must not import the application.
"""

from __future__ import annotations

import marshal
import os
import struct
import sys
import time
import zlib
from collections.abc import Callable
from typing import Any

import native_cache

NAME = "python-code"
MAGIC = b"YTSCODE1"
HEADER = struct.Struct("<8sQQ")  # magic, the file's size, the index's size
POLL_S, QUIET_S = 0.1, 1.0
CODE_TYPES = (0, 1)  # PYZ_ITEM_MODULE, PYZ_ITEM_PKG: entries whose extract() unmarshals code

Extract = Callable[..., Any]
Index = dict[str, tuple[tuple[int, int, int], int, int]]  # name → (PYZ entry, start, end)


def open_file(path: str) -> tuple[Index, int, int] | None:
    """The index, an open descriptor and where the code starts, of a trusted file at `path`."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        magic, size, index_size = HEADER.unpack(os.pread(fd, HEADER.size, 0))
        if magic == MAGIC and native_cache.trusted(path, _member(size)):
            index = marshal.loads(os.pread(fd, index_size, HEADER.size))
            if isinstance(index, dict):
                return index, fd, HEADER.size + index_size
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        pass
    os.close(fd)
    return None


def serving(original: Extract, toc: dict[str, Any], index: Index, fd: int, base: int) -> Extract:
    """`extract` with the file's modules read from `fd` (one pread each: the bytes are freed
    once unmarshalled, as the PYZ's are; a mapping would keep them in the resident set)."""

    def extract(name: str, raw: bool = False) -> Any:
        hit, entry = index.get(name), toc.get(name)
        if hit is None or entry is None or raw or hit[0] != tuple(entry):
            return original(name, raw)
        try:
            return marshal.loads(os.pread(fd, hit[2] - hit[1], base + hit[1]))
        except (OSError, ValueError, EOFError, TypeError):  # cut short or damaged in place
            return original(name, raw)

    return extract


def recording(original: Extract, used: list[str]) -> Extract:
    """`extract` that notes the names of the code it gives out."""

    def extract(name: str, raw: bool = False) -> Any:
        if not raw:
            used.append(name)  # atomic: background imports may run in another thread
        return original(name, raw)

    return extract


def content(original: Extract, toc: dict[str, Any], used: list[str]) -> list[bytes]:
    """The file for the modules in `used`: header and index, then their inflated code (offsets
    in the index count from the end of the index)."""
    names = [n for n in dict.fromkeys(used) if toc.get(n, (None,))[0] in CODE_TYPES]
    blobs = [original(name, raw=True) for name in names]
    index, start = {}, 0
    for name, blob in zip(names, blobs, strict=True):
        index[name] = (tuple(toc[name]), start, start + len(blob))
        start += len(blob)
    raw_index = marshal.dumps(index)
    size = HEADER.size + len(raw_index) + start
    return [HEADER.pack(MAGIC, size, len(raw_index)) + raw_index, *blobs]


def write(path: str, original: Extract, toc: dict[str, Any], used: list[str]) -> None:
    try:
        chunks = content(original, toc, used)
    except (Exception, SystemExit):  # PyInstaller's reader exits when the executable is gone
        return  # (moved or replaced since the start): recorded again next run
    crc = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
    size = sum(map(len, chunks))
    try:
        native_cache.place(path, _member(size, crc), chunks)
    except OSError:
        pass  # recorded again next run


def _member(size: int, crc: int = 0) -> native_cache.Member:
    """The file as the native cache's writer and checks see a file: stored, this size."""
    return native_cache.Member(NAME, (native_cache.STORED, crc, size, size, 0), "-")


def install(pyz: Any, folder: str) -> None:
    """Serve `pyz`'s modules from `folder`'s file, or record them and write it once quiet."""
    path = os.path.join(folder, NAME)
    original, toc = pyz.extract, pyz.toc
    found = open_file(path)
    if found is not None:
        pyz.extract = serving(original, toc, *found)
        return
    used: list[str] = []
    pyz.extract = recording(original, used)
    import threading  # the native finder is in place: threading's imports may use it

    writer = threading.Thread(
        target=write_when_quiet, args=(path, original, toc, used), name="code-cache", daemon=True
    )
    writer.start()


def write_when_quiet(
    path: str, original: Extract, toc: dict[str, Any], used: list[str], quiet_s: float = QUIET_S
) -> None:
    """Write the file once no module has been read for `quiet_s`, after the start-up and the
    app's background imports. The sidecar ends with os._exit (no atexit), and a start of a
    second or less (a probe, `--version`) writes nothing: the first run that lives on, as a
    desktop session does, records what a start needs."""
    seen, quiet_since = -1, time.monotonic()
    while True:
        time.sleep(POLL_S)
        if len(used) != seen:
            seen, quiet_since = len(used), time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            write(path, original, toc, used)
            return


def install_frozen(folder: str | None) -> None:
    """In a onefile build with a cache folder, on a system with os.pread (not Windows)."""
    importers = sys.modules.get("pyimod02_importers")
    pyz = getattr(importers, "pyz_archive", None)
    usable = hasattr(pyz, "extract") and isinstance(getattr(pyz, "toc", None), dict)
    if folder is not None and usable and hasattr(os, "pread"):
        install(pyz, folder)
