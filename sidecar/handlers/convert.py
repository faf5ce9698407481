"""Tracker payloads → the frontend's DTOs, by the old backend's rules.

Rules of `docs/frontend-contract.md` §4, §9.

Owns: display-value coercion, field-ref fallbacks, lenient ids, and one converter per DTO.
Must not know: HTTP, paging, or where the payload came from. Pure functions only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from sidecar.api.attachments import Attachment
from sidecar.api.auth import UserProfile
from sidecar.api.checklists import ChecklistItem
from sidecar.api.comments import Comment
from sidecar.api.issues import Issue, Priority, SimpleEntity, Status
from sidecar.api.transitions import Transition
from sidecar.api.worklogs import WorklogEntry
from sidecar.handlers.durations import tracker_seconds
from sidecar.tracker.models import (
    AttachmentWire,
    ChecklistItemWire,
    CommentWire,
    EntityWire,
    IssueWire,
    TransitionWire,
    UserWire,
    WorklogWire,
)

_DISPLAY_KEYS = ("display", "name", "value", "en", "ru")
UNKNOWN = ("unknown", "Unknown")


def display_keys(language: str | None) -> tuple[str, ...]:
    """Preference order of dict keys; a configured Accept-Language comes before en/ru."""
    if not language or language in ("display", "name", "value"):
        return _DISPLAY_KEYS
    rest = tuple(k for k in _DISPLAY_KEYS[3:] if k != language)
    return (*_DISPLAY_KEYS[:3], language, *rest)


def scalar_text(value: Any) -> str | None:
    """Strings trimmed (blank → None), booleans as `true`/`false`, numbers as decimal text."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def coerce_display(value: Any, keys: tuple[str, ...] = _DISPLAY_KEYS) -> str | None:
    """The first usable text in a display value that may be a string, dict, list or scalar."""
    if isinstance(value, str | bool | int | float):
        return scalar_text(value)
    if isinstance(value, dict):
        return _coerce_dict(value, keys)
    if isinstance(value, list):
        return _first(coerce_display(v, keys) for v in value)
    return None


def _coerce_dict(value: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    preferred = _first(coerce_display(value.get(k), keys) for k in keys)
    if preferred is not None:
        return preferred
    return _first(coerce_display(value[k], keys) for k in sorted(value))


def _first(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v is not None), None)


def lenient_id(value: Any) -> str | None:
    """Catalog ids/keys: trimmed strings, scalars as text, anything else as JSON text."""
    if value is None:
        return None
    if isinstance(value, str | bool | int | float):
        return scalar_text(value)
    return msgspec.json.encode(value).decode()


def _ref_key(value: dict[str, Any]) -> str | None:
    for name in ("key", "id"):
        raw = value.get(name)
        if isinstance(raw, str) and raw.strip():
            return raw  # the old backend did not trim keys
        if isinstance(raw, int) and not isinstance(raw, bool):
            return str(raw)
    return None


def field_ref(value: Any, keys: tuple[str, ...] = _DISPLAY_KEYS) -> tuple[str, str]:
    """(key, label) of a ref object or bare string, falling back to ("unknown", "Unknown").

    The shape nearly every ref has, `{"key"|"id": str, "display": str}`, is taken here, with
    the same answer as `_dict_ref`'s general rules at a fraction of the cost (a bulk page has
    ~5 refs per issue, and one call less each counts); anything else goes to them.
    """
    if type(value) is dict:
        key = value.get("key")
        if key is None:
            key = value.get("id")
        display = value.get("display")
        if type(key) is str and type(display) is str and key.strip() and (label := display.strip()):
            return (key, label)
        return _dict_ref(value, keys)
    if isinstance(value, str):
        return (value, value) if value.strip() else UNKNOWN
    return _dict_ref(value, keys) if isinstance(value, dict) else UNKNOWN


def _dict_ref(value: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, str]:
    key = _ref_key(value)
    label = coerce_display(value.get("display"), keys) or coerce_display(value.get("name"), keys)
    if key is None and label is None:
        return UNKNOWN
    return (key or label or "", label or key or "")


def entity(value: Any, keys: tuple[str, ...] = _DISPLAY_KEYS) -> SimpleEntity:
    key, display = field_ref(value, keys)
    return SimpleEntity(key=key, display=display)


def optional_entity(value: Any, keys: tuple[str, ...] = _DISPLAY_KEYS) -> SimpleEntity | None:
    """Absent (missing or null) stays None; present but unusable becomes unknown."""
    if value is None:
        return None
    key, display = field_ref(value, keys)
    return SimpleEntity(key=key, display=display)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    tags = []
    for tag in value:  # a loop: nested generators cost half of this function's time
        text = tag if isinstance(tag, str) else coerce_display(tag)
        if text:
            tags.append(text)
    return tags


