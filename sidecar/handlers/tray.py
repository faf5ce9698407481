"""The tray's methods, and what the tray service asks of Tracker.

Rules of `docs/frontend-contract.md` §8.3 and §4.14 (`timer-stopped`).

Methods: `get_tray_state`, `tray_refresh` ("Refresh Issues"), `tray_start_timer` (an issue of
the "Start Timer" submenu) and `tray_stop_timer` ("Stop Timer", which also sends `timer-stopped`
so the app opens its Log Work dialog). `TrackerTraySource` makes the old app's background
search: a page-mode `_search` (not scroll) of the user's open issues, `perPage=100`, `page=1`,
and reads today's total, a changelog and the user's ids, all at background priority.
Must not know: when the tray refreshes or what it announces (`sidecar/tray/service.py`).
"""

from __future__ import annotations

from sidecar.api.base import NoParams
from sidecar.api.issues import Issue
from sidecar.api.local import TimerStopped
from sidecar.api.tray import TrayStartTimerParams, TrayState
from sidecar.errors import InternalError, InvalidInput
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.issues import FIELDS
from sidecar.handlers.users import current_ids, current_login
from sidecar.handlers.worklogs import today_logged_seconds
from sidecar.tracker import pagination
from sidecar.tracker.client import api_path
from sidecar.tracker.models import ChangelogWire, IssueWire
from sidecar.tray import texts
from sidecar.tray.service import PAGE_SIZE, TrayService

EMPTY_KEY = "Issue key must not be empty"
HISTORY_PER_PAGE = 100


def _tray(deps: Deps) -> TrayService:
    if deps.tray is None:
        raise InternalError("the tray service is not running")
    return deps.tray


async def get_tray_state(deps: Deps, params: NoParams, call: Call) -> TrayState:
    """The tray menu and title as they are now (the last `tray` notification said the same)."""
    return _tray(deps).state()


async def tray_refresh(deps: Deps, params: NoParams, call: Call) -> TrayState:
    """ "Refresh Issues": search the tray's issues now and return the new state."""
    return await _tray(deps).refresh()


async def tray_start_timer(deps: Deps, params: TrayStartTimerParams, call: Call) -> None:
    """Start timing a tray issue (nothing when it already runs); notifies `timer-started`."""
    tray, key = _tray(deps), params.issue_key.strip()
    if not key:
        raise InvalidInput(EMPTY_KEY)
    if deps.timer.state().issue_key == key:
        return
    summary = tray.summary_of(key)
    deps.timer.start(key, summary)
    tray.announce(texts.timer_started(key, summary))


async def tray_stop_timer(deps: Deps, params: NoParams, call: Call) -> None:
    """ "Stop Timer": stop, send `timer-stopped` (the app offers to log the time), notify."""
    tray = _tray(deps)
    elapsed, key = deps.timer.stop()
    if key is None:
        return
    deps.notify("timer-stopped", TimerStopped(issue_key=key, elapsed=elapsed))
    tray.announce(texts.timer_stopped(key, elapsed))


class TrackerTraySource:
    """`TraySource` over the handlers' Tracker calls."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def has_session(self) -> bool:
        return await self._deps.session.has_session()

    async def issues(self) -> list[Issue]:
        deps = self._deps
        login = await current_login(deps, background=True)
        response = await deps.tracker.request(
            "POST",
            pagination.SEARCH_PATH,
            params={"perPage": PAGE_SIZE, "page": 1, "fields": FIELDS},
            json={"filter": {"assignee": login, "resolution": "empty()"}},
            background=True,
            idempotent=True,
        )
        hours, keys = await deps.workday_hours(), deps.keys
        return [convert.issue(wire, hours, keys) for wire in response.json(list[IssueWire])]

    async def today_seconds(self, keys: list[str]) -> int:
        return await today_logged_seconds(self._deps, keys)

    async def history(self, key: str) -> list[ChangelogWire]:
        return await pagination.all_by_cursor(
            self._deps.tracker,
            api_path("issues", key, "changelog"),
            item_type=ChangelogWire,
            per_page=HISTORY_PER_PAGE,
            id_of=lambda wire: convert.wire_id(wire.id) or None,
            background=True,
        )

    async def my_ids(self) -> frozenset[str]:
        return await current_ids(self._deps, background=True)
