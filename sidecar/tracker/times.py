"""Tracker's timestamps: RFC 3339, or its own `2026-03-02T09:00:00.000+0000` form.

Owns: reading one. Must not know: which field carries it or what "today" means.
"""

from __future__ import annotations

from datetime import datetime


def parse_tracker_time(value: object) -> datetime | None:
    """RFC 3339 or Tracker's `+0000` form; values without an offset are not usable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
