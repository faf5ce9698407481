"""Work logs through a spawned sidecar against the fake Tracker: every page, logging time with
an optional start, and today's total in the machine's time zone."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from sidecar.sandbox.model import Worklog
from sidecar.sandbox.state import TrackerState
from sidecar.sandbox.timeutil import DAY, HOUR, MINUTE
from tests.e2e import signed_in as fixtures
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import (
    expect_no_request,
    expect_request,
    invalid,
    only_request,
    start_signed_in,
)
from tests.fakes.tracker import FakeTrackerServer

signed_in = fixtures.signed_in

# A fixed zone without daylight saving that no CI machine runs in: POSIX "<+07>-7" is UTC+7.
TZ_ENV = {"TZ": "<+07>-7"}
LOCAL = timezone(timedelta(hours=7))
TRACKER_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")

TEST_1_WORKLOGS = [
    {
        "id": "201",
        "date": "2026-03-02T09:00:00.000+0000",
        "duration_seconds": 5 * 8 * 3600,  # P1W: five workdays of 8 h
        "comment": "Investigation",
        "author": "Alice Anderson",
    },
    {
        "id": "202",
        "date": "2026-03-03T09:00:00.000+0000",
        "duration_seconds": 2 * 8 * 3600 + 3 * 3600,  # P2DT3H
        "comment": "Fix",
        "author": "Alice Anderson",
    },
]


def _workday_hours(tmp_path: Path, hours: int) -> None:
    """The app's config.json in the config dir the `spawn` fixture hands the sidecar."""
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"workday_hours": hours}))


def _add_worklogs(
    rows: list[tuple[int, str, datetime, int, str]],
) -> Callable[[TrackerState], None]:
    """(id, issue, start, working seconds, login), created now."""

    def seed(state: TrackerState) -> None:
        now = state.now()
        for ident, issue, start, seconds, login in rows:
            state.worklogs[ident] = Worklog(ident, issue, start, seconds, login, now, now)

    return seed


# --- get_issue_worklogs ----------------------------------------------------------------------


