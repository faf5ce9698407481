"""A file system that never answers: a FUSE mount whose server never replies.

The kernel sends FUSE_INIT when the mount is made and every later call on the mount (a stat, an
open, a lookup) waits for that reply, as a call on a network home waits for a server that went
away. Nothing is faked: the calls really block in the kernel. Closing the device after a lazy
unmount aborts the connection, and the blocked calls fail with ENOTCONN.

Needs Linux, /dev/fuse and the right to mount (root, as CI runs); otherwise the test is skipped.
The mount point lives outside the test's temporary folder, which the secret audit reads.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount_fuse(fd: int, target: Path) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    options = f"fd={fd},rootmode=40000,user_id={os.getuid()},group_id={os.getgid()}"
    return int(libc.mount(b"hung", str(target).encode(), b"fuse", 0, options.encode())) == 0


@contextlib.contextmanager
def hung_folder(over: Path | None = None) -> Iterator[Path]:
    """A folder inside which every file-system call blocks until the context ends: a new one,
    or `over`, an existing folder that stops answering (its files come back afterwards)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("a FUSE mount needs Linux and root")
    try:
        fd = os.open("/dev/fuse", os.O_RDWR)
    except OSError as exc:
        pytest.skip(f"no /dev/fuse: {exc}")
    target = over or Path(tempfile.mkdtemp(prefix="hung-fs-"))
    try:
        if not _mount_fuse(fd, target):
            pytest.skip(f"cannot mount FUSE: {os.strerror(ctypes.get_errno())}")
        try:
            yield target
        finally:
            subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=20)
    finally:
        os.close(fd)  # aborts the connection: whatever still waits gets ENOTCONN
        if over is None:
            with contextlib.suppress(OSError):
                target.rmdir()
