"""Tracker wire payloads as tolerant "view" Structs: only the fields the sidecar reads.

Unknown fields are ignored, so Tracker can add fields without breaking us. Fields whose shape
varies in the wild (display values that are strings, dicts or lists; ids that are numbers or
strings; durations that are strings or numbers) are typed `Any` and interpreted by the
conversion rules, never here. Must not know: the frontend's DTOs or any business rule.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Wire(msgspec.Struct, kw_only=True, gc=False):
    """Base for Tracker payloads (unknown fields are ignored by msgspec's default).

    Untracked by the cyclic collector: decoded payloads are plain data and never form cycles.
    """


class IssueWire(Wire):
    key: str
    summary: Any = None
    description: Any = None
    status: Any = None
    priority: Any = None
    type: Any = None
    assignee: Any = None
    tags: Any = None
    followers: Any = None
    spent: Any = None
    timeSpent: Any = None
    version: Any = None


class UserWire(Wire):
    display: Any = None
    uid: Any = None
    cloudUid: Any = None
    login: Any = None
    email: Any = None
    avatarUrl: Any = None
    avatarId: Any = None


class CommentWire(Wire):
    id: Any = None
    text: Any = None
    createdAt: Any = None
    createdBy: Any = None


class AttachmentWire(Wire):
    id: Any = None
    name: Any = None
    content: Any = None
    mimeType: Any = None
    mimetype: Any = None


class TransitionWire(Wire):
    id: Any = None
    display: Any = None
    name: Any = None
    status: Any = None
    to: Any = None


class WorklogWire(Wire):
    id: Any = None
    start: Any = None
    createdAt: Any = None
    duration: Any = None
    comment: Any = None
    createdBy: Any = None
    issue: Any = None


class ChangelogWire(Wire):
    """One entry of an issue's history; `fields` holds `{field: {id, display}, from, to}`."""

    id: Any = None
    updatedAt: Any = None
    updatedBy: Any = None
    type: Any = None
    fields: Any = None


class ChecklistItemWire(Wire):
    id: Any = None
    text: Any = None
    checked: Any = None
    assignee: Any = None
    deadline: Any = None
    checklistItemType: Any = None


class EntityWire(Wire):
    """A catalog entry: status, resolution, priority, issue type, queue or project."""

    id: Any = None
    key: Any = None
    display: Any = None
    name: Any = None
