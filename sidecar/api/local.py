"""Local state: the app's config file and the work timer."""

from __future__ import annotations

from typing import Annotated

import msgspec

from sidecar.api.base import Dto, Params, Payload

U8 = Annotated[int, msgspec.Meta(ge=0, le=255)]
U32 = Annotated[int, msgspec.Meta(ge=0, le=4_294_967_295)]


class Config(Payload):
    """`config.json`; the same object is `get_config`'s result and `save_config`'s argument."""

    timer_notification_interval: U32 = 15
    workday_hours: U8 = 8
    workday_start_time: str = "09:00"
    workday_end_time: str = "17:00"


class SaveConfigParams(Params):
    config: Config


class TimerState(Dto):
    """`get_timer_state` and the `timer-tick` notification."""

    active: bool
    issue_key: str | None
    issue_summary: str | None
    start_time: int | None
    elapsed: int


class TimerStopped(Dto):
    """Payload of the `timer-stopped` notification."""

    issue_key: str
    elapsed: int


class StartTimerParams(Params):
    issue_key: str
    issue_summary: str | None = None


class StopTimerResult(Dto, array_like=True):
    """`stop_timer`'s result, a JSON array `[elapsedSeconds, issueKey | null]` (a Rust tuple)."""

    elapsed_seconds: int
    issue_key: str | None
