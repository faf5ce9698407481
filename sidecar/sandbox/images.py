"""Tiny real images for the seed data, and PNG size sniffing for attachment metadata.

Owns: a dependency-free PNG encoder and `png_size`. Must not know: attachments or HTTP.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int]


def png(width: int, height: int, paint: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGB PNG whose pixel (x, y) is `paint(x, y)`."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(paint(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def gradient(width: int = 48, height: int = 32) -> bytes:
    """A friendly blue-to-teal gradient, the demo's screenshot stand-in."""
    return png(width, height, lambda x, y: (40, 90 + x * 3 % 160, 160 + y * 2 % 90))


def badge(width: int = 16, height: int = 16) -> bytes:
    """A small two-tone square for tests: the top half red, the bottom half white."""
    return png(width, height, lambda x, y: (220, 40, 40) if y < height // 2 else (255, 255, 255))
