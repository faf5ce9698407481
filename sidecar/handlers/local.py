"""Local state: the app's `config.json` and the work timer.

Rules of `docs/frontend-contract.md` §4.12–§4.14, §5.

No Tracker calls and no session needed. The timer broadcasts `timer-tick` itself on every change
and every 60 s while running. Must not know: where the config lives or how ticks reach the wire.
"""

from __future__ import annotations

from sidecar.api.base import NoParams
from sidecar.api.local import (
    Config,
    SaveConfigParams,
    StartTimerParams,
    StopTimerResult,
    TimerState,
)
from sidecar.handlers.deps import Call, Deps


async def get_config(deps: Deps, params: NoParams, call: Call) -> Config:
    """The normalised config; the defaults when the file is missing or unreadable."""
    return await deps.config.load()


async def save_config(deps: Deps, params: SaveConfigParams, call: Call) -> None:
    """Write the normalised config (atomically; an I/O failure leaves the old file)."""
    await deps.config.save(params.config)


async def start_timer(deps: Deps, params: StartTimerParams, call: Call) -> None:
    """Start timing an issue, replacing any running timer without saving it."""
    deps.timer.start(params.issue_key, params.issue_summary)


async def stop_timer(deps: Deps, params: NoParams, call: Call) -> StopTimerResult:
    """Stop the timer: `[elapsedSeconds, issueKey]`, or `[0, null]` when idle."""
    elapsed, issue_key = deps.timer.stop()
    return StopTimerResult(elapsed_seconds=elapsed, issue_key=issue_key)


async def get_timer_state(deps: Deps, params: NoParams, call: Call) -> TimerState:
    """The timer snapshot; `elapsed` is recomputed while running and 0 when idle."""
    return deps.timer.state()
