"""`build/code_cache.py` as a plain module, on a stand-in for PyInstaller's PYZ reader: a run
records the modules it reads, the file it writes serves the next run, and anything the file does
not match (another entry, a damaged or foreign file, raw reads) still comes from the PYZ.

The frozen binary runs the same code: tests/e2e/test_packaging.py checks it there.
"""

from __future__ import annotations

import marshal
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.build_modules import load

native_cache = load("native_cache")
code_cache = load("code_cache")


class Pyz:
    """PyInstaller's ZlibArchiveReader as code_cache sees it: `toc` and `extract`."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.raw = {
            name: marshal.dumps(compile(src, name, "exec")) for name, src in sources.items()
        }
        self.toc = {name: (0, 100 * i, len(b)) for i, (name, b) in enumerate(self.raw.items())}
        self.toc["nspkg"] = (3, 0, 0)
        self.reads: list[str] = []

    def extract(self, name: str, raw: bool = False) -> Any:
        self.reads.append(name)
        if self.toc[name][0] == 3:
            return None
        return self.raw[name] if raw else marshal.loads(self.raw[name])


SOURCES = {"alpha": "A = 1", "beta.sub": "B = 2\ndef f(): return B", "gamma": "G = 'x' * 3"}


def run(pyz: Pyz, *names: str) -> dict[str, Any]:
    """What one start's imports get back for `names`, through whatever `extract` is now."""
    return {name: pyz.extract(name) for name in names}


def first_run(folder: Path, *names: str) -> Pyz:
    """A run that records `names` and writes the file (as its writer thread would)."""
    pyz = Pyz(SOURCES)
    used: list[str] = []
    original = pyz.extract
    pyz.extract = code_cache.recording(original, used)  # type: ignore[method-assign]
    run(pyz, *names)
    code_cache.write(str(folder / code_cache.NAME), original, pyz.toc, used)
    return pyz


def test_a_later_start_gets_the_recorded_modules_from_the_file(tmp_path: Path) -> None:
    first_run(tmp_path, "alpha", "beta.sub", "nspkg")
    pyz = Pyz(SOURCES)
    code_cache.install(pyz, str(tmp_path))
    got = run(pyz, "alpha", "beta.sub", "gamma")
    assert pyz.reads == ["gamma"]  # the recorded two never touched the PYZ
    assert got == {name: marshal.loads(pyz.raw[name]) for name in got}
    namespace: dict[str, Any] = {}
    exec(got["beta.sub"], namespace)  # the code runs as the PYZ's does
    assert namespace["f"]() == 2


def test_the_file_is_stamped_and_its_header_gives_its_size(tmp_path: Path) -> None:
    first_run(tmp_path, "alpha")
    path = tmp_path / code_cache.NAME
    magic, size, _ = code_cache.HEADER.unpack(path.read_bytes()[: code_cache.HEADER.size])
    assert (magic, size) == (code_cache.MAGIC, path.stat().st_size)
    assert path.stat().st_mtime_ns == native_cache.STAMP_NS
    assert not list(tmp_path.glob("*.partial"))


def test_an_entry_that_moved_in_the_pyz_is_read_from_the_pyz(tmp_path: Path) -> None:
    first_run(tmp_path, "alpha", "gamma")
    pyz = Pyz(SOURCES)
    pyz.toc["alpha"] = (0, 7, pyz.toc["alpha"][2])  # another build's layout
    code_cache.install(pyz, str(tmp_path))
    run(pyz, "alpha", "gamma")
    assert pyz.reads == ["alpha"]


def test_raw_reads_go_to_the_pyz(tmp_path: Path) -> None:
    first_run(tmp_path, "alpha")
    pyz = Pyz(SOURCES)
    code_cache.install(pyz, str(tmp_path))
    assert pyz.extract("alpha", raw=True) == pyz.raw["alpha"]
    assert pyz.reads == ["alpha"]


@pytest.mark.parametrize("damage", ["append", "truncate", "rewrite", "foreign", "empty"])
def test_a_damaged_or_foreign_file_is_not_trusted_and_is_recorded_again(
    tmp_path: Path, damage: str
) -> None:
    first_run(tmp_path, "alpha", "beta.sub")
    path = tmp_path / code_cache.NAME
    data = path.read_bytes()
    changed = {
        "append": data + b"\0",
        "truncate": data[:-1],
        "rewrite": data,  # same bytes, but the write takes the stamp away
        "foreign": b"NOTOURS!" + data[8:],
        "empty": b"",
    }[damage]
    path.write_bytes(changed)
    if damage == "foreign":  # even stamped, a file without our magic is not read
        os.utime(path, ns=(0, native_cache.STAMP_NS))
    assert code_cache.open_file(str(path)) is None
    pyz = Pyz(SOURCES)
    code_cache.install(pyz, str(tmp_path))
    run(pyz, "alpha")
    assert pyz.reads == ["alpha"]


def test_code_damaged_behind_an_intact_stamp_is_read_from_the_pyz(tmp_path: Path) -> None:
    first_run(tmp_path, "alpha", "beta.sub")
    path = tmp_path / code_cache.NAME
    data = bytearray(path.read_bytes())
    data[-3:] = b"\xff\xff\xff"  # beta.sub's code ends the file: now unreadable
    path.write_bytes(bytes(data))
    os.utime(path, ns=(0, native_cache.STAMP_NS))  # what no write leaves: a disk's own damage
    pyz = Pyz(SOURCES)
    code_cache.install(pyz, str(tmp_path))
    got = run(pyz, "alpha", "beta.sub")
    assert pyz.reads == ["beta.sub"]
    assert got["beta.sub"] == marshal.loads(pyz.raw["beta.sub"])


def test_a_folder_that_cannot_be_written_costs_nothing_but_the_cache(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    first_run(tmp_path / "file", "alpha")  # no exception
    assert code_cache.open_file(str(tmp_path / "file" / code_cache.NAME)) is None


def test_the_writer_waits_for_the_imports_to_settle(tmp_path: Path) -> None:
    pyz = Pyz(SOURCES)
    used: list[str] = ["alpha"]
    path = tmp_path / code_cache.NAME
    writer = threading.Thread(
        target=code_cache.write_when_quiet,
        args=(str(path), pyz.extract, pyz.toc, used, 0.3),
        daemon=True,
    )
    writer.start()
    for name in ("beta.sub", "gamma"):  # background imports, after the start-up's
        time.sleep(0.1)
        used.append(name)
    writer.join(timeout=30)
    index, fd, _ = code_cache.open_file(str(path))
    os.close(fd)
    assert set(index) == {"alpha", "beta.sub", "gamma"}


def test_without_a_pyz_reader_nothing_is_installed(tmp_path: Path) -> None:
    code_cache.install_frozen(str(tmp_path))  # a plain interpreter: no pyimod02_importers
    assert not list(tmp_path.iterdir())
