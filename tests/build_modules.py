"""Import a script of build/ (not a package) by path, for the tests of build tooling."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def load(name: str) -> ModuleType:
    """`build/<name>.py` as the module `name` (registered, as dataclasses need)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "build" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
