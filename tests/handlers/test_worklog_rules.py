"""The pure rules behind log_work and the today total: timestamps, starts, day bounds, the sum."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from sidecar.api.worklogs import LogWorkParams
from sidecar.errors import InvalidInput
from sidecar.handlers.durations import U64_MAX
from sidecar.handlers.worklogs import (
    INVALID_START,
    day_bounds,
    parse_start,
    today_seconds,
    tracker_timestamp,
    worklog_body,
)
from sidecar.tracker.models import WorklogWire
from sidecar.tracker.times import parse_tracker_time

PLUS_7 = timezone(timedelta(hours=7))


@pytest.fixture
def utc_plus_7(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone is UTC+7 (POSIX TZ, no daylight saving) for one test."""
    monkeypatch.setenv("TZ", "<+07>-7")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_tracker_timestamp_is_utc_milliseconds_with_plus_0000() -> None:
    moment = datetime(2026, 3, 5, 9, 30, 1, 987654, tzinfo=PLUS_7)
    assert tracker_timestamp(moment) == "2026-03-05T02:30:01.987+0000"


@pytest.mark.usefixtures("utc_plus_7")
@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-05T09:30:00+03:00", datetime(2026, 3, 5, 6, 30, tzinfo=UTC)),
        ("2026-03-05T09:30:00.000+0300", datetime(2026, 3, 5, 6, 30, tzinfo=UTC)),
        ("2026-03-05T09:30:00Z", datetime(2026, 3, 5, 9, 30, tzinfo=UTC)),
        ("2026-03-05T09:30", datetime(2026, 3, 5, 2, 30, tzinfo=UTC)),
        ("2026-03-05", datetime(2026, 3, 4, 17, 0, tzinfo=UTC)),
        ("  2026-03-05  ", datetime(2026, 3, 4, 17, 0, tzinfo=UTC)),
    ],
)
def test_parse_start(text: str, utc: datetime) -> None:
    assert parse_start(text) == utc


@pytest.mark.parametrize("text", ["yesterday", "2026-02-30", "05.03.2026", "now", "12:00"])
def test_parse_start_refuses_what_is_not_iso(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_start(text)
    assert caught.value.message == INVALID_START


NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def _body(duration: str = "1h", comment: str = "", start: str | None = None) -> dict[str, str]:
    params = LogWorkParams(issue_key="TEST-1", duration=duration, comment=comment, start=start)
    return worklog_body(params, 8, NOW)


def test_worklog_body_defaults_to_now_and_drops_a_blank_comment() -> None:
    assert _body(comment="  ") == {"start": "2026-03-05T12:00:00.000+0000", "duration": "PT1H"}
    assert _body(start="  ")["start"] == "2026-03-05T12:00:00.000+0000"


def test_worklog_body_trims_the_comment_and_uses_a_given_start() -> None:
    body = _body(comment=" Review\n", start="2026-03-01T08:00:00Z", duration="1.5h")
    assert body == {
        "start": "2026-03-01T08:00:00.000+0000",
        "duration": "PT1H30M",
        "comment": "Review",
    }


def test_worklog_body_checks_the_duration_before_the_start() -> None:
    with pytest.raises(InvalidInput) as caught:
        _body(duration="", start="garbage")
    assert caught.value.message == "Duration cannot be empty"


@pytest.mark.usefixtures("utc_plus_7")
def test_day_bounds_are_local_midnights_with_offset() -> None:
    assert day_bounds(date(2026, 2, 28)) == (
        "2026-02-28T00:00:00+07:00",
        "2026-03-01T00:00:00+07:00",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-05T09:30:00.000+0000", datetime(2026, 3, 5, 9, 30, tzinfo=UTC)),
        ("2026-03-05T09:30:00+03:00", datetime(2026, 3, 5, 6, 30, tzinfo=UTC)),
        ("2026-03-05T09:30:00", None),  # no offset: unusable, as in the old backend
        ("2026-03-05", None),
        ("soon", None),
        (None, None),
        (1234567890, None),
    ],
)
def test_parse_tracker_time(value: object, expected: datetime | None) -> None:
    assert parse_tracker_time(value) == expected


def _wire(key: object, start: object, duration: object, created: object = None) -> WorklogWire:
    issue = {"key": key} if key is not None else None
    return WorklogWire(issue=issue, start=start, duration=duration, createdAt=created)


@pytest.mark.usefixtures("utc_plus_7")
def test_today_seconds_keeps_entries_whose_local_start_is_today() -> None:
    today = date(2026, 3, 5)
    wires = [
        _wire("TEST-1", "2026-03-04T19:00:00.000+0000", "PT1H30M"),  # 02:00 local today
        _wire("TEST-1", "2026-03-04T16:59:00.000+0000", "PT1H"),  # 23:59 local yesterday
        _wire("TEST-1", None, "P1D", created="2026-03-05T03:00:00.000+0000"),  # creation
        _wire("TEST-2", "2026-03-05T10:00:00.000+0000", "PT15M"),
        _wire("OPS-1", "2026-03-05T10:00:00.000+0000", "PT8H"),  # not asked for
        _wire(None, "2026-03-05T10:00:00.000+0000", "PT8H"),  # no issue
        _wire("TEST-1", "2026-03-05T10:00:00", "PT8H"),  # no offset
        _wire("TEST-1", "2026-03-05T10:00:00.000+0000", "garbage"),  # counts 0
    ]
    total = today_seconds(wires, [" TEST-1 ", "TEST-2", ""], today, workday_hours=6)
    assert total == 5400 + 6 * 3600 + 900


@pytest.mark.usefixtures("utc_plus_7")
def test_today_seconds_saturates() -> None:
    wires = [_wire("A-1", "2026-03-05T10:00:00.000+0000", "P99999999999999999W")] * 3
    assert today_seconds(wires, ["A-1"], date(2026, 3, 5), 24) == U64_MAX


def test_today_seconds_of_nothing_is_zero() -> None:
    assert today_seconds([], ["TEST-1"], date(2026, 3, 5), 8) == 0
