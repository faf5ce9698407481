"""The build's runtime-hook logic, imported as plain modules from build/ (not a package), and
a way to damage a file the way an accident would."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

BUILD = Path(__file__).resolve().parents[2] / "build"


def load(name: str) -> ModuleType:
    """`build/<name>.py` as module `name` (once per process)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BUILD / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def flip_a_byte(path: Path) -> None:
    """Invert the middle byte of `path` in place: same size, new modification time."""
    with path.open("r+b") as f:
        f.seek(path.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
