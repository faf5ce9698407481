"""The history tab: `GET issues/{key}/changelog` with an opaque id cursor, and `record`, which
the write endpoints call to log what changed.

Owns: diffing an issue's wire form before and after a write into `{field, from, to}` records.
Must not know: how the write itself is done.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sidecar.sandbox import render
from sidecar.sandbox.context import Ctx, ctx, json_response, me
from sidecar.sandbox.model import ChangelogEntry, Issue
from sidecar.sandbox.paging import cursor_mode
from sidecar.sandbox.routing import Route
from sidecar.sandbox.timeutil import format_ts

# Bookkeeping members that change on every write and are not history in Tracker's sense.
_NOISE = frozenset(
    {
        "self",
        "version",
        "updatedAt",
        "updatedBy",
        "statusStartTime",
        "commentWithoutExternalMessageCount",
    }
)


def snapshot(c: Ctx, issue: Issue) -> dict[str, Any]:
    return render.issue_full(c, issue)


def record(c: Ctx, issue: Issue, kind: str, before: dict[str, Any] | None = None) -> None:
    after = snapshot(c, issue)
    changes = [] if before is None else _diff(before, after)
    if before is not None and not changes:
        return
    entry = ChangelogEntry(c.state.next_id(), issue.key, kind, c.state.now(), me(c).login, changes)
    c.state.changelog.append(entry)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    names = sorted((set(before) | set(after)) - _NOISE)
    return [
        {"field": {"id": name, "display": name}, "from": before.get(name), "to": after.get(name)}
        for name in names
        if before.get(name) != after.get(name)
    ]


def _entry(c: Ctx, issue: Issue, entry: ChangelogEntry) -> dict[str, Any]:
    ident = f"{entry.id:024x}"
    return {
        "id": ident,
        "self": f"{c.api}/issues/{issue.key}/changelog/{ident}",
        "issue": render.issue_ref(c, issue),
        "updatedAt": format_ts(entry.at),
        "updatedBy": render.user_ref(c, entry.by),
        "type": entry.type,
        "transport": "front",
        "fields": entry.fields,
    }


async def list_changelog(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    wanted_field, wanted_type = request.query.get("field"), request.query.get("type")
    entries = [
        e
        for e in c.state.changelog
        if e.issue == issue.key
        and (wanted_type is None or e.type == wanted_type)
        and (wanted_field is None or any(f["field"]["id"] == wanted_field for f in e.fields))
    ]
    chunk, headers = cursor_mode(c, request, entries, lambda e: e.id, opaque=True)
    return json_response([_entry(c, issue, e) for e in chunk], headers=headers)


ROUTES = [Route("GET", "/issues/{key}/changelog", list_changelog)]
