"""Issue sub-collections that Tracker pages with an id cursor (comments, work logs), read whole.

Owns: the page size and how the next cursor is derived when Tracker sends no `Link`: the id
of the page's last item. Must not know: what the items are or how they are converted.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sidecar.handlers import convert
from sidecar.handlers.deps import Deps
from sidecar.tracker import pagination


class _Identified(Protocol):
    @property
    def id(self) -> Any: ...


W = TypeVar("W", bound=_Identified)

PER_PAGE = 100


async def read_all(deps: Deps, path: str, item_type: type[W]) -> list[W]:
    """Every item of the collection at `path`, following the cursor to the last page."""
    return await pagination.all_by_cursor(
        deps.tracker,
        path,
        item_type=item_type,
        per_page=PER_PAGE,
        id_of=lambda wire: convert.wire_id(wire.id) or None,
    )
