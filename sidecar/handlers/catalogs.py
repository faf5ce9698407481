"""Catalogs: statuses, resolutions, priorities, issue types, queues, projects and users.

Rules of `docs/frontend-contract.md` §5, §9.3: the four dictionaries are one GET each; queues,
projects and users are paged with `perPage=200`. Every entry is converted leniently (projects
key on their id). Each catalog is fetched once per session, with background priority so the
user's own clicks go first, and kept in `deps.caches.catalogs` until sign-in or sign-out. The
disk cache answers it at start while younger than --catalog-ttl-s (then it is fetched again in
the background, after the first issue list), and whatever its age when Tracker cannot be
reached (`handlers/kept.py`).

Paged catalogs are read to the last page. The old backend stopped after 10 pages (2,000
entries) without saying so; here the only bound is Tracker's own: page mode reaches at most
10,000 rows, i.e. 50 pages of 200, which also guards against a server that never ends.
Must not know: how the frontend filters or labels them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sidecar.api.auth import UserProfile
from sidecar.api.base import NoParams
from sidecar.api.issues import SimpleEntity
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.kept import Stored
from sidecar.tracker import pagination
from sidecar.tracker.client import api_path
from sidecar.tracker.models import EntityWire, UserWire

T = TypeVar("T")

PER_PAGE = 200
PAGE_MODE_ROWS = 10_000  # Tracker serves no row beyond this in page mode
MAX_PAGES = PAGE_MODE_ROWS // PER_PAGE


async def _cached(
    deps: Deps, call: Call, stored: Stored[list[T]], load: Callable[[], Awaitable[list[T]]]
) -> list[T]:
    """The session's copy of a catalog, loaded on first use (from disk when young enough)."""
    found = deps.caches.catalogs.get(stored.key)
    if found is not None:
        return found

    async def fetched() -> list[T]:
        since = deps.session.generation  # never keep one account's catalog for the next
        fresh = await load()
        deps.caches.catalogs.put(stored.key, fresh, since=since)
        return fresh

    ttl = deps.kept.catalog_ttl_s
    return await deps.kept.read(call, stored, fetched, fresh_s=ttl, revalidate=fetched)


def _stored(deps: Deps, method: str, kind: str, of: type[list[T]]) -> Stored[list[T]]:
    """Display values follow the language, so each language keeps its own copy."""
    return Stored(method, NoParams(), f"catalog:{deps.accept_language or ''}:{kind}", of)


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


async def _entities(
    deps: Deps, call: Call, method: str, kind: str, *, paged: bool = False
) -> list[SimpleEntity]:
    async def load() -> list[SimpleEntity]:
        if paged:
            wires = await _paged(deps, kind, EntityWire)
        else:
            response = await deps.tracker.request("GET", api_path(kind), background=True)
            wires = response.json(list[EntityWire])
        id_first = kind == "projects"
        return [convert.catalog_entity(w, id_first=id_first, keys=deps.keys) for w in wires]

    return await _cached(deps, call, _stored(deps, method, kind, list[SimpleEntity]), load)


async def get_statuses(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every issue status."""
    return await _entities(deps, call, "get_statuses", "statuses")


async def get_resolutions(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every resolution."""
    return await _entities(deps, call, "get_resolutions", "resolutions")


async def get_priorities(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every priority."""
    return await _entities(deps, call, "get_priorities", "priorities")


async def get_issue_types(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every issue type."""
    return await _entities(deps, call, "get_issue_types", "issuetypes")


async def get_queues(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every queue (keyed by queue key), all pages."""
    return await _entities(deps, call, "get_queues", "queues", paged=True)


async def get_projects(deps: Deps, params: NoParams, call: Call) -> list[SimpleEntity]:
    """Every project (keyed by project id), all pages."""
    return await _entities(deps, call, "get_projects", "projects", paged=True)


async def get_users(deps: Deps, params: NoParams, call: Call) -> list[UserProfile]:
    """Every user of the organization, all pages."""

    async def load() -> list[UserProfile]:
        return [convert.user_profile(w) for w in await _paged(deps, "users", UserWire)]

    return await _cached(deps, call, _stored(deps, "get_users", "users", list[UserProfile]), load)
