"""What changed in your issues between two refreshes, and who did it.

Owns: the diff of two tray lists (an issue newly in the list, a status or summary change, an
issue that left it), the ledger of the sidecar's own writes that must never be announced, and
reading Tracker's changelog for the author and the outcome of a change.
Must not know: how the lists or the changelog are fetched, or how a change is worded.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import unquote

from sidecar.api.issues import Issue
from sidecar.tracker.models import ChangelogWire
from sidecar.tracker.times import parse_tracker_time

ChangeKind = Literal["assigned", "status", "summary", "removed"]

# What a write of ours may have caused, per kind of change it would show up as. A transition
# counts as `status`: it may set or clear the resolution, moving the issue out of or into the list.
WRITE_ASPECTS: dict[ChangeKind, frozenset[str]] = {
    "assigned": frozenset({"assignee", "status", "created"}),
    "status": frozenset({"status"}),
    "summary": frozenset({"summary"}),
    "removed": frozenset({"assignee", "status"}),
}
# The changelog fields that record each kind of change.
HISTORY_FIELDS: dict[ChangeKind, frozenset[str]] = {
    "assigned": frozenset({"assignee", "resolution"}),
    "status": frozenset({"status"}),
    "summary": frozenset({"summary"}),
    "removed": frozenset({"assignee", "resolution"}),
}
_PATCHED_ASPECTS = {
    "summary": "summary",
    "assignee": "assignee",
    "status": "status",
    "resolution": "status",
}
_ISSUE_PATH = re.compile(r"^/v3/issues/(?P<key>[^/]+)(?P<rest>/.*)?$")
_TRANSITION = re.compile(r"^/transitions/[^/]+/_execute$")


@dataclass(frozen=True)
class Seen:
    """What the diff compares of one listed issue."""

    key: str
    summary: str
    status_key: str
    status: str


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    key: str
    summary: str
    before: str | None = None
    after: str | None = None


def seen(issues: Iterable[Issue]) -> dict[str, Seen]:
    """The comparable view of a tray list, in list order."""
    return {i.key: Seen(i.key, i.summary, i.status.key, i.status.display) for i in issues if i.key}


def diff(before: Mapping[str, Seen], after: Mapping[str, Seen], *, partial: bool) -> list[Change]:
    """Every change from `before` to `after`: new issues, status and summary edits, departures.

    `partial` (either list was cut at the page size): issues may enter or leave the page only
    because others moved, so arrivals and departures are not reported.
    """
    changes: list[Change] = []
    for key, now in after.items():
        was = before.get(key)
        if was is None:
            if not partial:
                changes.append(Change("assigned", key, now.summary))
            continue
        if was.status_key != now.status_key:
            changes.append(Change("status", key, now.summary, was.status, now.status))
        if was.summary != now.summary:
            changes.append(Change("summary", key, now.summary, was.summary, now.summary))
    if not partial:
        gone = [was for key, was in before.items() if key not in after]
        changes += [Change("removed", was.key, was.summary) for was in gone]
    return changes


# -- the sidecar's own writes -----------------------------------------------------------------


def written_aspects(method: str, path: str, body: Any) -> tuple[str, frozenset[str]] | None:
    """The issue and the aspects a write to Tracker changes, if the tray can see them."""
    match = _ISSUE_PATH.match(path)
    if match is None:
        return None
    key, rest = unquote(match["key"]).upper(), match["rest"]
    if method == "POST" and rest is not None and _TRANSITION.match(rest):
        return key, frozenset({"status"})
    if method == "PATCH" and rest is None and isinstance(body, dict):
        aspects = frozenset(_PATCHED_ASPECTS[name] for name in body if name in _PATCHED_ASPECTS)
        return (key, aspects) if aspects else None
    return None


@dataclass
class OwnWrites:
    """What the sidecar itself wrote, with when: changes it explains are the user's own."""

    clock: Callable[[], float] = time.time
    _entries: list[tuple[float, str, frozenset[str]]] = field(default_factory=list)

    def record(self, key: str, aspects: frozenset[str]) -> None:
        self._entries.append((self.clock(), key.upper(), aspects))

    def record_write(self, method: str, path: str, body: Any) -> None:
        touched = written_aspects(method, path, body)
        if touched is not None:
            self.record(*touched)

    def explains(self, change: Change, since: float) -> bool:
        """A write of ours to that issue and aspect at or after `since` (Unix seconds)."""
        wanted = WRITE_ASPECTS[change.kind]
        return any(
            at >= since and key == change.key.upper() and aspects & wanted
            for at, key, aspects in self._entries
        )

    def forget_before(self, moment: float) -> None:
        self._entries = [entry for entry in self._entries if entry[0] >= moment]

    def clear(self) -> None:
        self._entries.clear()


# -- who did it: Tracker's changelog ----------------------------------------------------------


@dataclass(frozen=True)
class Cause:
    """The changelog entry behind a change: its author and, for a departure, the outcome."""

    author: str | None
    author_ids: frozenset[str]
    outcome: str | None = None


def cause(entries: Sequence[ChangelogWire], item: Change, since: datetime) -> Cause | None:
    """The newest changelog entry at or after `since` that records `item`, if any.

    `entries` come oldest first, as Tracker pages them.
    """
    for entry in reversed(entries):
        when = parse_tracker_time(entry.updatedAt)
        if when is not None and when < since:
            return None
        names = _field_ids(entry)
        if names & HISTORY_FIELDS[item.kind] or _created(entry, item):
            return _cause_of(entry, item)
    return None


def _created(entry: ChangelogWire, item: Change) -> bool:
    return item.kind == "assigned" and entry.type == "IssueCreated"


def _cause_of(entry: ChangelogWire, item: Change) -> Cause:
    by = entry.updatedBy if isinstance(entry.updatedBy, dict) else {}
    ids = frozenset(str(by[name]) for name in ("id", "uid", "passportUid") if by.get(name))
    outcome = _outcome(entry) if item.kind == "removed" else None
    return Cause(author=display(by) or None, author_ids=ids, outcome=outcome)


def _outcome(entry: ChangelogWire) -> str | None:
    changed = {_field_id(f): f for f in _fields(entry)}
    resolution = changed.get("resolution")
    if resolution is not None and resolution.get("to"):
        return f"Resolved: {display(resolution['to'])}"
    assignee = changed.get("assignee")
    if assignee is not None:
        to = display(assignee.get("to"))
        return f"Reassigned to {to}" if to else "Unassigned"
    return None


def _fields(entry: ChangelogWire) -> list[dict[str, Any]]:
    fields = entry.fields
    return [f for f in fields if isinstance(f, dict)] if isinstance(fields, list) else []


def _field_id(change: dict[str, Any]) -> str | None:
    ref = change.get("field")
    value = ref.get("id") if isinstance(ref, dict) else ref
    return value if isinstance(value, str) else None


def _field_ids(entry: ChangelogWire) -> frozenset[str]:
    return frozenset(name for f in _fields(entry) if (name := _field_id(f)) is not None)


def display(value: Any) -> str:
    """A ref's display text: its `display`, a localised `{en, ru}` dict's English, or ""."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    if "display" in value:
        return display(value["display"])
    for name in ("en", "ru"):
        if isinstance(value.get(name), str):
            return str(value[name])
    return ""
