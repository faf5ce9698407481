"""Workflow: the transitions available from an issue's status and `_execute`.

Owns: status/resolution changes (the only way to change them), the 422 for a done-type target
without `resolution`, and the answer of `_execute`: the transitions available from the NEW
status, not the issue. Must not know: search or rendering details.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sidecar.sandbox import api_changelog as changelog, render
from sidecar.sandbox.api_comments import add_comment
from sidecar.sandbox.api_issues import touch
from sidecar.sandbox.context import Ctx, ctx, json_response, me, read_object
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import Issue, Transition
from sidecar.sandbox.patch import apply_patch
from sidecar.sandbox.routing import Route


def _available(c: Ctx, issue: Issue) -> list[dict[str, Any]]:
    return [render.transition(c, issue, t) for t in c.state.transitions.get(issue.status or "", [])]


async def list_transitions(request: web.Request) -> web.Response:
    c = ctx(request)
    return json_response(_available(c, c.state.issue(request.match_info["key"])))


async def execute(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    wanted = request.match_info["id"]
    step = next(
        (t for t in c.state.transitions.get(issue.status or "", []) if t.id == wanted), None
    )
    if step is None:
        raise ApiError(404, "no_transition")
    body = await read_object(request)
    before = changelog.snapshot(c, issue)
    _move(c, issue, step, body)
    changelog.record(c, issue, "IssueWorkflow", before)
    return json_response(_available(c, issue))


def _move(c: Ctx, issue: Issue, step: Transition, body: dict[str, Any]) -> None:
    st = c.state
    done = st.statuses[step.to].status_type in ("done", "cancelled")
    resolution = _resolution(c, body.get("resolution")) if done else None
    if done and resolution is None:
        raise ApiError(422, errors={"resolution": "required"})
    screen = {k: v for k, v in body.items() if k not in ("resolution", "comment")}
    apply_patch(st, issue, screen)
    issue.status, issue.resolution = step.to, resolution
    issue.status_start_time = st.now()
    issue.resolved_at = st.now() if done else None
    if isinstance(body.get("comment"), str) and body["comment"].strip():
        add_comment(c, issue, body["comment"])
    touch(st, issue, me(c).login)


def _resolution(c: Ctx, ref: Any) -> str | None:
    if isinstance(ref, dict):
        ref = ref.get("key") or ref.get("id")
    if ref is None:
        return None
    text = str(ref).lower()
    for entry in c.state.resolutions.values():
        if text in (entry.key.lower(), str(entry.id)):
            return entry.key
    raise ApiError(422, errors={"resolution": "invalid_value"})


ROUTES = [
    Route("GET", "/issues/{key}/transitions", list_transitions),
    Route("POST", "/issues/{key}/transitions/{id}/_execute", execute),
]
