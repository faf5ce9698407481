"""When the timer reminders and the workday wrap-up are due (`docs/frontend-contract.md` §8.3).

Owns: the rules. A reminder comes every `timer_notification_interval` minutes of a running
timer (0 counts as 1), counted from the start and from the previous reminder. The wrap-up comes
once per local day, at the first check at or after `workday_end_time`. Its total is the day's
logged seconds plus the running timer, against `workday_hours × 3600`.
Must not know: clocks, tasks or what is shown.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sidecar.api.local import Config


def reminder_wait(last: float, now: float, config: Config, minute_s: float) -> float:
    """Seconds until the next reminder (≤ 0: due now); `last` is the start or the last one."""
    return last + max(config.timer_notification_interval, 1) * minute_s - now


def end_of_day(value: str) -> time | None:
    """`HH:MM` (surrounding whitespace allowed), else None: then no wrap-up at all."""
    try:
        return datetime.strptime(value.strip(), "%H:%M").time()
    except ValueError:
        return None


def wrap_up_due(now: datetime, config: Config, last_day: date | None) -> bool:
    """Not yet sent on `now`'s day, and `now` is at or after the end of the workday."""
    end = end_of_day(config.workday_end_time)
    return end is not None and last_day != now.date() and now.time() >= end


def wrap_up_target(config: Config) -> int:
    """The day's target in seconds."""
    return config.workday_hours * 3600
