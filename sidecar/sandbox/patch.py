"""The issue write grammar shared by PATCH, create and transition screens.

Owns: `{"field": value}`, `{"field": {"set": v}}`, `null` resets, `[]` empties, and for arrays
`add` / `remove` / `replace: [{target, replacement}]`; linked objects given as id, key/login or
object. Must not know: HTTP, versions or who is calling (the caller stamps `updated_*`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import CatalogEntry, Issue
from sidecar.sandbox.state import TrackerState
from sidecar.sandbox.timeutil import parse_date, parse_duration

T = TypeVar("T")
_ARRAY_OPS = frozenset({"set", "add", "remove", "replace"})
_IGNORED = frozenset(
    {"key", "id", "self", "version", "createdAt", "createdBy", "updatedAt", "markupType"}
)


def apply_patch(state: TrackerState, issue: Issue, body: dict[str, Any]) -> None:
    for name, value in body.items():
        if name in ("status", "resolution"):
            raise ApiError(400, "status_patch")
        if name in _IGNORED or name in ("attachmentIds", "descriptionAttachmentIds"):
            continue
        setter = _SETTERS.get(name)
        if setter is not None:
            setter(state, issue, value)
        else:
            _set_extra(issue, name, value)
    attach_temp(state, issue, body.get("attachmentIds"))
    attach_temp(state, issue, body.get("descriptionAttachmentIds"))


def attach_temp(state: TrackerState, issue: Issue, ids: Any, comment: int | None = None) -> None:
    """Move uploads named in `attachmentIds` onto the issue (and comment, if any)."""
    values = ids.get("add", []) if isinstance(ids, dict) else ids or []
    for raw in values if isinstance(values, list) else [values]:
        found = state.attachments.get(_int(raw, "attachmentIds"))
        if found is None:
            raise ApiError(422, errors={"attachmentIds": "invalid_value"})
        found.issue, found.comment = issue.key, comment or found.comment


def _int(raw: Any, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ApiError(422, errors={name: "invalid_value"}) from None


def _scalar(value: Any) -> Any:
    """Unwrap `{"set": v}`; other objects are linked-object forms and stay as they are."""
    if isinstance(value, dict) and set(value) == {"set"}:
        return value["set"]
    return value


def _array(current: list[Any], value: Any, norm: Callable[[Any], Any]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, dict) or not set(value) <= _ARRAY_OPS:
        return _dedupe([norm(v) for v in _as_list(value)])
    result = list(current)
    if "set" in value:
        result = [norm(v) for v in _as_list(value["set"])]
    for pair in value.get("replace", []):
        old, new = norm(pair["target"]), norm(pair["replacement"])
        result = [new if item == old else item for item in result]
    result += [norm(v) for v in _as_list(value.get("add", []))]
    removed = {norm(v) for v in _as_list(value.get("remove", []))}
    return _dedupe([item for item in result if item not in removed])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _dedupe(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _catalog(entries: dict[str, CatalogEntry], name: str, value: Any) -> str:
    ref = _scalar(value)
    if isinstance(ref, dict):
        ref = ref.get("key") or ref.get("id") or ref.get("name")
    text = str(ref).lower()
    for entry in entries.values():
        if text in (entry.key.lower(), str(entry.id), *(n.lower() for n in entry.names.values())):
            return entry.key
    raise ApiError(422, errors={name: "invalid_value"})


def _set_summary(state: TrackerState, issue: Issue, value: Any) -> None:
    text = _scalar(value)
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, errors={"summary": "empty"})
    issue.summary = text


def _set_description(state: TrackerState, issue: Issue, value: Any) -> None:
    text = _scalar(value)
    issue.description = None if text is None else str(text)


def _set_type(state: TrackerState, issue: Issue, value: Any) -> None:
    issue.type = _catalog(state.issue_types, "type", value)


def _set_priority(state: TrackerState, issue: Issue, value: Any) -> None:
    issue.priority = _catalog(state.priorities, "priority", value)


def _set_assignee(state: TrackerState, issue: Issue, value: Any) -> None:
    ref = _scalar(value)
    issue.assignee = None if ref is None else state.user(ref).login


def _set_followers(state: TrackerState, issue: Issue, value: Any) -> None:
    issue.followers = _array(issue.followers, value, lambda v: state.user(v).login)


def _set_tags(state: TrackerState, issue: Issue, value: Any) -> None:
    issue.tags = _array(issue.tags, value, str)


def _parsed(name: str, parse: Callable[[str], T], value: Any) -> T | None:
    """`null` resets; anything `parse` rejects is a 422 on that field."""
    raw = _scalar(value)
    try:
        return None if raw is None else parse(str(raw))
    except ValueError:
        raise ApiError(422, errors={name: "invalid_value"}) from None


def _set_deadline(state: TrackerState, issue: Issue, value: Any) -> None:
    issue.deadline = _parsed("deadline", parse_date, value)


def _set_estimation(state: TrackerState, issue: Issue, value: Any) -> None:
    issue.estimation = _parsed("estimation", parse_duration, value)


def _set_story_points(state: TrackerState, issue: Issue, value: Any) -> None:
    points = _scalar(value)
    if points is not None and not isinstance(points, int | float):
        raise ApiError(422, errors={"storyPoints": "invalid_value"})
    issue.story_points = points


def _set_project(state: TrackerState, issue: Issue, value: Any) -> None:
    ref = _scalar(value)
    if isinstance(ref, dict):
        ref = ref.get("id")
    if ref is None:
        issue.project = None
        return
    project_id = _int(ref, "project")
    if project_id not in state.projects:
        raise ApiError(422, errors={"project": "invalid_value"})
    issue.project = project_id


def _set_parent(state: TrackerState, issue: Issue, value: Any) -> None:
    ref = _scalar(value)
    if isinstance(ref, dict):
        ref = ref.get("key") or ref.get("id")
    issue.parent = None if ref is None else state.issue(str(ref)).key


def _set_extra(issue: Issue, name: str, value: Any) -> None:
    if isinstance(value, dict) and set(value) <= _ARRAY_OPS and value:
        current = issue.extra.get(name)
        issue.extra[name] = _array(current if isinstance(current, list) else [], value, _same)
    elif value is None:
        issue.extra.pop(name, None)
    else:
        issue.extra[name] = value


def _same(value: Any) -> Any:
    return value


_SETTERS: dict[str, Callable[[TrackerState, Issue, Any], None]] = {
    "summary": _set_summary,
    "description": _set_description,
    "type": _set_type,
    "priority": _set_priority,
    "assignee": _set_assignee,
    "followers": _set_followers,
    "tags": _set_tags,
    "deadline": _set_deadline,
    "estimation": _set_estimation,
    "storyPoints": _set_story_points,
    "project": _set_project,
    "parent": _set_parent,
}
