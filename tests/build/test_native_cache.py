"""`build/native_cache.py` as a plain module: the archive reader, the cache and the finder.

The frozen binary runs the same code (tests/e2e/test_packaging.py checks it there); here each
rule is pinned on a small archive written by the spec's writer, `build/native_archive.py`, with a
stored, an xz and a deflated member: a killed unpack leaves nothing a later
start trusts, a corrupted or truncated file is unpacked again, parallel starts agree, an
unwritable cache falls back to the extraction folder, and linked libraries load first.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.build.accidents import flip_a_byte
from tests.build_modules import load

native_cache = load("native_cache")
native_archive = load("native_archive")
REPO = Path(__file__).resolve().parents[2]
CHILD = [sys.executable, "-m", "tests.build.unpack_child"]
ARCHIVE_ID = "0123456789abcdef"
MODULE = "pkg/_big.cpython-311-x86_64-linux-gnu.so"
LIBRARY = "libdep.so.1"


@dataclass
class Sample:
    path: Path
    contents: dict[str, bytes]

    def open(self) -> object:
        return native_cache.Archive(str(self.path), 0, self.path.stat().st_size)


def write_zip(path: Path, members: list[tuple[str, bytes, str, int]]) -> Path:
    """(name, data, comment, method) members, and the archive id as the zip's comment."""
    native_archive.write(path, members, ARCHIVE_ID)
    return path


SMALL = "python3.11/lib-dynload/_small.cpython-311-x86_64-linux-gnu.so"
METHODS = {
    MODULE: native_archive.STORED,
    LIBRARY: native_archive.XZ,
    SMALL: native_archive.DEFLATED,
}


@pytest.fixture
def archive(tmp_path: Path) -> Sample:
    contents = {
        MODULE: os.urandom(3 << 20),
        LIBRARY: b"a linked library " * 12_000,
        SMALL: os.urandom(3000) * 2,
    }
    comments = {MODULE: f"pkg._big {LIBRARY}", LIBRARY: "-", SMALL: "_small"}
    members = [(name, data, comments[name], METHODS[name]) for name, data in contents.items()]
    return Sample(write_zip(tmp_path / "native.zip", members), contents)


def finder(archive: Sample, cache: Path, fallback: Path | None = None) -> object:
    """A fresh finder, as one start of the program makes."""
    return native_cache.NativeFinder(archive.open(), str(cache), str(fallback or cache / "_no"))


