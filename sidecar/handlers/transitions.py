"""Workflow transitions of an issue: the ones available now, and executing one.

Rules of `docs/frontend-contract.md` §5, §4.7: `execute_transition` sends `{comment?, resolution?}`
with the resolution as a plain key string and ignores Tracker's answer (the transitions
available from the new status). Must not know: which transitions need a resolution.
"""

from __future__ import annotations

from sidecar.api.issues import IssueKeyParams
from sidecar.api.transitions import ExecuteTransitionParams, Transition
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.kept import COMMENTS, ISSUE, TRANSITIONS, Stored, entry_key
from sidecar.handlers.writes import present, write
from sidecar.tracker.client import api_path
from sidecar.tracker.models import TransitionWire

# A transition moves the issue, changes what comes next, and may add a comment.
MOVED = (ISSUE, TRANSITIONS, COMMENTS)


async def get_transitions(deps: Deps, params: IssueKeyParams, call: Call) -> list[Transition]:
    """The transitions available from the issue's current status."""

    async def load() -> list[Transition]:
        path = api_path("issues", params.issue_key, "transitions")
        response = await deps.tracker.request("GET", path)
        return [convert.transition(w, deps.keys) for w in response.json(list[TransitionWire])]

    key = entry_key(TRANSITIONS, params.issue_key)
    stored = Stored("get_transitions", params, key, list[Transition])
    return await deps.kept.read(call, stored, load)


async def execute_transition(deps: Deps, params: ExecuteTransitionParams, call: Call) -> None:
    """POST `_execute` with the optional comment and resolution key."""
    body = present(comment=params.comment, resolution=params.resolution)
    path = api_path("issues", params.issue_key, "transitions", params.transition_id, "_execute")
    await write(deps, "POST", path, json=body, issue=params.issue_key, changes=MOVED)
