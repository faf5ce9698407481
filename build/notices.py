"""Write THIRD_PARTY_NOTICES.md: what the frozen binary contains, and under which licences.

Usage: `python build/notices.py [--check] [--out PATH] [--lock PATH]` from the repo's virtualenv
(the `dev` or `build` extra). `--check` exits 1 when the committed file differs.

Owns: the list of what ships (the locked runtime set of `requirements/runtime.txt` whose markers
match this platform, PyInstaller's bootloader and runtime hooks, and CPython), each package's
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


def lock_entries(lock: Path) -> list[Requirement]:
    """The `name==version ; markers` lines of a hashed requirements file, hashes dropped."""
    joined = re.sub(r"\\\n", " ", lock.read_text(encoding="utf-8"))
    lines = (line.split(" #", 1)[0].strip() for line in joined.splitlines())
    return [Requirement(line.split(" --", 1)[0]) for line in lines if line and line[0].isalnum()]


def pinned(requirement: Requirement) -> str:
    versions = [spec.version for spec in requirement.specifier if spec.operator == "=="]
    if len(versions) != 1:
        raise SystemExit(f"notices: {requirement} is not pinned with ==")
    return versions[0]


def from_lock(lock: Path) -> tuple[list[tuple[str, str]], list[Requirement]]:
    """(name, version) of the entries for this platform, and the entries for other platforms."""
    entries = lock_entries(lock)
    here = [(r.name, pinned(r)) for r in entries if r.marker is None or r.marker.evaluate()]
    elsewhere = [r for r in entries if r.marker is not None and not r.marker.evaluate()]
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
        "libffi (ctypes), zlib, and on Linux libgcc_s and libuuid."
    )
    texts = (("LICENSE.txt", text),)
    return Component("CPython", platform.python_version(), "PSF-2.0", texts, note)


def collect(lock: Path = LOCK) -> tuple[list[Component], list[Requirement]]:
    """Every component of this platform's binary, and the lock entries for other platforms."""
    if lock.is_file():
        runtime, elsewhere = from_lock(lock)
    else:
        runtime, elsewhere = installed_closure("ytracker-sidecar"), []
    build = [(name, metadata.version(name)) for name in SHIPPED_BUILD_TOOLS]
    packages = sorted(runtime + build, key=lambda item: canonicalize_name(item[0]))
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


def render(components: list[Component], elsewhere: list[Requirement], source: str) -> str:
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
        lines += [f"- {r.name} {pinned(r)} (`{r.marker}`)" for r in elsewhere]
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