def member(found: object, name: str) -> object:
    return found.archive.members[name]  # type: ignore[attr-defined]


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def children(archive: Sample, cache: Path, count: int, *flags: str) -> list[str]:
    """`count` processes taking every member from `cache` at once; each one's stdout."""
    go = cache.parent / "go"
    procs = [
        subprocess.Popen(
            [*CHILD, str(archive.path), str(cache), str(cache / "_fallback"), "--go", str(go)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(count)
    ]
    go.touch()
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * count, outputs
    return outputs


# -- the archive -------------------------------------------------------------------------------


def test_archive_reads_what_the_writer_wrote(archive: Sample) -> None:
    read = archive.open()
    assert read.id == ARCHIVE_ID  # type: ignore[attr-defined]
    with zipfile.ZipFile(archive.path) as zf:  # a zip by the book: zipfile reads its directory
        expected = {i.filename: (i.file_size, i.CRC, i.compress_type) for i in zf.infolist()}
    members = read.members  # type: ignore[attr-defined]
    assert {n: (m.size, m.crc, m.method) for n, m in members.items()} == expected
    assert {n: m.method for n, m in members.items()} == METHODS
    assert members[LIBRARY].stored < len(archive.contents[LIBRARY]) // 50  # xz, not stored
    for name, data in archive.contents.items():
        assert b"".join(read.chunks(members[name])) == data  # type: ignore[attr-defined]
    assert (members[MODULE].module, members[MODULE].deps) == ("pkg._big", [LIBRARY])
    assert (members[LIBRARY].module, members[LIBRARY].deps) == (None, [])


def test_archive_reads_what_zipfile_wrote(tmp_path: Path) -> None:
    path = tmp_path / "native.zip"
    data = b"deflated " * 1000
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo(LIBRARY, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type, info.comment = zipfile.ZIP_DEFLATED, b"-"
        zf.writestr(info, data)
        zf.comment = ARCHIVE_ID.encode()
    read = native_cache.Archive(str(path), 0, path.stat().st_size)
    assert b"".join(read.chunks(read.members[LIBRARY])) == data


def test_a_member_of_an_unknown_method_is_an_os_error(tmp_path: Path) -> None:
    path = tmp_path / "native.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo(LIBRARY), b"bz2", compress_type=zipfile.ZIP_BZIP2)
    read = native_cache.Archive(str(path), 0, path.stat().st_size)
    with pytest.raises(OSError, match="compression method 12"):
        b"".join(read.chunks(read.members[LIBRARY]))


@pytest.mark.skipif(sys.platform == "win32", reason="an open file cannot be replaced there")
def test_an_executable_replaced_while_running_is_still_read(
    archive: Sample, tmp_path: Path
) -> None:
    read = archive.open()
    update = tmp_path / "update"
    update.write_bytes(os.urandom(archive.path.stat().st_size))
    os.replace(update, archive.path)  # an updater swaps the file under the running program
    members = read.members  # type: ignore[attr-defined]
    assert b"".join(read.chunks(members[MODULE])) == archive.contents[MODULE]  # type: ignore[attr-defined]


def carchive(entries: list[tuple[str, bytes, bool, bytes]]) -> bytes:
    """Entries, table of contents and cookie, laid out as PyInstaller's CArchiveWriter does."""
    body, toc = b"", b""
    for name, data, compressed, typecode in entries:
        stored = zlib.compress(data) if compressed else data
        raw = name.encode() + b"\0"
        raw += b"\0" * (-(18 + len(raw)) % 16)
        sizes = (18 + len(raw), len(body), len(stored), len(data), int(compressed), typecode)
        toc += struct.pack("!IIIIBc", *sizes) + raw
        body += stored
    cookie = struct.pack(
        "!8sIIII64s", native_cache.CARCHIVE_MAGIC, len(body) + len(toc) + 88, len(body), len(toc),
        311, b"libpython3.11.so.1.0",
    )  # fmt: skip
    return body + toc + cookie


def test_archive_is_read_in_place_from_the_executable(archive: Sample, tmp_path: Path) -> None:
    data = archive.path.read_bytes()
    entries = [("entry", b"print()", True, b"s"), (native_cache.ARCHIVE, data, False, b"a")]
    packed = carchive(entries)
    executable = tmp_path / "ytracker-sidecar"
    # A launcher before the archive; ELF section headers after it (Linux builds).
    executable.write_bytes(b"\x7fELF" + os.urandom(5000) + packed + os.urandom(3000))
    where = native_cache.locate(str(tmp_path / "_MEI123"), str(executable))
    assert where is not None
    path, offset, length = where
    assert executable.read_bytes()[offset : offset + length] == data
    in_place = native_cache.Archive(path, offset, length)
    assert b"".join(in_place.chunks(in_place.members[MODULE])) == archive.contents[MODULE]


def test_an_archive_copied_out_by_the_launcher_comes_first(archive: Sample, tmp_path: Path) -> None:
    meipass = tmp_path / "_MEI123"
    meipass.mkdir()
    copied = meipass / native_cache.ARCHIVE
    copied.write_bytes(archive.path.read_bytes())
    where = native_cache.locate(str(meipass), sys.executable)
    assert where == (str(copied), 0, copied.stat().st_size)


def test_no_archive_no_finder(tmp_path: Path) -> None:
    assert native_cache.locate(str(tmp_path), sys.executable) is None


# -- the cache ---------------------------------------------------------------------------------


def test_a_file_is_unpacked_once_then_reused(archive: Sample, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = finder(archive, cache)
    path = Path(first.file(member(first, MODULE)))  # type: ignore[attr-defined]
    assert path == cache / MODULE
    assert path.read_bytes() == archive.contents[MODULE]
    unpacked = path.stat()
    assert unpacked.st_mtime_ns == native_cache.STAMP_NS
    again = finder(archive, cache)
    assert again.file(member(again, MODULE)) == str(path)  # type: ignore[attr-defined]
    assert path.stat().st_ino == unpacked.st_ino
    assert files_under(cache) == {MODULE}  # no temporary files


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_start_killed_while_unpacking_leaves_nothing_trusted(
    archive: Sample, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    command = [*CHILD, str(archive.path), str(cache), str(cache / "_fallback")]
    killed = subprocess.run([*command, "--die-before-rename"], cwd=REPO, capture_output=True)
    assert killed.returncode == -signal.SIGKILL, killed
    (leftover,) = files_under(cache)  # whole and checked, but never renamed into place
    assert leftover.startswith(MODULE + ".") and leftover.endswith(native_cache.PARTIAL_SUFFIX)

    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(cache / name) for name in archive.contents]
    for name, data in archive.contents.items():
        assert (cache / name).read_bytes() == data
    assert leftover in files_under(cache)  # young: it could be a parallel start's

    old = time.time() - native_cache.PARTIAL_AFTER_S - 60
    os.utime(cache / leftover, (old, old))
    native_cache.housekeeping(str(cache))
    assert files_under(cache) == set(archive.contents)


@pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="unnamed files are Linux's O_TMPFILE")
def test_a_start_killed_while_writing_leaves_no_file(archive: Sample, tmp_path: Path) -> None:
    """What a background import cut short by the process's exit leaves: nothing to sweep."""
    cache = tmp_path / "cache"
    command = [*CHILD, str(archive.path), str(cache), str(cache / "_fallback")]
    killed = subprocess.run([*command, "--die-before-link"], cwd=REPO, capture_output=True)
    assert killed.returncode == -signal.SIGKILL, killed
    assert files_under(cache) == set()
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(cache / name) for name in archive.contents]


def cut_in_half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


@pytest.mark.parametrize("damage", [flip_a_byte, cut_in_half], ids=["flipped-byte", "truncated"])
def test_a_damaged_cached_file_is_unpacked_again(
    archive: Sample, tmp_path: Path, damage: object
) -> None:
    cache = tmp_path / "cache"
    first = finder(archive, cache)
    path = Path(first.file(member(first, MODULE)))  # type: ignore[attr-defined]
    damage(path)  # type: ignore[operator]
    damaged = path.stat().st_ino
    again = finder(archive, cache)
    assert again.file(member(again, MODULE)) == str(path)  # type: ignore[attr-defined]
    assert path.read_bytes() == archive.contents[MODULE]
    assert path.stat().st_ino != damaged  # a new file, renamed over the damaged one


def test_a_file_that_lost_its_stamp_is_unpacked_again(archive: Sample, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = finder(archive, cache)
    path = Path(first.file(member(first, MODULE)))  # type: ignore[attr-defined]
    before = path.stat().st_ino
    path.touch()  # a backup tool or a curious user: the content may be intact, or not
    again = finder(archive, cache)
    assert again.file(member(again, MODULE)) == str(path)  # type: ignore[attr-defined]
    assert path.stat().st_ino != before
    assert path.stat().st_mtime_ns == native_cache.STAMP_NS
    assert path.read_bytes() == archive.contents[MODULE]


def test_later_starts_trust_the_stamp_instead_of_reading_files_again(
    archive: Sample, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    command = [*CHILD, str(archive.path), str(cache), str(cache / "_fallback"), "--count-opens"]

    def opens() -> str:
        out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
        return out.stdout.splitlines()[-1]

    assert opens() == f"opens: {2 * len(archive.contents)}"  # each written, then read back
    assert opens() == "opens: 0"  # a stat per file
    (cache / LIBRARY).touch()
    assert opens() == "opens: 2"  # the stamp is gone: a new copy is written and checked
    assert opens() == "opens: 0"


def damage_member(path: Path, name: str, where: float) -> None:
    """Set a byte of `name`'s data inside the zip at `path` to 0xFF (`where`: 0 first, .5 mid);
    0xFF first makes a deflate stream invalid (block type 3)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    with path.open("r+b") as f:
        f.seek(info.header_offset + 26)
        name_size, extra_size = struct.unpack("<2H", f.read(4))
        at = info.header_offset + 30 + name_size + extra_size + int(info.compress_size * where)
        f.seek(at)
        was = f.read(1)
        f.seek(at)
        f.write(b"\xff" if was != b"\xff" else b"\x00")


@pytest.mark.parametrize(
    ("name", "where"),
    [(MODULE, 0.5), (LIBRARY, 0.5), (LIBRARY, 0), (SMALL, 0.5), (SMALL, 0), (LIBRARY, 0.999)],
    ids=["stored", "xz", "invalid-xz-header", "deflated", "invalid-deflate-stream", "xz-footer"],
)
def test_a_damaged_archive_member_is_never_installed(
    archive: Sample, tmp_path: Path, name: str, where: float
) -> None:
    damage_member(archive.path, name, where)
    fallback = tmp_path / "_MEI123" / "_native"
    found = finder(archive, tmp_path / "cache", fallback)
    with pytest.raises(OSError):
        found.file(member(found, name))  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        found.find_spec(member(found, name).module or "pkg._big")  # type: ignore[attr-defined]
    for folder in (tmp_path / "cache", fallback):  # not renamed in, no temporary file left over
        assert name not in files_under(folder) and not list(folder.rglob("*.partial"))


def test_parallel_starts_agree_on_one_whole_copy(archive: Sample, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    outputs = children(archive, cache, 6)
    expected = [str(cache / name) for name in archive.contents]
    assert [out.split() for out in outputs] == [expected] * 6
    assert files_under(cache) == set(archive.contents)  # no temporary file left behind
    for name, data in archive.contents.items():
        assert (cache / name).read_bytes() == data


def test_an_unwritable_cache_falls_back_to_the_extraction_folder(
    archive: Sample, tmp_path: Path
) -> None:
    (tmp_path / "home").write_text("not a folder")
    fallback = tmp_path / "_MEI123" / "_native"
    found = finder(archive, tmp_path / "home" / "cache", fallback)
    path = Path(found.file(member(found, LIBRARY)))  # type: ignore[attr-defined]
    assert path == fallback / LIBRARY
    assert path.read_bytes() == archive.contents[LIBRARY]


def test_a_module_that_cannot_be_unpacked_is_an_import_error(
    archive: Sample, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("")
    found = finder(archive, tmp_path / "file" / "cache", tmp_path / "file" / "fallback")
    with pytest.raises(ImportError, match=r"pkg\._big"):
        found.find_spec("pkg._big")  # type: ignore[attr-defined]
    assert found.find_spec("not.ours") is None  # type: ignore[attr-defined]


def test_housekeeping_removes_other_builds_unused_for_a_month(tmp_path: Path) -> None:
    root = tmp_path / "ytracker-sidecar"
    ages = {"native-current": 40, "native-old": 31, "lazy-old": 31, "native-recent": 29, "x": 99}
    for name, days in ages.items():
        (root / name).mkdir(parents=True)
        then = time.time() - days * 86400
        os.utime(root / name, (then, then))
    native_cache.housekeeping(str(root / "native-current"))
    assert sorted(p.name for p in root.iterdir()) == ["native-current", "native-recent", "x"]
    assert time.time() - (root / "native-current").stat().st_mtime < 60  # marked as used


# -- the finder --------------------------------------------------------------------------------


def mapped_files() -> set[str]:
    lines = Path("/proc/self/maps").read_text().splitlines()
    return {line.split(maxsplit=5)[5] for line in lines if len(line.split(maxsplit=5)) == 6}


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/maps")
def test_an_extension_module_loads_after_its_libraries_from_the_cache(tmp_path: Path) -> None:
    spec = importlib.util.find_spec("_bisect")
    libz = next((path for path in mapped_files() if "/libz.so" in path), None)
    if spec is None or not (spec.origin or "").endswith(".so") or libz is None:
        pytest.skip("needs _bisect as an extension module file and libz loaded")
    assert spec.origin is not None
    module_file = "python3.11/lib-dynload/" + Path(spec.origin).name
    members = [
        ("libz.so.1", Path(libz).read_bytes(), "-", zipfile.ZIP_DEFLATED),
        (module_file, Path(spec.origin).read_bytes(), "_bisect libz.so.1", zipfile.ZIP_DEFLATED),
    ]
    cache = tmp_path / "cache"
    test_archive = Sample(write_zip(tmp_path / "native.zip", members), {})
    found = finder(test_archive, cache)
    loaded = found.find_spec("_bisect")  # type: ignore[attr-defined]
    assert str(cache / "libz.so.1") in mapped_files()  # loaded first, by path, from the cache
    module = importlib.util.module_from_spec(loaded)
    assert module.__file__ == str(cache / module_file)
    assert module.bisect_left([1, 2, 3], 2) == 1


# -- libraries opened by path ------------------------------------------------------------------

BY_PATH = "Crypto/Cipher/_raw_thing.abi3.so"


def test_libraries_opened_by_path_are_placed_when_their_package_is_imported(
    tmp_path: Path,
) -> None:
    data = os.urandom(40_000)
    members = [(BY_PATH, data, "-", zipfile.ZIP_DEFLATED), (LIBRARY, b"other", "-", 0)]
    sample = Sample(write_zip(tmp_path / "native.zip", members), {})
    cache, root = tmp_path / "cache", tmp_path / "extracted"
    by_path = native_cache.ByPathFiles(finder(sample, cache), str(root), "Crypto")
    sys.meta_path.insert(0, by_path)
    try:
        assert by_path.find_spec("Cryptography") is None
        assert not root.exists()  # nothing before the package itself is imported
        assert by_path.find_spec("Crypto") is None  # the usual finders import it
        assert by_path not in sys.meta_path  # once
    finally:
        if by_path in sys.meta_path:
            sys.meta_path.remove(by_path)
    placed = root / BY_PATH
    assert placed.read_bytes() == data
    assert placed.resolve() == (cache / BY_PATH).resolve()  # the checked copy, kept for later
    assert files_under(root) == {BY_PATH}
