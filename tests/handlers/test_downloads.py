"""Download destinations (`docs/frontend-contract.md` §9.9), the Downloads folder lookup, and the
atomic temporary file."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from sidecar.errors import InvalidInput, LocalIOError
from sidecar.local.downloads import (
    EMPTY_DESTINATION,
    TEMP_NAME,
    AtomicFile,
    check_destination,
    downloads_dir,
    resolve_destination,
    temp_name,
    xdg_download_dir,
)
from sidecar.local.file_names import Flavour, is_absolute, safe_name

CWD = Path("/srv/here")
DOWNLOADS = Path("/home/u/Downloads")


@pytest.mark.parametrize("dest", ["", "   ", "\t\n"])
def test_an_empty_destination_is_refused(dest: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_destination(dest, DOWNLOADS, CWD)
    assert caught.value.message == EMPTY_DESTINATION == "Destination path cannot be empty"
    assert caught.value.kind == "invalid"


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("report.txt", DOWNLOADS / "report.txt"),
        ("  report.txt  ", DOWNLOADS / "report.txt"),
        ("no extension", DOWNLOADS / "no extension"),
        ("sub/report.txt", DOWNLOADS / "sub_report.txt"),
        ("./report.txt", DOWNLOADS / "report.txt"),
        ("../x", DOWNLOADS / "x"),
        ("../../.bashrc", DOWNLOADS / ".bashrc"),
        ("..\\x", DOWNLOADS / "x"),
        ("a\\..\\..\\b", DOWNLOADS / "a_b"),
        ("~/.ssh/authorized_keys", DOWNLOADS / "~_.ssh_authorized_keys"),  # `~` is not home
        ("C:\\Windows\\x.dll", DOWNLOADS / "C:_Windows_x.dll"),  # not absolute on POSIX
        ("\\\\server\\share\\x", DOWNLOADS / "server_share_x"),
        ("..", DOWNLOADS / "download"),
        ("./", DOWNLOADS / "download"),
        ("a\x00b", DOWNLOADS / "a_b"),
        ("line\nbreak\x7f", DOWNLOADS / "line_break_"),
        ("CON", DOWNLOADS / "CON"),  # an ordinary name on POSIX
        ("/abs/dir/report.txt", Path("/abs/dir/report.txt")),
        ("/abs/../etc/x", Path("/abs/../etc/x")),  # a dialog's choice is used as given
    ],
)
def test_an_absolute_path_is_used_as_given_anything_else_is_a_safe_name_in_downloads(
    dest: str, expected: Path
) -> None:
    assert resolve_destination(dest, DOWNLOADS, CWD, "posix") == expected


@pytest.mark.parametrize(
    ("dest", "absolute"),
    [
        ("C:\\Users\\u\\Downloads\\x.pdf", True),
        ("C:/Users/u/x.pdf", True),
        ("\\\\server\\share\\x.pdf", True),
        ("\\\\?\\C:\\x.pdf", True),
        ("\\x.pdf", False),  # the root of whichever drive is current
        ("C:x.pdf", False),  # relative to drive C's current folder
        ("/x.pdf", False),
        ("..\\x.pdf", False),
        ("x.pdf", False),
    ],
)
def test_windows_absolute_paths(dest: str, absolute: bool) -> None:
    assert is_absolute(dest, "windows") is absolute


@pytest.mark.parametrize(
    ("dest", "name"),
    [
        ("..\\x", "x"),
        ("../x", "x"),
        ("\\x.pdf", "x.pdf"),
        ("C:x.pdf", "C_x.pdf"),
        ('a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("Com1 .tar.gz", "_Com1 .tar.gz"),
        ("LPT¹", "_LPT¹"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        ("report. . ", "report"),
        ("...", "download"),
        ("a\x00b", "a_b"),
    ],
)
def test_windows_names(dest: str, name: str) -> None:
    assert safe_name(dest, "windows") == name
    windows = resolve_destination(dest, DOWNLOADS, CWD, "windows")
    assert windows == DOWNLOADS / name


def test_posix_keeps_what_only_windows_forbids() -> None:
    assert safe_name("a<b>:c", "posix") == "a<b>:c"
    assert safe_name("...", "posix") == "..."


def test_an_absolute_path_with_a_nul_is_invalid() -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_destination("/tmp/a\x00b", DOWNLOADS, CWD, "posix")
    assert caught.value.message == "Destination path contains a NUL character"


@pytest.mark.parametrize("flavour", ["posix", "windows"])
def test_a_name_too_long_for_a_file_system_is_cut_keeping_its_extension(flavour: Flavour) -> None:
    name = safe_name("я" * 130 + ".pdf", flavour)
    assert name == "я" * 125 + ".pdf" and len(name.encode()) == 254
    assert len(safe_name("x" * 300, flavour).encode()) == 255


def test_the_temporary_name_fits_beside_a_name_of_255_bytes() -> None:
    longest = "я" * 125 + ".txt!"  # 255 bytes
    temp = temp_name(longest, "0123abcd")
    assert len(temp.encode()) <= 255 and TEMP_NAME.match(temp)  # cut on a character boundary
    assert temp.startswith(".яя") and temp.endswith(".0123abcd.part")
    assert temp_name("a.txt", "0123abcd") == ".a.txt.0123abcd.part"


def test_without_a_downloads_folder_a_bare_name_goes_to_the_working_directory() -> None:
    assert resolve_destination("a.bin", None, CWD) == CWD / "a.bin"


def _user_dirs(config_home: Path, text: str) -> None:
    config_home.mkdir(parents=True, exist_ok=True)
    (config_home / "user-dirs.dirs").write_text(text, encoding="utf-8")


def test_xdg_user_dirs_name_the_linux_downloads_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _user_dirs(
        home / ".config",
        '# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR="$HOME/Desktop"\n'
        'XDG_DOWNLOAD_DIR="$HOME/Загрузки"\n',
    )
    assert downloads_dir({}, home, "linux") == home / "Загрузки"


def test_xdg_config_home_is_honoured_and_absolute_values_kept(tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    _user_dirs(config, 'XDG_DOWNLOAD_DIR="/data/dl"\n')
    env = {"XDG_CONFIG_HOME": str(config)}
    assert xdg_download_dir(env, tmp_path / "home") == Path("/data/dl")


def test_a_relative_xdg_config_home_is_ignored(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _user_dirs(home / ".config", 'XDG_DOWNLOAD_DIR="$HOME/Downloads"\n')
    assert xdg_download_dir({"XDG_CONFIG_HOME": "relative"}, home) == home / "Downloads"


@pytest.mark.parametrize(
    "text",
    [
        "",
        'XDG_MUSIC_DIR="$HOME/Music"\n',
        '#XDG_DOWNLOAD_DIR="$HOME/x"\n',
        'XDG_DOWNLOAD_DIR="rel"',
    ],
)
def test_linux_without_a_usable_entry_has_no_downloads_folder(tmp_path: Path, text: str) -> None:
    _user_dirs(tmp_path / ".config", text)
    assert downloads_dir({}, tmp_path, "linux") is None


def test_linux_without_a_user_dirs_file_has_no_downloads_folder(tmp_path: Path) -> None:
    assert downloads_dir({}, tmp_path, "linux") is None


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_elsewhere_the_downloads_folder_is_in_home(tmp_path: Path, platform: str) -> None:
    assert downloads_dir({}, tmp_path, platform) == tmp_path / "Downloads"


def test_a_directory_is_not_a_destination(tmp_path: Path) -> None:
    with pytest.raises(LocalIOError) as caught:
        check_destination(tmp_path)
    assert caught.value.message == f"io error: Is a directory (os error 21): {tmp_path}"
    assert caught.value.kind == "local_io"


def test_a_new_or_writable_file_is_a_destination(tmp_path: Path) -> None:
    check_destination(tmp_path / "new.txt")
    (tmp_path / "old.txt").write_text("old")
    check_destination(tmp_path / "old.txt")


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _leftovers(folder: Path) -> list[str]:
    return [name for name in _entries(folder) if name.endswith(".part")]


async def test_commit_creates_parents_and_renames_the_complete_file(tmp_path: Path) -> None:
    dest = tmp_path / "a" / "b" / "file.bin"
    target = AtomicFile(dest)
    await target.open()
    assert target.temp_path is not None and target.temp_path.parent == dest.parent
    assert not dest.exists()
    for chunk in (b"one ", b"two ", b"three"):
        await target.write(chunk)
    await target.commit()
    await target.discard()  # a no-op after commit
    assert dest.read_bytes() == b"one two three"
    assert _leftovers(dest.parent) == []


async def test_discard_removes_the_temporary_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    dest = tmp_path / "keep.txt"
    dest.write_bytes(b"precious")
    target = AtomicFile(dest)
    await target.open()
    await target.write(b"half of the new")
    assert len(_leftovers(tmp_path)) == 1
    await target.discard()
    assert dest.read_bytes() == b"precious"
    assert _leftovers(tmp_path) == []


async def test_a_cancelled_open_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = AtomicFile(tmp_path / "deep" / "x.bin")
    opening = asyncio.ensure_future(target.open())
    await asyncio.sleep(0)
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    await target.discard()
    assert _entries(tmp_path / "deep") == []


async def test_a_cancelled_write_is_finished_before_the_file_is_removed(tmp_path: Path) -> None:
    target = AtomicFile(tmp_path / "x.bin")
    await target.open()
    writing = asyncio.ensure_future(target.write(b"x" * (8 << 20)))
    await asyncio.sleep(0)
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing
    await target.discard()
    assert _entries(tmp_path) == []


async def test_an_overwritten_file_keeps_its_mode(tmp_path: Path) -> None:
    dest = tmp_path / "script.sh"
    dest.write_text("old")
    dest.chmod(0o750)
    target = AtomicFile(dest)
    await target.open()
    await target.write(b"new")
    await target.commit()
    assert stat.S_IMODE(dest.stat().st_mode) == 0o750 and dest.read_text() == "new"


async def test_a_new_file_gets_the_usual_mode_not_the_temporary_files(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    target = AtomicFile(tmp_path / "new.txt")
    await target.open()
    await target.commit()
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o666 & ~umask


async def test_a_parent_that_is_a_file_is_a_clear_io_error(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("not a folder")
    target = AtomicFile(tmp_path / "plain" / "sub" / "x.txt")
    with pytest.raises(LocalIOError) as caught:
        await target.open()
    assert caught.value.message.startswith("io error: Not a directory (os error 20): ")
