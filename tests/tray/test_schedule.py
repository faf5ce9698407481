"""When reminders and the workday wrap-up are due."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sidecar.api.local import Config
from sidecar.tray.schedule import end_of_day, reminder_wait, wrap_up_due, wrap_up_target

ZONE = timezone(timedelta(hours=7))


def at(hour: int, minute: int, second: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=ZONE)


def test_reminder_every_interval_minutes_from_the_last_one() -> None:
    config = Config(timer_notification_interval=15)
    assert reminder_wait(100.0, 100.0, config, 60.0) == 900.0
    assert reminder_wait(100.0, 999.0, config, 60.0) == 1.0
    assert reminder_wait(100.0, 1000.0, config, 60.0) == 0.0
    assert reminder_wait(0.0, 10.0, Config(timer_notification_interval=1), 2.0) == -8.0
    assert reminder_wait(0.0, 0.0, Config(timer_notification_interval=0), 60.0) == 60.0  # 0 is 1


def test_wrap_up_from_the_end_of_the_workday_once_per_local_day() -> None:
    config = Config(workday_end_time="17:30")
    assert not wrap_up_due(at(17, 29, 59), config, None)
    assert wrap_up_due(at(17, 30), config, None)
    assert wrap_up_due(at(23, 59), config, None)
    assert not wrap_up_due(at(18, 0), config, date(2026, 3, 2))
    assert wrap_up_due(at(17, 30, day=3), config, date(2026, 3, 2))
    assert not wrap_up_due(at(0, 5, day=3), config, date(2026, 3, 2))


def test_an_unparsable_end_time_never_wraps_up() -> None:
    assert end_of_day(" 09:05 ") is not None
    assert end_of_day("25:00") is None
    assert not wrap_up_due(at(23, 0), Config(workday_end_time="late"), None)


def test_the_target_is_the_workday_in_seconds() -> None:
    assert wrap_up_target(Config(workday_hours=8)) == 28_800
    assert wrap_up_target(Config(workday_hours=1)) == 3_600
