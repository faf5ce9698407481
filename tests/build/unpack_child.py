"""A process that takes every member of an archive from a cache folder, as a start would.

    python -m tests.build.unpack_child ARCHIVE CACHE FALLBACK [--go FILE] [--die-before-rename]
                                                              [--count-opens]

Prints the checked file of each member, one per line, in member order. `--go FILE` waits for
FILE to exist first (to start many at once). `--die-before-rename` kills the process (SIGKILL)
at the moment `native_cache` renames its first temporary file into place: the state a start
killed while unpacking leaves behind; `--die-before-link` at the moment it names its first
unnamed file (Linux), written and checked. `--count-opens` ends the output with a line
`opens: N`, the number of times a file in CACHE was opened (an audit hook sees every open).
"""

from __future__ import annotations

import os
import signal
import sys
import time

from tests.build_modules import load

native_cache = load("native_cache")


def die_before_rename(event: str, args: tuple[object, ...]) -> None:
    if event == "os.rename" and str(args[0]).endswith(native_cache.PARTIAL_SUFFIX):
        os.kill(os.getpid(), signal.SIGKILL)


def die_before_link(event: str, args: tuple[object, ...]) -> None:
    if event == "os.link":
        os.kill(os.getpid(), signal.SIGKILL)


def count_opens(cache: str, opened: list[str]) -> None:
    """Opens in CACHE: of its files, of a folder (an unnamed file made in it), and of an unnamed
    file through its descriptor (read back to check it)."""

    def hook(event: str, args: tuple[object, ...]) -> None:
        path = str(args[0])
        if event == "open" and path.startswith((cache + os.sep, "/proc/self/fd/")):
            opened.append(path)
        elif event == "open" and path == cache:
            opened.append(path)

    sys.addaudithook(hook)


def main(archive_path: str, cache: str, fallback: str, *flags: str) -> None:
    opened: list[str] = []
    if "--count-opens" in flags:
        count_opens(cache, opened)
    if "--go" in flags:
        go = flags[flags.index("--go") + 1]
        while not os.path.exists(go):
            time.sleep(0.001)
    if "--die-before-rename" in flags:
        sys.addaudithook(die_before_rename)
    if "--die-before-link" in flags:
        sys.addaudithook(die_before_link)
    archive = native_cache.Archive(archive_path, 0, os.path.getsize(archive_path))
    finder = native_cache.NativeFinder(archive, cache, fallback)
    for member in archive.members.values():
        print(finder.file(member), flush=True)
    if "--count-opens" in flags:
        print(f"opens: {len(opened)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
