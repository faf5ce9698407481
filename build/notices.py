"""Write THIRD_PARTY_NOTICES.md: what the frozen binary contains, and under which licences.

Usage: `python build/notices.py [--check] [--out PATH] [--lock PATH]` from the repo's virtualenv
(the `dev` or `build` extra). `--check` exits 1 when the committed file differs.

Owns: the list of what ships (the entries of `requirements/runtime.txt` that uv's `# via` notes
trace back to the package, not to the build backend locked beside them, whose markers match this
platform; PyInstaller's bootloader and runtime hooks at `requirements/build.txt`'s versions; and
CPython), each package's
licence read from its installed distribution (`License-Expression`, else `License`, else the
classifiers) with the licence files it carries, and the rendering. Without a lock file it walks
the installed `ytracker-sidecar`'s requirements instead. A locked package that is missing, or
installed at another version, is an error: the notices would describe another binary.
Must not know: how the binary is built (`build.py` calls `write_next_to`).
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import platform
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements" / "runtime.txt"
BUILD_LOCK = REPO / "requirements" / "build.txt"
OUT = REPO / "THIRD_PARTY_NOTICES.md"
# Build tools whose own code goes into the binary: the bootloader, and the runtime hooks.
SHIPPED_BUILD_TOOLS = ("pyinstaller", "pyinstaller-hooks-contrib")
# Where the metadata's words are vaguer than the facts (a classifier for a licence with an
# exception, one label for two licences that cover different files).
LICENCE_OVERRIDES = {
    "pyinstaller": "GPL-2.0-or-later WITH Bootloader-exception (the bootloader in the binary)",
    "pyinstaller-hooks-contrib": (
        "Apache-2.0 (the runtime hooks in the binary); GPL-2.0-or-later (build hooks)"
    ),
}
LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    texts: tuple[tuple[str, str], ...]
    note: str = ""


# -- what ships ---------------------------------------------------------------------------------

ROOT = "ytracker-sidecar (pyproject.toml)"  # how uv's "# via" notes name the package itself


@dataclass(frozen=True)
class Locked:
    requirement: Requirement
    version: str
    via: tuple[str, ...]
    """What pulled it in, from uv's `# via` notes (canonical names, or ROOT, or `-r <file>`)."""

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)


def lock_entries(lock: Path) -> list[Locked]:
    """The entries of a hashed `uv pip compile` file: `name==version ; markers`, hashes, notes."""
    entries: list[Locked] = []
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8")):
        if not block[:1].isalnum():
            continue
        line = block.split("\\\n", 1)[0].split(" --", 1)[0].strip().rstrip("\\").strip()
        requirement = Requirement(line)
        notes = re.findall(r"^[ \t]*#[ \t]+(?:via[ \t]+)?(\S.*?)[ \t]*$", block, flags=re.MULTILINE)
        via = tuple(_via_name(note) for note in notes if note != "via")
        entries.append(Locked(requirement, pinned(requirement), via))
    return entries


def _via_name(note: str) -> str:
    return note if note == ROOT or note.startswith(("-r ", "-c ")) else canonicalize_name(note)


def pinned(requirement: Requirement) -> str:
    versions = [spec.version for spec in requirement.specifier if spec.operator == "=="]
    if len(versions) != 1:
        raise SystemExit(f"notices: {requirement} is not pinned with ==")
    return versions[0]


def shipped(entries: list[Locked]) -> list[Locked]:
    """The entries the package needs, directly or through others: not the build backend."""
    names = {ROOT}
    while True:
        more = {e.name for e in entries if e.name not in names and names.intersection(e.via)}
        if not more:
            return [e for e in entries if e.name in names]
        names |= more


def from_lock(lock: Path) -> tuple[list[tuple[str, str]], list[Locked]]:
    """(name, version) of what ships on this platform, and what ships on other platforms only."""
    entries = shipped(lock_entries(lock))
    marker_ok = [e.requirement.marker is None or e.requirement.marker.evaluate() for e in entries]
    here = [(e.requirement.name, e.version) for e, ok in zip(entries, marker_ok, strict=True) if ok]
    elsewhere = [e for e, ok in zip(entries, marker_ok, strict=True) if not ok]
    return here, elsewhere


def installed_closure(root: str) -> list[tuple[str, str]]:
    """The installed requirements of `root`, recursively, for this platform and no extras."""
    seen: dict[str, str] = {}
    todo = [root]
    while todo:
        dist = metadata.distribution(todo.pop())
        for line in dist.requires or ():
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is not None and not marker.evaluate({"extra": ""}):
                continue
            key = canonicalize_name(requirement.name)
            if key not in seen:
                seen[key] = metadata.version(requirement.name)
                todo.append(requirement.name)
    return sorted(seen.items())


# -- licences -----------------------------------------------------------------------------------


def declared_licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    override = LICENCE_OVERRIDES.get(canonicalize_name(str(meta["Name"])))
    if override:
        return override
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 120:
        return text
    classifiers = meta.get_all("Classifier") or []
    licences = [c.rsplit(" :: ", 1)[1] for c in classifiers if c.startswith("License ::")]
    return " / ".join(licences) or "not declared"


