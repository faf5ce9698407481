"""Checklist items of an issue."""

from __future__ import annotations

from sidecar.api.base import Dto, Params, Payload


class ChecklistItem(Dto):
    id: str
    text: str
    checked: bool
    assignee: str | None
    deadline: str | None
    deadline_type: str | None
    is_exceeded: bool | None
    item_type: str | None


class ChecklistItemCreatePayload(Payload):
    text: str
    checked: bool | None = None
    assignee: str | None = None
    deadline: str | None = None
    deadline_type: str | None = None


class ChecklistItemUpdatePayload(Payload):
    text: str | None = None
    checked: bool | None = None
    assignee: str | None = None
    deadline: str | None = None
    deadline_type: str | None = None


class AddChecklistItemParams(Params):
    issue_key: str
    item: ChecklistItemCreatePayload


class EditChecklistItemParams(Params):
    issue_key: str
    item_id: str
    update: ChecklistItemUpdatePayload


class ChecklistItemParams(Params):
    issue_key: str
    item_id: str
