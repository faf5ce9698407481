"""Issue checklists: read the items; every write answers with the WHOLE issue.

Owns: item ids (24-hex), the item grammar (`text`, `checked`, `assignee`, `deadline {date,
deadlineType}`), single and bulk edit, single delete (200 + issue) and delete-all. Must not
know: rendering of the issue beyond calling `issue_json`.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from sidecar.sandbox import render
from sidecar.sandbox.api_issues import issue_json, touch
from sidecar.sandbox.context import Ctx, ctx, json_response, me, read_json, read_object
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import ChecklistItem, Issue
from sidecar.sandbox.routing import Route
from sidecar.sandbox.timeutil import parse_date


def _item(issue: Issue, item_id: str) -> ChecklistItem:
    found = next((i for i in issue.checklist if i.id == item_id), None)
    if found is None:
        raise ApiError(404, "not_found")
    return found


def _update(c: Ctx, item: ChecklistItem, body: dict[str, Any]) -> None:
    if "text" in body:
        if not isinstance(body["text"], str) or not body["text"].strip():
            raise ApiError(400, errors={"text": "empty"})
        item.text = body["text"]
    if "checked" in body:
        item.checked = bool(body["checked"])
    if "assignee" in body:
        item.assignee = None if body["assignee"] is None else c.state.user(body["assignee"]).login
    if "deadline" in body:
        _set_deadline(item, body["deadline"])


def _set_deadline(item: ChecklistItem, raw: Any) -> None:
    if raw is None:
        item.deadline = None
        return
    value = raw.get("date") if isinstance(raw, dict) else raw
    try:
        item.deadline = parse_date(str(value))
    except ValueError:
        raise ApiError(422, errors={"deadline": "invalid_value"}) from None
    if isinstance(raw, dict) and raw.get("deadlineType"):
        item.deadline_type = str(raw["deadlineType"])


def _answer(c: Ctx, request: web.Request, issue: Issue) -> web.Response:
    touch(c.state, issue, me(c).login)
    return json_response(issue_json(c, request, issue))


async def list_items(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    return json_response([render.checklist_item(c, i) for i in issue.checklist])


async def add_item(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    body = await read_object(request)
    if "text" not in body:
        raise ApiError(400, errors={"text": "required"})
    item = ChecklistItem(secrets.token_hex(12), "")
    _update(c, item, body)
    issue.checklist.append(item)
    return _answer(c, request, issue)


async def edit_item(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    _update(c, _item(issue, request.match_info["id"]), await read_object(request))
    return _answer(c, request, issue)


async def edit_all(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    body = await read_json(request)
    if not isinstance(body, list):
        raise ApiError(400, "bad_json")
    for entry in body:
        if not isinstance(entry, dict) or "id" not in entry:
            raise ApiError(400, errors={"id": "required"})
        _update(c, _item(issue, str(entry["id"])), entry)
    return _answer(c, request, issue)


async def delete_item(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    issue.checklist.remove(_item(issue, request.match_info["id"]))
    return _answer(c, request, issue)


async def delete_all(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    issue.checklist.clear()
    return _answer(c, request, issue)


ROUTES = [
    Route("GET", "/issues/{key}/checklistItems", list_items),
    Route("POST", "/issues/{key}/checklistItems", add_item),
    Route("PATCH", "/issues/{key}/checklistItems", edit_all),
    Route("DELETE", "/issues/{key}/checklistItems", delete_all),
    Route("PATCH", "/issues/{key}/checklistItems/{id}", edit_item),
    Route("DELETE", "/issues/{key}/checklistItems/{id}", delete_item),
]
