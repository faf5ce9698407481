"""Writes to Tracker made on the user's behalf, and what each one implies.

Owns: `write`, the one call every mutating handler makes, so no handler can forget
`after_mutation` or the record of our own writes (the tray never announces them as changes);
`present`, the old backend's rule for optional body members.
Must not know: what is written or how its answer is used.
"""

from __future__ import annotations

from typing import Any

from sidecar.handlers.deps import Deps
from sidecar.tracker.client import Params, TrackerResponse, api_path
from sidecar.tracker.models import IssueWire

CREATE_PATH = api_path("issues")
CREATED = frozenset({"created"})


async def write(
    deps: Deps, method: str, path: str, *, json: Any = None, params: Params | None = None
) -> TrackerResponse:
    """Send a mutating request; cached issue lists are dropped whatever the outcome.

    A write that failed on our side (a timeout, a reset) may still have landed on Tracker, so
    the lists are dropped in `finally`, not only after a success.
    """
    deps.own_writes.record_write(method, path, json)  # before: a failed write may still land
    try:
        response = await deps.tracker.request(method, path, json=json, params=params)
    finally:
        deps.caches.after_mutation()
    if method == "POST" and path == CREATE_PATH:
        deps.own_writes.record(response.json(IssueWire).key, CREATED)
    return response


def present(**members: Any) -> dict[str, Any]:
    """Only the members that were given: None means "not sent", as in the old backend."""
    return {name: value for name, value in members.items() if value is not None}
