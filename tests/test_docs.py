"""The documentation holds together: nothing points outside the repository, and every cited
section of `docs/*.md` exists.

A citation is `docs/<name>.md` followed by sections, e.g. `docs/frontend-contract.md` §4.14,
§9.5–§9.7, §4.5, §4.6 or §9.5/§9.6 (a range checks both ends). A bare §X inside
`docs/<name>.md` cites that document itself. Sections are read from the numbered headings
(`## 4.`, `### 4.14 Event payloads`). Every tracked file is read, whatever its type.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
# Built from parts so that this file does not mention them itself.
OUTSIDE = ("../" + "shared", "/" + "work/")

_NUMBER = r"\d+(?:\.\d+)*"
# After a dash the § may be left out (§1.1–1.2); after a comma, slash, "and" or "or" it may not.
_CHAIN = rf"§{_NUMBER}(?:(?:\s*[–-]\s*§?|\s*(?:,|/|\band\b|\bor\b)\s*§){_NUMBER})*"
_CITATION = re.compile(rf"(?<![\w/.-])docs/(?P<doc>[\w-]+)\.md`?(?:\s*(?P<chain>{_CHAIN}))?")
_BARE = re.compile(_CHAIN)
_HEADING = re.compile(rf"^#{{1,6}}\s+(?P<number>{_NUMBER})\.?\s", re.MULTILINE)


@cache
def tracked_files() -> tuple[Path, ...]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout
    paths = (REPO / name for name in out.decode().split("\0") if name)
    return tuple(path for path in paths if path.is_file())


def text_of(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


@cache
def sections(doc: str) -> frozenset[str] | None:
    """The section numbers of `docs/<doc>.md`, or None when there is no such document."""
    path = DOCS / f"{doc}.md"
    if not path.is_file():
        return None
    return frozenset(m["number"] for m in _HEADING.finditer(path.read_text("utf-8")))


def cited(chain: str | None) -> list[str]:
    return re.findall(_NUMBER, chain or "")


def missing(doc: str, chain: str | None) -> list[str]:
    """What is wrong with citing `chain` of `docs/<doc>.md`: a missing doc or sections."""
    known = sections(doc)
    if known is None:
        return [f"docs/{doc}.md does not exist"]
    return [f"docs/{doc}.md has no §{n}" for n in cited(chain) if n not in known]


def problems_in(path: Path) -> list[str]:
    text = text_of(path)
    found = [f"mentions {word!r}" for word in OUTSIDE if word in text]
    for match in _CITATION.finditer(text):
        found += missing(match["doc"], match["chain"])
    if path.parent == DOCS and path.suffix == ".md":
        own = _CITATION.sub("", text)  # what is left cites this document itself
        for match in _BARE.finditer(own):
            found += missing(path.stem, match[0])
    return found


def test_sections_are_read_from_numbered_headings() -> None:
    known = sections("frontend-contract")
    assert known is not None
    assert {"1", "4", "4.14", "8.3", "9.12", "13"} <= known
    assert sections("no-such-doc") is None


def test_citation_chains_name_every_section_and_both_ends_of_a_range() -> None:
    text = "see `docs/frontend-contract.md` §4.12–§4.14, §5 and §9.5/§9.6; docs/interface.md §1"
    found = [(m["doc"], cited(m["chain"])) for m in _CITATION.finditer(text)]
    assert found == [
        ("frontend-contract", ["4.12", "4.14", "5", "9.5", "9.6"]),
        ("interface", ["1"]),
    ]
    assert missing("frontend-contract", "§4.99") == ["docs/frontend-contract.md has no §4.99"]
    assert missing("tracker-api", "§1.1–1.2") == []


def test_no_tracked_file_points_outside_the_repository_or_at_a_missing_section() -> None:
    report = {
        str(path.relative_to(REPO)): found
        for path in tracked_files()
        if (found := problems_in(path))
    }
    assert report == {}
