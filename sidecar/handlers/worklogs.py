"""Work logs: every entry of an issue, logging time, and today's total for a set of issues.

Rules of `docs/frontend-contract.md` §5, §9.5–§9.7, with the fixes of the parity issue: the list
follows the id cursor to the end (the old backend stopped at 500), the today total reads every
page of the work-log search and uses the session's cached login (a failing `/myself` is
reported instead of silently counting everyone's work), and `log_work` takes an optional
`start`. "Today" and a `start` without an offset are in the machine's time zone.
Must not know: how the frontend shows or sums entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import msgspec

from sidecar.api.issues import IssueKeyParams
from sidecar.api.worklogs import LogWorkParams, TodayLoggedParams, WorklogEntry
from sidecar.errors import InvalidInput
from sidecar.handlers import convert
from sidecar.handlers.cursor import read_all
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.durations import U64_MAX, parse_human_duration, tracker_seconds
from sidecar.handlers.kept import ISSUE, TODAY_PREFIX, WORKLOGS, Stored, entry_key
from sidecar.handlers.users import current_login
from sidecar.handlers.writes import write
from sidecar.tracker import pagination
from sidecar.tracker.client import api_path
from sidecar.tracker.models import WorklogWire
from sidecar.tracker.times import parse_tracker_time

SEARCH_PER_PAGE = 100
LOGGED = (WORKLOGS, ISSUE)  # the issue shows the time spent
INVALID_START = "Invalid start: expected an ISO 8601 date-time or YYYY-MM-DD"


def _path(issue_key: str) -> str:
    return api_path("issues", issue_key, "worklog")


async def get_issue_worklogs(deps: Deps, params: IssueKeyParams, call: Call) -> list[WorklogEntry]:
    """Every work log of an issue, oldest first (all cursor pages, no cap)."""

    async def load() -> list[WorklogEntry]:
        wires = await read_all(deps, _path(params.issue_key), WorklogWire)
        hours = await deps.workday_hours()
        return [convert.worklog(wire, hours, deps.keys) for wire in wires]

    key = entry_key(WORKLOGS, params.issue_key)
    stored = Stored("get_issue_worklogs", params, key, list[WorklogEntry])
    return await deps.kept.read(call, stored, load)


# --- log_work ------------------------------------------------------------------------------


def tracker_timestamp(moment: datetime) -> str:
    """Tracker's own form: UTC, milliseconds, `+0000` (`2026-03-02T09:00:00.000+0000`)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_start(text: str) -> datetime:
    """An ISO date-time or `YYYY-MM-DD` (local midnight); no offset means the local zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(INVALID_START) from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def worklog_body(params: LogWorkParams, workday_hours: int, now: datetime) -> dict[str, str]:
    """`{start, duration, comment?}`; the comment is trimmed and left out when empty."""
    duration = parse_human_duration(params.duration, workday_hours)
    given = (params.start or "").strip()
    start = parse_start(given) if given else now
    body = {"start": tracker_timestamp(start), "duration": duration}
    if comment := params.comment.strip():
        body["comment"] = comment
    return body


async def log_work(deps: Deps, params: LogWorkParams, call: Call) -> None:
    """POST a work log: human duration → ISO 8601, starting now or at `start`."""
    body = worklog_body(params, await deps.workday_hours(), datetime.now(UTC))
    path = _path(params.issue_key)
    await write(deps, "POST", path, json=body, issue=params.issue_key, changes=LOGGED, today=True)


# --- today's total -------------------------------------------------------------------------


def day_bounds(day: date) -> tuple[str, str]:
    """Local midnight of `day` and of the next day, RFC 3339 with offset."""
    start = datetime.combine(day, time()).astimezone()
    end = datetime.combine(day + timedelta(days=1), time()).astimezone()
    return start.isoformat(), end.isoformat()


def _issue_key(wire: WorklogWire) -> str | None:
    key = wire.issue.get("key") if isinstance(wire.issue, dict) else None
    return key if isinstance(key, str) else None


def _local_day(wire: WorklogWire) -> date | None:
    raw = wire.start if wire.start is not None else wire.createdAt
    moment = parse_tracker_time(raw)
    return None if moment is None else moment.astimezone().date()


def today_seconds(
    wires: Iterable[WorklogWire], issue_keys: Iterable[str], today: date, workday_hours: int
) -> int:
    """Seconds logged on `issue_keys` by entries whose start (else creation) is local `today`."""
    wanted = {key.strip() for key in issue_keys if key.strip()}
    total = 0
    for wire in wires:
        if _issue_key(wire) not in wanted or _local_day(wire) != today:
            continue
        total += tracker_seconds(wire.duration, workday_hours, numbers_are_seconds=False) or 0
    return min(total, U64_MAX)


async def get_today_logged_seconds_for_issues(
    deps: Deps, params: TodayLoggedParams, call: Call
) -> int:
    """Seconds the signed-in user logged today on the given issues (0 for no issues)."""
    if not params.issue_keys:
        return 0
    today = datetime.now().astimezone().date()

    async def load() -> int:
        return await today_logged_seconds(deps, params.issue_keys, today)

    return await deps.kept.read(call, _today_stored(params, today), load)


async def today_logged_seconds(deps: Deps, issue_keys: list[str], today: date | None = None) -> int:
    """The today total, at background priority (the frontend and the tray's wrap-up ask; only
    the frontend's is kept in the disk cache)."""
    if not issue_keys:
        return 0
    today = today or datetime.now().astimezone().date()
    since, until = day_bounds(today)
    login = await current_login(deps, background=True)
    wires = await pagination.all_pages(
        deps.tracker,
        "POST",
        api_path("worklog", "_search"),
        item_type=WorklogWire,
        per_page=SEARCH_PER_PAGE,
        json={"createdBy": login, "createdAt": {"from": since, "to": until}},
        background=True,
        idempotent=True,
    )
    return today_seconds(wires, issue_keys, today, await deps.workday_hours())


def _today_stored(params: TodayLoggedParams, today: date) -> Stored[int]:
    """Kept per day and set of issues; any work logged through the sidecar drops them all."""
    issues = msgspec.json.encode(sorted({key.strip().upper() for key in params.issue_keys}))
    name = f"{TODAY_PREFIX}{today.isoformat()}:{hashlib.sha256(issues).hexdigest()[:32]}"
    return Stored("get_today_logged_seconds_for_issues", params, name, int)