def test_get_issue_worklogs_reads_the_list(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    assert signed_in.result("get_issue_worklogs", {"issueKey": "TEST-1"}) == TEST_1_WORKLOGS
    expect_request(
        only_request(fake_tracker), "GET", "/v3/issues/TEST-1/worklog", query={"perPage": "100"}
    )


def test_get_issue_worklogs_counts_days_in_configured_workday_hours(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    _workday_hours(tmp_path, 6)
    sidecar = start_signed_in(spawn, fake_tracker)
    result = sidecar.result("get_issue_worklogs", {"issueKey": "TEST-1"})
    assert [w["duration_seconds"] for w in result] == [5 * 6 * 3600, 2 * 6 * 3600 + 3 * 3600]


def test_get_issue_worklogs_of_an_issue_without_any_is_empty(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    assert signed_in.result("get_issue_worklogs", {"issueKey": "TEST-4"}) == []


def test_get_issue_worklogs_reads_every_page_without_a_cap(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    start = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)
    rows = [(6000 + n, "TEST-4", start + timedelta(minutes=n), MINUTE, "bob") for n in range(550)]
    fake_tracker.call(_add_worklogs(rows))
    result = signed_in.result("get_issue_worklogs", {"issueKey": "TEST-4"})
    assert len(result) == 550  # the old backend stopped at 500
    assert result[-1] == {
        "id": "6549",
        "date": "2026-03-09T15:09:00.000+0000",
        "duration_seconds": 60,
        "comment": "",
        "author": "Bob Brown",
    }
    cursors = [r.query.get("id") for r in fake_tracker.requests]
    assert cursors == [None, "6099", "6199", "6299", "6399", "6499"]
    for page in fake_tracker.requests:
        expect_request(page, "GET", "/v3/issues/TEST-4/worklog", query=dict(page.query))


def test_get_issue_worklogs_converts_odd_payloads(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    odd = [
        {"id": 9, "createdAt": "2026-03-02T09:00:00.000+0000", "duration": "PT0S",
         "createdBy": {"id": "1", "display": {"en": "Alice", "ru": "Алиса"}}},
        {"id": "10", "start": "2026-03-02T10:00:00.000+0000", "duration": 3600, "comment": None},
        {"duration": {"ru": "PT1H"}, "createdBy": {"login": "carol"}},
    ]  # fmt: skip
    fake_tracker.faults.add("GET", r"/issues/TEST-1/worklog$", status=200, body=odd)
    assert signed_in.result("get_issue_worklogs", {"issueKey": "TEST-1"}) == [
        {"id": "9", "date": "2026-03-02T09:00:00.000+0000", "duration_seconds": 0,
         "comment": "", "author": "Alice"},
        {"id": "10", "date": "2026-03-02T10:00:00.000+0000", "duration_seconds": 0,
         "comment": "", "author": "Unknown"},
        {"id": "", "date": "", "duration_seconds": 3600, "comment": "", "author": "carol"},
    ]  # fmt: skip


# --- log_work ------------------------------------------------------------------------------


def test_log_work_starts_now_with_the_fixed_duration_parser(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-4", "duration": "1.5h", "comment": "  Review \n"}
    before = datetime.now(UTC)
    assert signed_in.result("log_work", params) is None
    request = only_request(fake_tracker)
    body = request.json()
    assert isinstance(body, dict)
    expect_request(
        request,
        "POST",
        "/v3/issues/TEST-4/worklog",
        json={"start": body["start"], "duration": "PT1H30M", "comment": "Review"},
    )
    assert TRACKER_TS.match(body["start"])
    sent = datetime.strptime(body["start"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert before - timedelta(seconds=1) <= sent <= datetime.now(UTC)
    logged = signed_in.result("get_issue_worklogs", {"issueKey": "TEST-4"})
    assert [(w["duration_seconds"], w["comment"]) for w in logged] == [(5400, "Review")]


def test_log_work_leaves_out_a_blank_comment(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    params = {"issueKey": "TEST-4", "duration": "90", "comment": "   "}
    assert signed_in.result("log_work", params) is None
    body = only_request(fake_tracker).json()
    assert isinstance(body, dict)
    assert set(body) == {"start", "duration"}
    assert body["duration"] == "PT90M"


@pytest.mark.parametrize(
    ("start", "sent"),
    [
        ("2026-03-05T09:30:00+03:00", "2026-03-05T06:30:00.000+0000"),
        ("2026-03-05T09:30:00.000+0300", "2026-03-05T06:30:00.000+0000"),
        ("2026-03-05T10:00:00.123456Z", "2026-03-05T10:00:00.123+0000"),
        ("2026-03-05T10:00", "2026-03-05T03:00:00.000+0000"),  # no offset: local (UTC+7)
        (" 2026-03-05 ", "2026-03-04T17:00:00.000+0000"),  # a date: local midnight
    ],
)
def test_log_work_with_a_start(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, start: str, sent: str
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, env=TZ_ENV)
    params = {"issueKey": "TEST-4", "duration": "2h", "comment": "", "start": start}
    assert sidecar.result("log_work", params) is None
    expect_request(
        only_request(fake_tracker),
        "POST",
        "/v3/issues/TEST-4/worklog",
        json={"start": sent, "duration": "PT2H"},
    )


def test_log_work_decimal_days_use_the_configured_workday(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    _workday_hours(tmp_path, 6)
    sidecar = start_signed_in(spawn, fake_tracker)
    params = {"issueKey": "TEST-4", "duration": "1.5d", "comment": ""}
    assert sidecar.result("log_work", params) is None
    body = only_request(fake_tracker).json()
    assert isinstance(body, dict) and body["duration"] == "P1DT3H"


@pytest.mark.parametrize(
    ("duration", "start", "message"),
    [
        ("  ", None, "Duration cannot be empty"),
        ("0h 0m", None, "Duration resolves to zero"),
        ("1 month", None, "Invalid duration value"),
        ("2h", "yesterday", "Invalid start: expected an ISO 8601 date-time or YYYY-MM-DD"),
        ("2h", "2026-13-01", "Invalid start: expected an ISO 8601 date-time or YYYY-MM-DD"),
    ],
)
def test_log_work_refuses_bad_input_before_any_request(
    signed_in: Sidecar,
    fake_tracker: FakeTrackerServer,
    duration: str,
    start: str | None,
    message: str,
) -> None:
    params = {"issueKey": "TEST-4", "duration": duration, "comment": "x", "start": start}
    invalid(signed_in.error("log_work", params), message)
    expect_no_request(fake_tracker)


# --- get_today_logged_seconds_for_issues --------------------------------------------------


def _local_today() -> tuple[date, datetime]:
    today = datetime.now(LOCAL).date()
    return today, datetime.combine(today, time(), LOCAL)


def _search_body(today: date) -> dict[str, object]:
    tomorrow = today + timedelta(days=1)
    return {
        "createdBy": "alice",
        "createdAt": {"from": f"{today}T00:00:00+07:00", "to": f"{tomorrow}T00:00:00+07:00"},
    }


def test_today_total_keeps_local_today_on_the_asked_issues(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    _workday_hours(tmp_path, 6)
    today, midnight = _local_today()
    fake_tracker.call(
        _add_worklogs(
            [
                (1, "TEST-1", midnight + timedelta(hours=2), HOUR + 30 * MINUTE, "alice"),
                (2, "TEST-2", midnight + timedelta(hours=10), DAY, "alice"),  # P1D = 6 h here
                (3, "TEST-1", midnight - timedelta(hours=1), HOUR, "alice"),  # local yesterday
                (4, "OPS-1", midnight + timedelta(hours=3), HOUR, "alice"),  # not asked for
                (5, "TEST-1", midnight + timedelta(hours=4), HOUR, "bob"),  # someone else's
            ]
        )
    )
    sidecar = start_signed_in(spawn, fake_tracker, env=TZ_ENV)
    params = {"issueKeys": ["TEST-1", " TEST-2 ", ""]}
    assert sidecar.result("get_today_logged_seconds_for_issues", params) == 5400 + 6 * 3600
    myself, search = fake_tracker.requests
    expect_request(myself, "GET", "/v3/myself")
    expect_request(
        search,
        "POST",
        "/v3/worklog/_search",
        query={"perPage": "100", "page": "1"},
        json=_search_body(today),
    )


def test_today_total_reads_every_page_and_asks_for_the_login_once(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    today, midnight = _local_today()
    start = midnight + timedelta(hours=12)
    fake_tracker.call(
        _add_worklogs([(7000 + n, "TEST-1", start, MINUTE, "alice") for n in range(150)])
    )
    sidecar = start_signed_in(spawn, fake_tracker, env=TZ_ENV)
    for _ in range(2):
        assert (
            sidecar.result("get_today_logged_seconds_for_issues", {"issueKeys": ["TEST-1"]}) == 9000
        )
    requests = fake_tracker.requests
    assert [(r.method, r.path, r.query.get("page")) for r in requests] == [
        ("GET", "/v3/myself", None),
        ("POST", "/v3/worklog/_search", "1"),
        ("POST", "/v3/worklog/_search", "2"),
        ("POST", "/v3/worklog/_search", "1"),
        ("POST", "/v3/worklog/_search", "2"),
    ]
    assert all(r.json() == _search_body(today) for r in requests[1:])


def test_today_total_reports_a_failing_myself_instead_of_counting_everyone(
    signed_in: Sidecar, fake_tracker: FakeTrackerServer
) -> None:
    body = {"errors": {}, "errorMessages": ["Organization is not available"], "statusCode": 403}
    fake_tracker.faults.add("GET", r"^/v3/myself$", status=403, body=body)
    error = signed_in.error("get_today_logged_seconds_for_issues", {"issueKeys": ["TEST-1"]})
    assert error["message"] == (
        "authentication error: Access denied (403 Forbidden) - " + json.dumps(body)
    )
    assert error["data"]["kind"] == "forbidden"
    assert [r.path for r in fake_tracker.requests] == ["/v3/myself"]


def test_today_total_of_no_issues_is_zero_before_any_auth_check(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = spawn(*fake_args(fake_tracker))  # never signed in
    assert sidecar.result("get_today_logged_seconds_for_issues", {"issueKeys": []}) == 0
    error = sidecar.error("get_today_logged_seconds_for_issues", {"issueKeys": ["TEST-1"]})
    assert error["message"] == "Not authenticated. Sign in again to continue."
    expect_no_request(fake_tracker)
