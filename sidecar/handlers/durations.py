"""Durations: Tracker's working-time values → seconds, and human text → ISO 8601 for `log_work`.

Owns: the two conversions of `docs/frontend-contract.md` §9.5/§9.6. A day is one workday
(`workday_hours` from the config) and a week five workdays, as in Tracker.
Must not know: where durations come from or go to.

The human parser keeps every answer the old backend got right and fixes its wrong ones: a
decimal with a unit is honoured (`1.5h` → `PT1H30M`, not `PT5H`), a bare number after a unit
means the next smaller unit (`1h30` → `PT1H30M`), and words that are not duration units
(`1 month`) are an error instead of minutes.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from sidecar.errors import InvalidInput

U64_MAX = 2**64 - 1
_TOKEN = re.compile(r"(\d+)\s*(w|d|h|m)")
_DURATION_KEYS = ("duration", "value", "display", "text", "en", "ru")
_CLOCK_UNITS = {"h": 3600, "m": 60}


def tracker_seconds(value: Any, workday_hours: int, *, numbers_are_seconds: bool) -> int | None:
    """Seconds in a Tracker duration value (ISO text, a number of seconds, or a wrapper)."""
    if isinstance(value, str):
        return _text_seconds(value, workday_hours)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        ok = numbers_are_seconds and float(value).is_integer() and value >= 0
        return min(int(value), U64_MAX) if ok else None
    if isinstance(value, dict):
        return _first_seconds((value.get(k) for k in _DURATION_KEYS), workday_hours)
    if isinstance(value, list):
        return _first_seconds(iter(value), workday_hours)
    return None


def _first_seconds(values: Any, workday_hours: int) -> int | None:
    for item in values:
        seconds = tracker_seconds(item, workday_hours, numbers_are_seconds=False)
        if seconds is not None:
            return seconds
    return None


def _text_seconds(text: str, workday_hours: int) -> int | None:
    if len(text) <= _REMEMBERED_TEXT:  # a page repeats the same few values
        return _remembered_text_seconds(text, workday_hours)
    return _parse_text_seconds(text, workday_hours)


def _parse_text_seconds(text: str, workday_hours: int) -> int | None:
    matches = _TOKEN.findall(text.strip().lower())
    if not matches:
        return None
    total = 0
    for count, unit in matches:  # a loop, not a dict and a generator per value (~1 µs)
        seconds = _CLOCK_UNITS.get(unit)
        if seconds is None:  # days and weeks are working days
            seconds = clamp_workday(workday_hours) * 3600 * (5 if unit == "w" else 1)
        total += int(count) * seconds
    return min(total, U64_MAX)


_REMEMBERED_TEXT = 64  # longer texts are parsed each time, never kept
_remembered_text_seconds = functools.lru_cache(maxsize=256)(_parse_text_seconds)


def clamp_workday(hours: int) -> int:
    return min(max(hours, 1), 24)


# --- human text → ISO 8601 -------------------------------------------------------------

_UNITS: dict[str, str] = {}
for _unit, _words in {
    "w": "w wk wks week weeks н нед неделя недели недель",
    "d": "d day days д дн день дня дней",
    "h": "h hr hrs hour hours ч час часа часов",
    "m": "m min mins minute minutes м мин минута минуты минут",
}.items():
    _UNITS.update(dict.fromkeys(_words.split(), _unit))

_PART = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([^\d\s.,+]*)\s*(?:,|\+|\band\b|\bи\b)?", re.UNICODE)
_SMALLER = {"w": "d", "d": "h", "h": "m"}
_ORDER = ("w", "d", "h", "m")
INVALID = "Invalid duration value"


def parse_human_duration(text: str, workday_hours: int = 8) -> str:
    """`1w 2d 4h 30m` → `P1W2DT4H30M`. Raises InvalidInput with the backend's messages."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise InvalidInput("Duration cannot be empty")
    parts = _split(cleaned)
    if len(parts) == 1 and not parts[0][1]:
        totals = _bare_number(parts[0][0], workday_hours)
    else:
        totals = _sum_units(parts, workday_hours)
    if not any(totals.values()):
        raise InvalidInput("Duration resolves to zero")
    return _iso(totals)


def _split(text: str) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None or match.end() == pos:
            raise InvalidInput(INVALID)
        parts.append((match.group(1).replace(",", "."), match.group(2)))
        pos = match.end()
    return parts


def _bare_number(number: str, workday_hours: int) -> dict[str, int]:
    """A lone integer is minutes (`90` → PT90M); a lone decimal is hours (`1.5` → PT1H30M)."""
    totals = dict.fromkeys(_ORDER, 0)
    unit, amount = ("h", float(number)) if "." in number else ("m", float(number))
    _add(totals, unit, amount, clamp_workday(workday_hours))
    return totals


def _sum_units(parts: list[tuple[str, str]], workday_hours: int) -> dict[str, int]:
    totals = dict.fromkeys(_ORDER, 0)
    previous: str | None = None
    for number, word in parts:
        unit = _unit_of(word, previous)
        _add(totals, unit, float(number), clamp_workday(workday_hours))
        previous = unit
    return totals


def _unit_of(word: str, previous: str | None) -> str:
    if word:
        if word not in _UNITS:
            raise InvalidInput(INVALID)
        return _UNITS[word]
    if previous in _SMALLER:
        return _SMALLER[previous]
    raise InvalidInput(INVALID)


def _add(totals: dict[str, int], unit: str, amount: float, workday_hours: int) -> None:
    """Whole units stay in their unit (no normalisation); a fraction spills into smaller ones."""
    whole = math.floor(amount)
    totals[unit] += whole
    fraction = amount - whole
    if fraction == 0:
        return
    minutes_per = {"w": 5 * workday_hours * 60, "d": workday_hours * 60, "h": 60, "m": 1}
    extra = round_half_up(fraction * minutes_per[unit])
    for smaller in _ORDER[_ORDER.index(unit) + 1 :]:
        size = minutes_per[smaller]
        totals[smaller] += extra // size
        extra %= size
    totals["m"] += extra


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _iso(totals: dict[str, int]) -> str:
    date = "".join(f"{totals[u]}{u.upper()}" for u in ("w", "d") if totals[u])
    time = "".join(f"{totals[u]}{u.upper()}" for u in ("h", "m") if totals[u])
    return f"P{date}" + (f"T{time}" if time else "")
