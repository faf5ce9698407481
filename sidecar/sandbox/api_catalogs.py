"""Dictionaries and containers: statuses, resolutions, priorities, issue types, queues, projects.

Owns: the four unpaginated dictionaries (with `localized=false` giving `{"ru","en"}` names),
queues and projects in page mode, one queue by key with `expand`. Must not know: issues.
"""

from __future__ import annotations

from aiohttp import web

from sidecar.sandbox import render
from sidecar.sandbox.context import csv_param, ctx, json_response
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import CatalogEntry
from sidecar.sandbox.paging import paged_json
from sidecar.sandbox.routing import Route
from sidecar.sandbox.state import TrackerState


def _dictionary(kind: str) -> Route:
    async def handler(request: web.Request) -> web.Response:
        c = ctx(request)
        localized = request.query.get("localized", "true").lower() != "false"
        entries = sorted(_entries(c.state, kind).values(), key=lambda e: (e.order, e.id))
        return json_response(
            [render.catalog_entry(c, kind, e, localized=localized) for e in entries]
        )

    return Route("GET", f"/{kind}", handler)


def _entries(state: TrackerState, kind: str) -> dict[str, CatalogEntry]:
    return {
        "statuses": state.statuses,
        "resolutions": state.resolutions,
        "priorities": state.priorities,
        "issuetypes": state.issue_types,
    }[kind]


async def list_queues(request: web.Request) -> web.Response:
    c = ctx(request)
    queues = sorted(c.state.queues.values(), key=lambda q: q.id)
    expand = csv_param(request, "expand")
    return paged_json(c, request, queues, lambda q: render.queue_full(c, q, expand))


async def get_queue(request: web.Request) -> web.Response:
    c = ctx(request)
    ref = request.match_info["ref"]
    queue = c.state.queues.get(ref.upper()) or next(
        (q for q in c.state.queues.values() if str(q.id) == ref), None
    )
    if queue is None:
        raise ApiError(404, "not_found")
    return json_response(render.queue_full(c, queue, csv_param(request, "expand")))


async def list_projects(request: web.Request) -> web.Response:
    c = ctx(request)
    projects = sorted(c.state.projects.values(), key=lambda p: p.id)
    return paged_json(c, request, projects, lambda p: render.project_full(c, p))


async def get_project(request: web.Request) -> web.Response:
    c = ctx(request)
    project = c.state.projects.get(int(request.match_info["id"]))
    if project is None:
        raise ApiError(404, "not_found")
    return json_response(render.project_full(c, project))


ROUTES = [
    *(_dictionary(kind) for kind in ("statuses", "resolutions", "priorities", "issuetypes")),
    Route("GET", "/queues", list_queues),
    Route("GET", "/queues/{ref}", get_queue),
    Route("GET", "/projects", list_projects),
    Route("GET", r"/projects/{id:\d+}", get_project),
]
