"""Writes to Tracker made on the user's behalf, and what each one implies.

Owns: `write`, the one call every mutating handler makes, so no handler can forget to
invalidate or to record the write as our own (the tray never announces our own writes as
changes); `invalidated`, what a write that may have landed ends (the lists' freshness in memory
and on disk, and the disk entries it names); `present`, the old backend's rule for optional
body members. Writes are never queued: one that cannot reach Tracker fails as it
always did (a retryable `network` or `timeout` error) and leaves every cache as it was.
Must not know: what is written or how its answer is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sidecar.handlers.deps import Deps
from sidecar.handlers.kept import TODAY_PREFIX, entry_key
from sidecar.tracker.client import Params, TrackerResponse, api_path
from sidecar.tracker.errors import TransportError
from sidecar.tracker.models import IssueWire

CREATE_PATH = api_path("issues")
CREATED = frozenset({"created"})


async def write(
    deps: Deps,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: Params | None = None,
    issue: str | None = None,
    changes: Iterable[str] = (),
    today: bool = False,
) -> TrackerResponse:
    """Send a mutating request; what it may change is invalidated whatever the outcome.

    `changes` names the kinds of `issue`'s stored entries it changes (`kept.COMMENTS`, …) and
    `today` whether it changes today's work-log totals; the lists are always concerned.
    """
    deps.own_writes.record_write(method, path, json)  # before: a failed write may still land
    async with invalidated(deps, issue, changes, today=today):
        with deps.kept.watching():
            response = await deps.tracker.request(method, path, json=json, params=params)
    if method == "POST" and path == CREATE_PATH:
        deps.own_writes.record(response.json(IssueWire).key, CREATED)
    return response


@asynccontextmanager
async def invalidated(
    deps: Deps, issue: str | None, changes: Iterable[str], *, today: bool = False
) -> AsyncIterator[None]:
    """Around a write: afterwards the caches no longer offer what it may have changed.

    A write that failed on our side (a timeout, a reset) may still have landed on Tracker, so
    this happens in `finally`; only a request that provably never left (no connection was
    made) changes nothing.
    """
    account = await deps.kept.account()
    landed = True
    try:
        yield
    except TransportError as exc:
        landed = exc.sent
        raise
    finally:
        if landed:
            deps.caches.after_mutation()
            keys = [entry_key(kind, issue) for kind in changes] if issue else []
            deps.kept.changed(account, keys, [TODAY_PREFIX] if today else [])


def present(**members: Any) -> dict[str, Any]:
    """Only the members that were given: None means "not sent", as in the old backend."""
    return {name: value for name, value in members.items() if value is not None}
