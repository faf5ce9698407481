"""`python -m sidecar.contract [--out DIR] [--check]`: write or verify the generated contract.

Owns: the command line, writing files (and removing stale ones from the generated folders),
and the drift report. Must not know: what the files contain.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sidecar.contract import GENERATED_DIRS, outputs

REPO = Path(__file__).resolve().parents[2]


def drift(root: Path, files: dict[str, str]) -> list[str]:
    """Paths under `root` that differ from `files`: changed, missing or stale."""
    stale = {
        path.relative_to(root).as_posix()
        for folder in GENERATED_DIRS
        if (root / folder).is_dir()
        for path in (root / folder).iterdir()
        if path.is_file()
    } - set(files)
    changed = [
        rel
        for rel, text in files.items()
        if not (root / rel).is_file() or (root / rel).read_text(encoding="utf-8") != text
    ]
    return sorted(changed) + sorted(stale)


def write(root: Path, files: dict[str, str]) -> list[str]:
    """Bring `root` in line with `files`; returns the paths touched."""
    touched = drift(root, files)
    for rel in touched:
        path = root / rel
        if rel in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[rel], encoding="utf-8", newline="\n")
        else:
            path.unlink()
    return touched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sidecar.contract", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO, help="root to write to (the repo)")
    parser.add_argument("--check", action="store_true", help="only report drift; exit 1 on any")
    args = parser.parse_args(argv)
    files = outputs()
    if args.check:
        differing = drift(args.out, files)
        for rel in differing:
            sys.stderr.write(f"out of date: {rel}\n")
        if differing:
            sys.stderr.write("run `python -m sidecar.contract` and commit the result\n")
        return 1 if differing else 0
    for rel in write(args.out, files):
        sys.stderr.write(f"wrote {rel}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
