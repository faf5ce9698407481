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
from sidecar.handlers.writes import present, write
from sidecar.tracker.client import api_path
from sidecar.tracker.models import TransitionWire


async def get_transitions(deps: Deps, params: IssueKeyParams, call: Call) -> list[Transition]:
    """The transitions available from the issue's current status."""
    path = api_path("issues", params.issue_key, "transitions")
    response = await deps.tracker.request("GET", path)
    return [convert.transition(w, deps.keys) for w in response.json(list[TransitionWire])]


async def execute_transition(deps: Deps, params: ExecuteTransitionParams, call: Call) -> None:
    """POST `_execute` with the optional comment and resolution key."""
    body = present(comment=params.comment, resolution=params.resolution)
    path = api_path("issues", params.issue_key, "transitions", params.transition_id, "_execute")
    await write(deps, "POST", path, json=body)
