"""Damage a file the way an accident would (for the native-library cache's tests)."""

from __future__ import annotations

import os
from pathlib import Path


def flip_a_byte(path: Path) -> None:
    """Invert the middle byte of `path` in place: same size, new modification time."""
    with path.open("r+b") as f:
        f.seek(path.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
