"""Native libraries of the frozen sidecar come from a per-build user cache, unpacked once.

A onefile launcher unpacks every bundled binary into a fresh temp folder before each start:
most of what a frozen start costs beyond the source's. So the spec puts the native libraries
that load only after the runtime hooks have started into `native.zip`: on Linux every extension
module and shared library but libpython and the three modules PyInstaller's bootstrap imports
first, elsewhere only cryptography's Rust core. On Linux the launcher leaves that archive inside
the executable, where it is read in place; elsewhere it copies it out as it is. Its members are
stored, deflated or xz (`native_archive.py` writes it).
`rthook_native_cache.py`, the first runtime hook, calls `install_frozen()`, which puts a finder
last on `sys.meta_path`. It serves each module of the archive from
`<user cache>/ytracker-sidecar/native-<content id>/` (`$XDG_CACHE_HOME` or `~/.cache`,
`~/Library/Caches`, `%LOCALAPPDATA%`), in the archive's layout:

- a file is unpacked on first need into an unnamed file in that folder (Linux's O_TMPFILE;
  elsewhere under a temporary name), checked against the size and CRC-32 the archive records
  for it, stamped, linked under a temporary name and only then renamed to its own name; a start
  killed while unpacking leaves nothing (an unnamed file dies with it) or a temporary name,
  which no start trusts (later starts remove it once it is an hour old, so as not to delete
  what a parallel start is writing);
- the stamp is a fixed modification time (2000-01-01) that no write leaves behind, set only on
  the private temporary file, so no write can slip in between the check and the stamp. A start
  loads a file that has the member's size and the stamp (a stat: re-reading the ~6.5 MB loaded
  before `ready` would cost ~3.5 ms); any other file at that name is unpacked again. So a
  truncated, corrupted or rewritten file is never loaded;
- parallel starts each write their own temporary file and rename it; a rename is atomic, so a
  reader sees either no file or a whole one;
- the libraries an extension module links against are loaded first, by path (ctypes), so the
  dynamic linker finds them by their soname instead of searching the system's folders;
- when the cache cannot be written, files are unpacked into this run's extraction folder.

Libraries a package opens by path instead of importing them (pycryptodome's, `LOADED_BY_PATH`)
are linked into the extraction folder from their cached copies by `ByPathFiles` when the
package is first imported.

These checks guard against accidents (kills, full disks, crashes, stray edits), not against an
attacker who can write the user's files, nor against a disk that flips bits. Housekeeping, in a
daemon thread, removes old temporary files and other builds' folders unused for 30 days.

Owns: the archive reader, the cache folder and its checks, the import finder. A plain module:
the spec packs it into the bundle, tests import it from build/. Must not import the
application, nor, before the finder is in place, anything the bootstrap has not loaded (no
zipfile, shutil or threading at import time): every other extension module may come from the
cache.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import os
import struct
import sys
import time
import zlib
from _thread import RLock
from collections.abc import Callable, Iterable, Iterator

ARCHIVE = "native.zip"
FOLDER_PREFIX = "native-"
STALE_PREFIXES = ("native-", "lazy-")  # lazy-: earlier builds' cryptography-only folders
STALE_AFTER_S = 30 * 24 * 3600  # other builds' folders unused this long are removed
PARTIAL_SUFFIX = ".partial"
PARTIAL_AFTER_S = 3600  # a temporary file this old belongs to a start that died
STAMP_NS = 946_684_800 * 10**9  # 2000-01-01T00:00:00Z: checked, and not written since
CHUNK = 1 << 20
# Packages whose native libraries are opened by path rather than imported (pycryptodome's).
LOADED_BY_PATH = ("Crypto",)

# PyInstaller's CArchive (PyInstaller/archive/writers.py): a cookie at its end, a table of
# contents of (entry length, offset, stored length, length, compressed flag, type code, name).
CARCHIVE_MAGIC = b"MEI\014\013\012\013\016"
COOKIE = struct.Struct("!8sIIII64s")
TOC_ENTRY = struct.Struct("!IIIIBc")
# Zip records (APPNOTE 4.3.7, 4.3.12, 4.3.16).
LOCAL = struct.Struct("<4s5H3L2H")
CENTRAL = struct.Struct("<4s6H3L5H2L")
END = struct.Struct("<4s4H2LH")
STORED, DEFLATED, XZ = 0, 8, 95  # APPNOTE 4.4.5 compression methods


def cache_root() -> str:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~/AppData/Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "ytracker-sidecar")


# -- the archive -------------------------------------------------------------------------------


def locate(meipass: str, executable: str) -> tuple[str, int, int] | None:
    """(file, offset, length) of ARCHIVE: copied out by the launcher, or inside the executable."""
    copied = os.path.join(meipass, ARCHIVE)
    if os.path.isfile(copied):
        return copied, 0, os.path.getsize(copied)
    try:
        return in_carchive(executable, ARCHIVE)
    except (OSError, struct.error, UnicodeDecodeError):
        return None


def in_carchive(executable: str, name: str) -> tuple[str, int, int] | None:
    """Where the uncompressed entry `name` of the executable's PyInstaller archive lies."""
    with open(executable, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        tail_at = max(size - 65536, 0)  # the cookie ends the archive; ELF section headers follow
        f.seek(tail_at)
        tail = f.read()
        at = tail.rfind(CARCHIVE_MAGIC)
        if at < 0:
            return None
        _, length, toc_offset, toc_length, _, _ = COOKIE.unpack_from(tail, at)
        start = tail_at + at + COOKIE.size - length
        f.seek(start + toc_offset)
        toc = f.read(toc_length)
    pos = 0
    while pos + TOC_ENTRY.size <= len(toc):
        entry_length, offset, stored, _, compressed, _ = TOC_ENTRY.unpack_from(toc, pos)
        if entry_length <= TOC_ENTRY.size:  # not a table of contents we know
            return None
        if toc[pos + TOC_ENTRY.size : pos + entry_length].rstrip(b"\0").decode() == name:
            return (executable, start + offset, stored) if not compressed else None
        pos += entry_length
    return None


class Member:
    """One file of the archive, as its central directory describes it."""

    __slots__ = ("crc", "deps", "method", "module", "name", "offset", "size", "stored")

    def __init__(self, name: str, fields: tuple[int, ...], comment: str) -> None:
        self.name = name
        self.method, self.crc, self.stored, self.size, self.offset = fields
        # The spec writes "<module name or -> <libraries to load first, in order>".
        module, *self.deps = comment.split() or ["-"]
        self.module = None if module == "-" else module


class Archive:
    """A zip at `offset` in `path` (the spec's: no zip64, no encryption). The file stays open
    for the life of the process: an update may replace the executable while it still runs."""

    def __init__(self, path: str, offset: int, length: int) -> None:
        self.path, self.offset = path, offset
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        tail_at = max(length - END.size - 256, 0)
        tail = self._read(tail_at, length - tail_at)
        at = tail.rfind(b"PK\5\6")
        _, _, _, _, count, directory_size, directory_at, id_size = END.unpack_from(tail, at)
        self.id = tail[at + END.size : at + END.size + id_size].decode("ascii")
        self.members = dict(_members(self._read(directory_at, directory_size), count))

    def _read(self, at: int, size: int) -> bytes:
        """Up to `size` bytes at `at` in the zip (callers hold the finder's lock)."""
        if hasattr(os, "pread"):
            return os.pread(self._fd, size, self.offset + at)
        os.lseek(self._fd, self.offset + at, os.SEEK_SET)
        return os.read(self._fd, size)

    def chunks(self, member: Member) -> Iterator[bytes]:
        """The member's bytes, inflated."""
        header = LOCAL.unpack(self._read(member.offset, LOCAL.size))
        at = member.offset + LOCAL.size + header[9] + header[10]  # after name and extra field
        decoder = _decoder(member)
        end = at + member.stored
        try:
            while at < end:
                data = self._read(at, min(CHUNK, end - at))
                if not data:
                    raise OSError(f"{ARCHIVE}: {member.name} is cut short")
                at += len(data)
                yield decoder[0](data) if decoder else data
            if decoder:
                yield decoder[1]()
        except zlib.error as exc:
            raise OSError(f"{ARCHIVE}: {member.name}: {exc}") from exc


Decoder = tuple[Callable[[bytes], bytes], Callable[[], bytes]]  # (decompress, finish)


def _decoder(member: Member) -> Decoder | None:
    """Stored (0), deflated (8) or xz (95). native_archive.py, the spec's writer, makes xz
    members but for the libraries `lzma` itself loads, which it deflates."""
    if member.method == XZ:
        return _xz_decoder(member)
    if member.method == DEFLATED:
        inflate = zlib.decompressobj(-15)
        return inflate.decompress, inflate.flush
    if member.method == STORED:
        return None
    raise OSError(f"{ARCHIVE}: {member.name}: compression method {member.method} unknown")


def _xz_decoder(member: Member) -> Decoder:
    try:  # `_lzma`, not `lzma`: the spec leaves `lzma` out so that shutil's import of it fails
        import _lzma  # fast; and not at import time: `_lzma` comes from this very archive
    except ImportError as exc:
        raise OSError(f"{ARCHIVE}: {member.name}: no xz decoder: {exc}") from exc
    unxz = _lzma.LZMADecompressor(_lzma.FORMAT_XZ)

    def decompress(data: bytes) -> bytes:
        try:
            return unxz.decompress(data)
        except (_lzma.LZMAError, EOFError) as exc:  # EOFError: bytes after the stream
            raise OSError(f"{ARCHIVE}: {member.name}: {exc}") from exc

    def finish() -> bytes:
        if not unxz.eof:
            raise OSError(f"{ARCHIVE}: {member.name}: the xz stream is cut short")
        return b""

    return decompress, finish


def _members(directory: bytes, count: int) -> Iterator[tuple[str, Member]]:
    pos = 0
    for _ in range(count):
        record = CENTRAL.unpack_from(directory, pos)
        name_size, extra_size, comment_size = record[10:13]
        name_at = pos + CENTRAL.size
        comment_at = name_at + name_size + extra_size
        name = directory[name_at : name_at + name_size].decode()
        comment = directory[comment_at : comment_at + comment_size].decode()
        yield name, Member(name, (record[4], *record[7:10], record[16]), comment)
        pos = comment_at + comment_size


# -- files in a folder -------------------------------------------------------------------------


def matches(path: str, member: Member) -> bool:
    """The file at `path` has the member's size and CRC-32."""
    buffer = bytearray(min(CHUNK, member.size + 1))
    view = memoryview(buffer)
    crc = 0
    try:
        with open(path, "rb", buffering=0) as f:
            if os.fstat(f.fileno()).st_size != member.size:
                return False
            while read := f.readinto(buffer):
                crc = zlib.crc32(view[:read], crc)
    except OSError:
        return False
    return crc == member.crc


def trusted(path: str, member: Member) -> bool:
    """`path` was renamed into place checked and stamped, and has not been written since."""
    try:
        status = os.stat(path)
    except OSError:
        return False
    return status.st_size == member.size and status.st_mtime_ns == STAMP_NS


def stamp(path: str) -> None:
    try:
        os.utime(path, ns=(time.time_ns(), STAMP_NS))
    except OSError:
        pass  # unpacked again next time


def unpack(archive: Archive, member: Member, folder: str) -> str:
    """The member's file in `folder`: trusted if stamped, else unpacked, checked and renamed."""
    final = os.path.join(folder, *member.name.split("/"))
    if not trusted(final, member):
        place(final, member, archive.chunks(member))
    return final


def place(final: str, member: Member, chunks: Iterable[bytes]) -> None:
    """Write `chunks` to `final` as described above: unnamed, checked against the member's size
    and CRC-32, stamped, named, renamed into place."""
    os.makedirs(os.path.dirname(final), 0o700, exist_ok=True)
    partial = f"{final}.{os.getpid()}-{os.urandom(4).hex()}{PARTIAL_SUFFIX}"
    try:
        fd = _unnamed_file(os.path.dirname(final))
        if fd is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # Windows
            _write_checked(chunks, member, os.open(partial, flags, 0o700), partial)
        else:
            _write_checked(chunks, member, fd, f"/proc/self/fd/{fd}", link_as=partial)
        os.replace(partial, final)
    finally:
        if os.path.lexists(partial):
            os.unlink(partial)


def _unnamed_file(folder: str) -> int | None:
    """A file in `folder` with no name yet (Linux's O_TMPFILE), else None: a start killed
    while writing it, as happens to a module a background thread imports at exit, leaves
    nothing behind; it gets its temporary name only once whole, checked and stamped."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o700)
    except OSError:  # a file system without unnamed files
        return None


def _write_checked(
    chunks: Iterable[bytes], member: Member, fd: int, path: str, link_as: str | None = None
) -> None:
    """Write the member into `fd`, check it through `path`, stamp it, and give an unnamed
    file the name `link_as`."""
    with open(fd, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
        if not matches(path, member):
            raise OSError(f"{member.name}: the unpacked file does not match the archive")
        stamp(path)
        if link_as is not None:
            _link_unnamed(fd, link_as)


def _link_unnamed(fd: int, name: str) -> None:
    """linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/<fd>, as open(2) shows; os.link makes that
    call only when given a directory fd (with none it calls link(), which would link the
    /proc entry itself)."""
    proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(str(fd), name, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)


def remove_leftovers(folder: str, now: float) -> None:
    """Temporary files of starts that died while unpacking (old enough not to be in use). A
    stamped one looks old at once: its writer had only the rename left, and should it lose that
    race it unpacks into the extraction folder instead."""
    for parent, _, names in os.walk(folder):
        for name in filter(lambda n: n.endswith(PARTIAL_SUFFIX), names):
            path = os.path.join(parent, name)
            try:
                if now - os.lstat(path).st_mtime > PARTIAL_AFTER_S:
                    os.unlink(path)
            except OSError:
                pass


def forget_stale(current: str, now: float) -> None:
    """Mark `current` as used; remove other builds' folders nobody used for a long while."""
    import shutil  # not at import time: see the module docstring

    os.utime(current, (now, now))
    parent = os.path.dirname(current)
    for name in os.listdir(parent):
        other = os.path.join(parent, name)
        try:
            stale = now - os.stat(other).st_mtime > STALE_AFTER_S
        except OSError:
            continue
        if other != current and name.startswith(STALE_PREFIXES) and stale:
            shutil.rmtree(other, ignore_errors=True)


def housekeeping(folder: str) -> None:
    if not os.path.isdir(folder):
        return
    try:
        now = time.time()
        remove_leftovers(folder, now)
        forget_stale(folder, now)
    except OSError:
        pass  # housekeeping only


# -- the import finder -------------------------------------------------------------------------


class NativeFinder:
    """A meta path finder for the archive's extension modules (consulted last)."""

    def __init__(self, archive: Archive, cache: str, fallback: str) -> None:
        self.archive, self.cache, self.fallback = archive, cache, fallback
        self.modules = {m.module: m for m in archive.members.values() if m.module}
        self.files: dict[str, str] = {}  # member name → its checked file, this run
        self.libraries: dict[str, ctypes.CDLL] = {}  # kept loaded for the life of the process
        self._lock = RLock()  # two threads may need the same library at once

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        member = self.modules.get(fullname)
        if member is None:
            return None
        try:
            with self._lock:
                for name in member.deps:
                    self._load_library(self.archive.members[name])
                file = self.file(member)
        except OSError as exc:  # ImportError lets a module fall back to its pure-Python twin
            raise ImportError(f"{fullname}: {exc}", name=fullname) from exc
        loader = importlib.machinery.ExtensionFileLoader(fullname, file)
        spec = importlib.machinery.ModuleSpec(fullname, loader, origin=file)
        spec.has_location = True
        return spec

    def invalidate_caches(self) -> None:
        pass

    def file(self, member: Member) -> str:
        """A checked copy of `member`: in the user cache, else in the extraction folder."""
        found = self.files.get(member.name)
        if found is None:
            try:
                found = unpack(self.archive, member, self.cache)
            except OSError:  # read-only or full home, or a loaded DLL that cannot be replaced
                found = unpack(self.archive, member, self.fallback)
            self.files[member.name] = found
        return found

    def _load_library(self, member: Member) -> None:
        if member.name not in self.libraries:
            self.libraries[member.name] = ctypes.CDLL(self.file(member))


class ByPathFiles:
    """A meta path finder consulted first that finds nothing: when `package` is first imported,
    it puts the archive's files under `package`'s folder where the package looks for them, in
    the extraction folder `root`, as links to their checked copies (pycryptodome opens its
    native libraries by path with cffi, never imports them, so `NativeFinder` cannot serve them:
    left to the launcher, its 49 files, 8.6 MB, were inflated on every start, ~25 ms)."""

    def __init__(self, finder: NativeFinder, root: str, package: str) -> None:
        self.finder, self.root, self.package = finder, root, package
        prefix = package + "/"
        self.members = [m for n, m in finder.archive.members.items() if n.startswith(prefix)]

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == self.package:
            with self.finder._lock:
                if self in sys.meta_path:
                    sys.meta_path.remove(self)
                    self.place()
        return None

    def invalidate_caches(self) -> None:
        pass

    def place(self) -> None:
        for member in self.members:
            where = os.path.join(self.root, *member.name.split("/"))
            try:
                checked = self.finder.file(member)
                os.makedirs(os.path.dirname(where), 0o700, exist_ok=True)
                os.symlink(checked, where)
            except OSError:  # no links here: a copy in the extraction folder, checked
                try:
                    unpack(self.finder.archive, member, self.root)
                except OSError:
                    pass  # the package reports the missing file when it needs it


def install(meipass: str, executable: str) -> NativeFinder | None:
    where = locate(meipass, executable)
    if where is None:
        return None
    archive = Archive(*where)
    cache = os.path.join(cache_root(), FOLDER_PREFIX + archive.id)
    finder = NativeFinder(archive, cache, os.path.join(meipass, "_native"))
    sys.meta_path.append(finder)
    for package in LOADED_BY_PATH:
        by_path = ByPathFiles(finder, meipass, package)
        if by_path.members:
            sys.meta_path.insert(0, by_path)
    return finder


def install_frozen() -> str | None:
    """In a onefile build: the finder, then housekeeping in a daemon thread. The cache folder,
    if there is an archive."""
    meipass = getattr(sys, "_MEIPASS", None)
    finder = None if meipass is None else install(meipass, sys.executable)
    if finder is None:
        return None
    import threading  # the finder is in place: threading's imports may use it

    threading.Thread(
        target=housekeeping, args=(finder.cache,), name="native-cache-housekeeping", daemon=True
    ).start()
    return finder.cache
