"""Checklist items of an issue: read, add, edit, delete one, delete all.

Rules of `docs/frontend-contract.md` §5, §10: bodies carry only the given keys; a deadline is sent
as `{date, deadlineType?}` and only when `deadline` is given (a lone `deadline_type` is
dropped). Tracker answers every write with the whole issue, which is not needed here.
Must not know: how the frontend edits or refreshes its checklist.
"""

from __future__ import annotations

from typing import Any

from sidecar.api.checklists import (
    AddChecklistItemParams,
    ChecklistItem,
    ChecklistItemCreatePayload,
    ChecklistItemParams,
    ChecklistItemUpdatePayload,
    EditChecklistItemParams,
)
from sidecar.api.issues import IssueKeyParams
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.kept import CHECKLIST, Stored, entry_key
from sidecar.handlers.writes import present, write
from sidecar.tracker.client import api_path
from sidecar.tracker.models import ChecklistItemWire

KINDS = (CHECKLIST,)  # what a checklist write changes in the disk cache


def _path(issue_key: str, *item: str) -> str:
    return api_path("issues", issue_key, "checklistItems", *item)


def item_body(item: ChecklistItemCreatePayload | ChecklistItemUpdatePayload) -> dict[str, Any]:
    """Tracker's item grammar from the frontend's payload, with only the keys given."""
    body = present(text=item.text, checked=item.checked, assignee=item.assignee)
    if item.deadline is not None:
        body["deadline"] = present(date=item.deadline, deadlineType=item.deadline_type)
    return body


async def get_checklist(deps: Deps, params: IssueKeyParams, call: Call) -> list[ChecklistItem]:
    """The issue's checklist items, in order."""

    async def load() -> list[ChecklistItem]:
        response = await deps.tracker.request("GET", _path(params.issue_key))
        return [convert.checklist_item(w) for w in response.json(list[ChecklistItemWire])]

    key = entry_key(CHECKLIST, params.issue_key)
    stored = Stored("get_checklist", params, key, list[ChecklistItem])
    return await deps.kept.read(call, stored, load)


async def add_checklist_item(deps: Deps, params: AddChecklistItemParams, call: Call) -> None:
    """POST one item (creating the checklist if there was none)."""
    body = item_body(params.item)
    await write(
        deps, "POST", _path(params.issue_key), json=body, issue=params.issue_key, changes=KINDS
    )


async def edit_checklist_item(deps: Deps, params: EditChecklistItemParams, call: Call) -> None:
    """PATCH one item with the keys given (toggle, or edit text/assignee/deadline)."""
    path = _path(params.issue_key, params.item_id)
    await write(
        deps, "PATCH", path, json=item_body(params.update), issue=params.issue_key, changes=KINDS
    )


async def delete_checklist(deps: Deps, params: IssueKeyParams, call: Call) -> None:
    """DELETE the whole checklist."""
    await write(deps, "DELETE", _path(params.issue_key), issue=params.issue_key, changes=KINDS)


async def delete_checklist_item(deps: Deps, params: ChecklistItemParams, call: Call) -> None:
    """DELETE one item."""
    path = _path(params.issue_key, params.item_id)
    await write(deps, "DELETE", path, issue=params.issue_key, changes=KINDS)