def licence_texts(dist: metadata.Distribution) -> tuple[tuple[str, str], ...]:
    """The licence files the distribution carries, as (name, text)."""
    names = dist.metadata.get_all("License-File") or []
    texts = [(name, _read(dist, name)) for name in names]
    if not names:  # older wheels: licence files at the top of the .dist-info folder
        for file in dist.files or ():
            if file.parent.name.endswith(".dist-info") and LICENCE_FILE.match(file.name):
                texts.append((file.name, file.read_text(encoding="utf-8")))
    return tuple((name, text) for name, text in texts if text)


def _read(dist: metadata.Distribution, name: str) -> str:
    return dist.read_text(f"licenses/{name}") or dist.read_text(name) or ""


def component(name: str, version: str) -> Component:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        raise SystemExit(f"notices: {name}=={version} is locked but not installed") from None
    if dist.version != version:
        raise SystemExit(f"notices: {name} is locked at {version} but {dist.version} is installed")
    texts = licence_texts(dist)
    note = (
        "" if texts else "The distribution ships no licence file; its metadata names the one above."
    )
    return Component(str(dist.metadata["Name"]), version, declared_licence(dist), texts, note)


def cpython() -> Component:
    text = (Path(sysconfig.get_path("stdlib")) / "LICENSE.txt").read_text(encoding="utf-8")
    note = (
        "The binary also carries the shared libraries the interpreter and its extension modules "
        "link against on the build machine, under their own licences: OpenSSL (ssl, hashlib), "
        "libffi (ctypes), zlib, SQLite (sqlite3, public domain), and on Linux libgcc_s, "
        "libuuid and liblzma (which unpacks the bundle's native libraries)."
    )
    texts = (("LICENSE.txt", text),)
    return Component("CPython", platform.python_version(), "PSF-2.0", texts, note)


def build_tools(build_lock: Path = BUILD_LOCK) -> list[tuple[str, str]]:
    """The shipped build tools at their locked versions (installed ones without a lock)."""
    if not build_lock.is_file():
        return [(name, metadata.version(name)) for name in SHIPPED_BUILD_TOOLS]
    locked = {e.name: e.version for e in lock_entries(build_lock)}
    return [(name, locked[name]) for name in SHIPPED_BUILD_TOOLS]


def collect(lock: Path = LOCK) -> tuple[list[Component], list[Locked]]:
    """Every component of this platform's binary, and the lock entries for other platforms."""
    if lock.is_file():
        runtime, elsewhere = from_lock(lock)
    else:
        runtime, elsewhere = installed_closure("ytracker-sidecar"), []
    packages = sorted(runtime + build_tools(), key=lambda item: canonicalize_name(item[0]))
    return [cpython(), *(component(name, version) for name, version in packages)], elsewhere


# -- rendering ----------------------------------------------------------------------------------


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _section(item: Component) -> list[str]:
    lines = [f"## {item.name} {item.version}", "", f"Licence: {item.licence}", ""]
    if item.note:
        lines += [item.note, ""]
    for name, text in item.texts:
        fence = _fence(text)
        lines += [f"### {name}", "", f"{fence}text", text.rstrip("\n"), fence, ""]
    return lines


def render(components: list[Component], elsewhere: list[Locked], source: str) -> str:
    lines = [
        "# Third-party notices",
        "",
        "The `ytracker-sidecar` binary (its own licence: `LICENSE`, BSD-3-Clause) contains the "
        "software below, each under its own licence. Generated by `python build/notices.py` "
        f"from {source} on {sys.platform}; do not edit.",
        "",
        "| component | version | licence |",
        "| --- | --- | --- |",
        *(f"| {c.name} | {c.version} | {c.licence} |" for c in components),
        "",
    ]
    if elsewhere:
        lines += ["Locked for other platforms only, so not in this platform's binary:", ""]
        lines += [
            f"- {e.requirement.name} {e.version} (`{e.requirement.marker}`)" for e in elsewhere
        ]
        lines.append("")
    for item in components:
        lines += _section(item)
    return "\n".join(lines).rstrip("\n") + "\n"


def notices(lock: Path = LOCK) -> str:
    shown = lock.relative_to(REPO).as_posix() if lock.is_relative_to(REPO) else lock.name
    source = f"`{shown}`" if lock.is_file() else "the installed requirements"
    return render(*collect(lock), source)


def path_next_to(binary: Path) -> Path:
    """`THIRD_PARTY_NOTICES-<binary name without .exe>.md` in the binary's folder."""
    return binary.with_name(f"THIRD_PARTY_NOTICES-{binary.stem}.md")


def write_next_to(binary: Path) -> Path:
    """This platform's notices beside the binary built here."""
    target = path_next_to(binary)
    target.write_text(notices(), encoding="utf-8", newline="\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when --out differs")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--lock", type=Path, default=LOCK)
    args = parser.parse_args(argv)
    text = notices(args.lock.resolve())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"notices: {args.out} is stale; run `python build/notices.py`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8", newline="\n")
    print(f"notices: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
