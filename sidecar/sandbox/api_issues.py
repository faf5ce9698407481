"""One issue at a time: read (`fields`, `expand`), PATCH (grammar + `?version=`), create
(`unique` → 409), `_findByUnique`.

Owns: issue identity on create (24-hex id, next key in the queue) and `touch`, the one place that
bumps `version` and `updated*` after any change to an issue or its children. Must not know:
search, transitions or sub-collections.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from sidecar.sandbox import api_changelog as changelog, render
from sidecar.sandbox.context import Ctx, csv_param, ctx, json_response, me, read_object
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import Issue
from sidecar.sandbox.patch import apply_patch, attach_temp
from sidecar.sandbox.routing import Route
from sidecar.sandbox.state import TrackerState

_CREATE_ONLY = ("queue", "unique")


def touch(state: TrackerState, issue: Issue, login: str) -> None:
    issue.version += 1
    issue.updated_at = state.now()
    issue.updated_by = login


def issue_json(c: Ctx, request: web.Request, issue: Issue) -> dict[str, Any]:
    return render.issue_full(c, issue, csv_param(request, "fields"), csv_param(request, "expand"))


async def get_issue(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    return json_response(issue_json(c, request, issue))


async def patch_issue(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    wanted = request.query.get("version")
    if wanted is not None and wanted != str(issue.version):
        raise ApiError(c.state.issue_conflict_status, "conflict")
    body = await read_object(request)
    before = changelog.snapshot(c, issue)
    apply_patch(c.state, issue, body)
    touch(c.state, issue, me(c).login)
    changelog.record(c, issue, "IssueUpdated", before)
    return json_response(issue_json(c, request, issue))


async def create_issue(request: web.Request) -> web.Response:
    c = ctx(request)
    body = await read_object(request)
    missing = {name: "required" for name in ("queue", "summary") if not body.get(name)}
    if missing:
        raise ApiError(400, errors=missing)
    unique = body.get("unique")
    if unique is not None and _by_unique(c.state, str(unique)) is not None:
        raise ApiError(409, "unique")
    issue = _new_issue(c, body)
    changelog.record(c, issue, "IssueCreated")
    return json_response(issue_json(c, request, issue), status=201)


def _new_issue(c: Ctx, body: dict[str, Any]) -> Issue:
    st, login, now = c.state, me(c).login, c.state.now()
    queue = _queue_key(st, body["queue"])
    q = st.queues[queue]
    issue = Issue(secrets.token_hex(12), st.next_issue_key(queue), queue, "", login, now, now)
    issue.type, issue.priority = q.default_type, q.default_priority
    issue.unique = None if body.get("unique") is None else str(body["unique"])
    fields = {k: v for k, v in body.items() if k not in _CREATE_ONLY and k != "attachmentIds"}
    apply_patch(st, issue, fields)  # validate everything before the issue becomes visible
    st.issues[issue.key] = issue
    attach_temp(st, issue, body.get("attachmentIds"))
    return issue


def _queue_key(state: TrackerState, ref: Any) -> str:
    if isinstance(ref, dict):
        ref = ref.get("key") or ref.get("id")
    text = str(ref).upper()
    for queue in state.queues.values():
        if text in (queue.key, str(queue.id)):
            return queue.key
    raise ApiError(422, errors={"queue": "invalid_value"})


def _by_unique(state: TrackerState, unique: str) -> Issue | None:
    return next((i for i in state.issues.values() if i.unique == unique), None)


async def find_by_unique(request: web.Request) -> web.Response:
    c = ctx(request)
    found = _by_unique(c.state, request.query.get("unique", ""))
    if found is None:
        raise ApiError(404, "not_found")
    return json_response(issue_json(c, request, found))


ROUTES = [
    Route("POST", "/issues/_findByUnique", find_by_unique),
    Route("GET", "/issues/{key}", get_issue),
    Route("PATCH", "/issues/{key}", patch_issue),
    Route("POST", "/issues", create_issue),
    Route("POST", "/issues/", create_issue),
]
