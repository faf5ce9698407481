"""Work logs: listing, logging time, and today's total."""

from __future__ import annotations

from sidecar.api.base import Dto, Params


class WorklogEntry(Dto):
    id: str
    date: str
    duration_seconds: int
    comment: str
    author: str


class LogWorkParams(Params):
    issue_key: str
    duration: str
    comment: str = ""
    start: str | None = None


class TodayLoggedParams(Params):
    issue_keys: list[str]
