"""Writes `native.zip`, the archive `native_cache.py` reads: a zip (no zip64, no encryption)
whose members are xz streams (APPNOTE 4.4.5 method 95), deflated or stored.

Why xz: the archive is inflated once per build into the user cache, never at each start, so
its size matters more than its unpacking time. xz with the x86 branch filter makes it ~2.5 MB
smaller than deflate, and that room is what lets libpython go into the executable uncompressed
(the launcher inflated it at every start, ~27 ms). zipfile writes no method 95, hence this
writer; zipfile still reads its directory (the tests rely on that).

Owns: the member encodings and the zip records' layout on the writing side. Build-time only
(the spec and the tests import it); `native_cache.py` is its reader and owns the structs.
"""

from __future__ import annotations

import lzma
import platform
import zlib
from collections.abc import Iterable
from pathlib import Path

from native_cache import CENTRAL, END, LOCAL, XZ

STORED, DEFLATED = 0, 8
DOS_DATE_2020 = (40 << 9) | (1 << 5) | 1  # 2020-01-01: a fixed date keeps builds reproducible
VERSION_NEEDED = 63  # APPNOTE 4.4.3.2: 6.3 for LZMA and XZ
BRANCH_FILTERS = {"x86_64": lzma.FILTER_X86, "amd64": lzma.FILTER_X86, "i686": lzma.FILTER_X86}


def encode(data: bytes, method: int) -> bytes:
    if method == XZ:
        return xz(data)
    if method == DEFLATED:
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        return deflate.compress(data) + deflate.flush()
    return data


def xz(data: bytes) -> bytes:
    """An xz stream at the strongest preset, with a dictionary no larger than the data (the
    reader allocates the whole dictionary: 64 MiB at preset 9) and the branch filter for the
    machine's code where there is one."""
    dict_size = max(1 << 12, 1 << max(len(data) - 1, 1).bit_length())
    lzma2 = {"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": dict_size}
    branch = BRANCH_FILTERS.get(platform.machine().lower())
    filters = [{"id": branch}, lzma2] if branch else [lzma2]
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_NONE, filters=filters)


def write(path: Path, members: Iterable[tuple[str, bytes, str, int]], comment: str) -> None:
    """(name, data, member comment, method) members, then the directory and `comment`."""
    directory = bytearray()
    count = 0
    with path.open("wb") as out:
        for name, data, note, method in members:
            raw_name, raw_note, body = name.encode(), note.encode(), encode(data, method)
            fields = (method, 0, DOS_DATE_2020, zlib.crc32(data), len(body), len(data))
            offset = out.tell()
            out.write(LOCAL.pack(b"PK\3\4", VERSION_NEEDED, 0, *fields, len(raw_name), 0))
            out.write(raw_name + body)
            made_by = (3 << 8) | VERSION_NEEDED  # Unix, so the mode below counts
            sizes = (len(raw_name), 0, len(raw_note), 0, 0, 0o755 << 16, offset)
            directory += CENTRAL.pack(b"PK\1\2", made_by, VERSION_NEEDED, 0, *fields, *sizes)
            directory += raw_name + raw_note
            count += 1
        at, raw_comment = out.tell(), comment.encode("ascii")
        out.write(directory)
        out.write(END.pack(b"PK\5\6", 0, 0, count, count, len(directory), at, len(raw_comment)))
        out.write(raw_comment)
