"""Catalogs: statuses, resolutions, priorities, issue types, queues, projects and users.

Rules of `docs/frontend-contract.md` §5, §9.3: the four dictionaries are one GET each; queues,
projects and users are paged with `perPage=200`. Every entry is converted leniently (projects
key on their id). Each catalog is fetched once per session, with background priority so the
user's own clicks go first, and kept in `deps.caches.catalogs` until sign-in or sign-out.

Paged catalogs are read to the last page. The old backend stopped after 10 pages (2,000
entries) without saying so; here the only bound is Tracker's own: page mode reaches at most
10,000 rows, i.e. 50 pages of 200, which also guards against a server that never ends.
Must not know: how the frontend filters or labels them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sidecar.api.auth import UserProfile
from sidecar.api.base import NoParams
from sidecar.api.issues import SimpleEntity
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.tracker import pagination
from sidecar.tracker.client import api_path
from sidecar.tracker.models import EntityWire, UserWire

T = TypeVar("T")

PER_PAGE = 200
PAGE_MODE_ROWS = 10_000  # Tracker serves no row beyond this in page mode
MAX_PAGES = PAGE_MODE_ROWS // PER_PAGE


async def _cached(deps: Deps, name: str, load: Callable[[], Awaitable[list[Any]]]) -> list[Any]:
    """The session's copy of a catalog, loaded on first use."""
    found = deps.caches.catalogs.get(name)
    if found is not None:
        return found
    since = deps.session.generation  # never keep one account's catalog for the next
    fresh = await load()
    deps.caches.catalogs.put(name, fresh, since=since)
    return fresh


async def _paged(deps: Deps, kind: str, item_type: type[T]) -> list[T]:
    return await pagination.all_pages(
        deps.tracker,
        "GET",
        api_path(kind),
        item_type=item_type,
        per_page=PER_PAGE,
        background=True,
        max_pages=MAX_PAGES,
    )


async def _entities(deps: Deps, kind: str, *, paged: bool = False) -> list[SimpleEntity]:
    async def load() -> list[SimpleEntity]:
        if paged:
            wires = await _paged(deps, kind, EntityWire)
        else:
            response = await deps.tracker.request("GET", api_path(kind), background=True)
            wires = response.json(list[EntityWire])
        id_first = kind == "projects"
        return [convert.catalog_entity(w, id_first=id_first, keys=deps.keys) for w in wires]

    return await _cached(deps, kind, load)


async def get_statuses(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every issue status."""
    return await _entities(deps, "statuses")


async def get_resolutions(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every resolution."""
    return await _entities(deps, "resolutions")


async def get_priorities(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every priority."""
    return await _entities(deps, "priorities")


async def get_issue_types(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every issue type."""
    return await _entities(deps, "issuetypes")


async def get_queues(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every queue (keyed by queue key), all pages."""
    return await _entities(deps, "queues", paged=True)


async def get_projects(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every project (keyed by project id), all pages."""
    return await _entities(deps, "projects", paged=True)


async def get_users(deps: Deps, params: NoParams, call: Call) -> list[UserProfile]:
    """Every user of the organization, all pages."""

    async def load() -> list[UserProfile]:
        return [convert.user_profile(w) for w in await _paged(deps, "users", UserWire)]

    return await _cached(deps, "users", load)