def issue(wire: IssueWire, workday_hours: int, keys: tuple[str, ...] = _DISPLAY_KEYS) -> Issue:
    status_key, status_display = field_ref(wire.status, keys)
    priority_key, priority_display = field_ref(wire.priority, keys)
    followers = wire.followers if isinstance(wire.followers, list) else []
    return Issue(
        key=wire.key,
        summary=_text(wire.summary),
        description=_text(wire.description),
        status=Status(key=status_key, display=status_display),
        priority=Priority(key=priority_key, display=priority_display),
        issue_type=optional_entity(wire.type, keys),
        assignee=optional_entity(wire.assignee, keys),
        tags=_tags(wire.tags),
        followers=[entity(f, keys) for f in followers],
        tracked_seconds=_tracked(wire, workday_hours),
    )


def _tracked(wire: IssueWire, workday_hours: int) -> int | None:
    for value in (wire.spent, wire.timeSpent):
        seconds = tracker_seconds(value, workday_hours, numbers_are_seconds=True)
        if seconds is not None:
            return seconds
    return None


def wire_id(value: Any) -> str:
    """Comment/attachment/work-log ids: numbers become text, anything unusable ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _plain(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def author(created_by: Any, keys: tuple[str, ...] = _DISPLAY_KEYS) -> str:
    if not isinstance(created_by, dict):
        return "Unknown"
    return (
        coerce_display(created_by.get("display"), keys)
        or _plain(created_by.get("login"))
        or _plain(created_by.get("email"))
        or "Unknown"
    )


def comment(wire: CommentWire, keys: tuple[str, ...] = _DISPLAY_KEYS) -> Comment:
    return Comment(
        id=wire_id(wire.id),
        text=_text(wire.text),
        author=author(wire.createdBy, keys),
        created_at=_text(wire.createdAt),
    )


def attachment(wire: AttachmentWire) -> Attachment:
    mime = wire.mimeType if isinstance(wire.mimeType, str) else None
    if mime is None and isinstance(wire.mimetype, str):
        mime = wire.mimetype
    return Attachment(
        id=wire_id(wire.id),
        name=coerce_display(wire.name) or "Attachment",
        url=_text(wire.content),
        mime_type=mime,
    )


def transition(wire: TransitionWire, keys: tuple[str, ...] = _DISPLAY_KEYS) -> Transition:
    name = coerce_display(wire.display, keys) or coerce_display(wire.name, keys) or "Transition"
    target = wire.status if wire.status is not None else wire.to
    return Transition(
        id=lenient_id(wire.id) or "unknown",
        name=name,
        to_status=_to_status(target, keys),
    )


def _to_status(value: Any, keys: tuple[str, ...]) -> Status | None:
    if not isinstance(value, dict):
        return None
    key = lenient_id(value.get("key")) or lenient_id(value.get("id"))
    if key is None:
        return None
    display = coerce_display(value.get("display"), keys) or coerce_display(value.get("name"), keys)
    return Status(key=key, display=display or key)


def worklog(
    wire: WorklogWire, workday_hours: int, keys: tuple[str, ...] = _DISPLAY_KEYS
) -> WorklogEntry:
    date = wire.start if isinstance(wire.start, str) else _text(wire.createdAt)
    seconds = tracker_seconds(wire.duration, workday_hours, numbers_are_seconds=False)
    return WorklogEntry(
        id=wire_id(wire.id),
        date=date,
        duration_seconds=seconds or 0,
        comment=_text(wire.comment),
        author=author(wire.createdBy, keys),
    )


def _checklist_id(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return msgspec.json.encode(value).decode()


def _dict_get(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def checklist_item(wire: ChecklistItemWire) -> ChecklistItem:
    assignee = _dict_get(wire.assignee, "display")
    if not isinstance(assignee, str):
        assignee = _dict_get(wire.assignee, "login")
    exceeded = _dict_get(wire.deadline, "isExceeded")
    return ChecklistItem(
        id=_checklist_id(wire.id),
        text=_text(wire.text),
        checked=wire.checked if isinstance(wire.checked, bool) else False,
        assignee=assignee if isinstance(assignee, str) else None,
        deadline=_str_or_none(_dict_get(wire.deadline, "date")),
        deadline_type=_str_or_none(_dict_get(wire.deadline, "deadlineType")),
        is_exceeded=exceeded if isinstance(exceeded, bool) else None,
        item_type=_str_or_none(wire.checklistItemType),
    )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def user_profile(wire: UserWire) -> UserProfile:
    avatar = _str_or_none(wire.avatarUrl) or lenient_id(wire.avatarId)
    return UserProfile(
        display=coerce_display(wire.display),
        login=_str_or_none(wire.login),
        email=_str_or_none(wire.email),
        avatar_url=avatar,
    )


def catalog_entity(
    wire: EntityWire, *, id_first: bool = False, keys: tuple[str, ...] = _DISPLAY_KEYS
) -> SimpleEntity:
    """Statuses, resolutions, queues, priorities, types: key then id; projects: id first."""
    first, second = (wire.id, wire.key) if id_first else (wire.key, wire.id)
    key = lenient_id(first) or lenient_id(second) or "unknown"
    display = coerce_display(wire.display, keys) or coerce_display(wire.name, keys) or key
    return SimpleEntity(key=key, display=display)
