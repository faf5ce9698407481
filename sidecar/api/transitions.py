"""Workflow transitions of an issue."""

from __future__ import annotations

from sidecar.api.base import Dto, Params
from sidecar.api.issues import Status


class Transition(Dto):
    id: str
    name: str
    to_status: Status | None


class ExecuteTransitionParams(Params):
    issue_key: str
    transition_id: str
    comment: str | None = None
    resolution: str | None = None
