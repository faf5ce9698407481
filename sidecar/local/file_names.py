"""File names from outside: is a destination a path the user chose or a name to make safe?

Owns: the destination rule of `docs/frontend-contract.md` §9.9 as pure functions, for either
platform's path syntax whatever the platform it runs on (so both are tested everywhere), and
fitting a name within the file system's byte limit. Must not know: where Downloads is, or disks.

The frontend pre-fills the download prompt with the attachment's own name, which anyone who can
attach a file chooses (`../../.bashrc`, `C:\\Windows\\x`, `CON`). So:

- an **absolute** path (POSIX: it starts with `/`; Windows: a drive and a root, `C:\\x` or `C:/x`,
  or a UNC share `\\\\server\\share\\x`) is what a save dialog returns: it is used as given;
- anything else is a **name**: every `/` and `\\` separates parts, empty, `.` and `..` parts are
  dropped and the rest joined with `_`; control characters (NUL included) become `_`; on
  Windows also `<>:"|?*`, trailing dots and spaces go, and a reserved device name (`CON`,
  `NUL.txt`, `COM1`, …) gets a leading `_`; a name left empty becomes `download`, and one
  longer than 255 bytes is cut (keeping its extension). `~` is not expanded. The name then lands
  in the Downloads folder.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Literal

NAME_MAX = 255  # bytes in one path component: ext4, XFS, Btrfs, APFS; NTFS counts 255 UTF-16 units
FALLBACK_NAME = "download"
NUL_IN_PATH = "Destination path contains a NUL character"

Flavour = Literal["posix", "windows"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_SEPARATORS = re.compile(r"[/\\]")
_RESERVED = re.compile(r"(?i)con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]")  # with any extension
_KEPT_EXTENSION = 32  # bytes: a longer "extension" is just a long name with a dot in it


def is_absolute(text: str, flavour: Flavour) -> bool:
    """Whether `text` is a full path a dialog could return (not `\\x` or `C:x`, which lean on
    the process's current drive or folder)."""
    if flavour == "posix":
        return PurePosixPath(text).is_absolute()
    path = PureWindowsPath(text)
    return bool(path.drive and path.root)


def safe_name(text: str, flavour: Flavour) -> str:
    """`text` as one file name that stays in the folder it is joined to."""
    parts = [p for p in _SEPARATORS.split(text) if p not in ("", ".", "..")]
    name = _CONTROL.sub("_", "_".join(parts))
    if flavour == "windows":
        name = _WINDOWS_FORBIDDEN.sub("_", name).rstrip(". ")
        if _RESERVED.fullmatch(name.split(".", 1)[0].rstrip(" ")):
            name = "_" + name
    return fit_name(name or FALLBACK_NAME, NAME_MAX)


def fit_name(name: str, limit: int) -> str:
    """`name` cut to at most `limit` UTF-8 bytes on a character boundary, keeping a short
    extension (`<cut stem>.pdf`)."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode()) + 1 > _KEPT_EXTENSION:
        return _cut(name, limit)
    return _cut(stem, limit - len(extension.encode()) - 1) + "." + extension


def _cut(text: str, limit: int) -> str:
    return text.encode()[: max(limit, 0)].decode(errors="ignore")
