"""Tracker's clock formats: `YYYY-MM-DDTHH:MM:SS.mmm+0000` timestamps and working-time durations.

Owns: formatting and lenient parsing of timestamps, and ISO 8601 durations counted in Tracker's
working time (1W = 5D, 1D = 8H). Must not know: HTTP, the state, or any Tracker object.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 8 * HOUR
WEEK = 5 * DAY
# Months and years have no documented working-time length; these are the fake's own choice.
MONTH = 4 * WEEK
YEAR = 12 * MONTH

_DURATION = re.compile(
    r"^P(?:(?P<Y>\d+)Y)?(?:(?P<Mo>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<H>\d+)H)?(?:(?P<Mi>\d+)M)?(?:(?P<S>\d+)S)?)?$"
)
_UNITS = {"Y": YEAR, "Mo": MONTH, "W": WEEK, "D": DAY, "H": HOUR, "Mi": MINUTE, "S": 1}


def format_ts(moment: datetime) -> str:
    """Render an aware datetime the way Tracker does: UTC, milliseconds, `+0000`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_ts(text: str) -> datetime:
    """Parse `+0300`, `+03:00`, `Z` or a bare date; naive values are taken as UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    """Accept `YYYY-MM-DD` or a full timestamp and keep only the date."""
    value = text.strip()
    return date.fromisoformat(value) if len(value) == 10 else parse_ts(value).date()


def parse_duration(text: str) -> int:
    """Working seconds in an ISO 8601 duration; raises ValueError on anything else."""
    upper = text.strip().upper()
    # The one regex tells months (before T) from minutes (after T) by position.
    match = _DURATION.match(upper)
    if match is None or upper in ("P", "PT") or upper.endswith("T"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    return sum(int(v) * _UNITS[k] for k, v in match.groupdict().items() if v)


def format_duration(seconds: int) -> str:
    """Normalise working seconds to Tracker's form: `P1W2DT3H`, `P1DT40M`, `PT0S` for zero."""
    if seconds <= 0:
        return "PT0S"
    weeks, rest = divmod(seconds, WEEK)
    days, rest = divmod(rest, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    head = _parts(((weeks, "W"), (days, "D")))
    tail = _parts(((hours, "H"), (minutes, "M"), (secs, "S")))
    return "P" + head + ("T" + tail if tail else "")


def normalise_duration(text: str) -> str:
    """Round-trip a client's duration through working time (`P5D` → `P1W`)."""
    return format_duration(parse_duration(text))


def _parts(pairs: tuple[tuple[int, str], ...]) -> str:
    return "".join(f"{n}{unit}" for n, unit in pairs if n)
