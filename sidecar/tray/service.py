"""The loop the old app ran natively: background refresh, tray updates, reminders, wrap-up.

Owns: the tray's issue list (fed only by its own page-mode search, never by the UI's lists),
when the `tray` and `notify` messages go out, and the tasks behind them:

- the refresh loop: while a session exists, a refresh at once and then every `refresh_s`
  (none when 0); sign-in wakes it; the first refresh of a session sets the baseline silently,
  every later one (the tray's "Refresh Issues" too) announces what changed;
- one reminder task per timer run, every `timer_notification_interval` minutes;
- the minute loop, which sends the workday wrap-up once per local day.

Sign-in and sign-out drop the list, the baseline and every task that used the session. A
minute lasts `minute_s` (tests shorten it). Must not know: HTTP, JSON-RPC, the handlers: what
it needs from Tracker comes through a `TraySource`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sidecar.api.issues import Issue
from sidecar.api.local import Config, TimerState
from sidecar.api.tray import Notice, TrayState
from sidecar.errors import NotAuthenticated, SidecarError
from sidecar.tracker.models import ChangelogWire
from sidecar.tray import texts
from sidecar.tray.changes import Cause, Change, OwnWrites, Seen, cause, diff, seen
from sidecar.tray.menu import tray_state
from sidecar.tray.schedule import reminder_wait, wrap_up_due, wrap_up_target

log = logging.getLogger("sidecar.tray")

PAGE_SIZE = 100
MAX_CHANGE_NOTICES = 10
# Tracker's search can lag behind a write: a write this long before the previous refresh
# may show up only in this one, and must still count as ours.
WRITE_LAG_S = 120.0
# A changelog entry this much older than the previous refresh still explains a change
# (Tracker's clock and ours differ; its search lags).
HISTORY_SLACK = timedelta(hours=1)
TOTAL_CAP = 2**64 - 1


class TraySource(Protocol):
    """What the tray needs from Tracker and the session; every call at background priority."""

    async def has_session(self) -> bool: ...

    async def issues(self) -> list[Issue]:
        """The tray's list: open issues assigned to the user, one page of `PAGE_SIZE`."""
        ...

    async def today_seconds(self, keys: list[str]) -> int: ...

    async def history(self, key: str) -> list[ChangelogWire]: ...

    async def my_ids(self) -> frozenset[str]:
        """The user's ids as changelog entries name their author."""
        ...


@dataclass(frozen=True)
class TrayOptions:
    refresh_s: float = 300.0
    minute_s: float = 60.0
    notifications: bool = True


def local_now() -> datetime:
    return datetime.now().astimezone()


class TrayService:
    def __init__(
        self,
        source: TraySource,
        *,
        timer: Callable[[], TimerState],
        config: Callable[[], Config | None],
        own_writes: OwnWrites,
        notify: Callable[[str, Any], None],
        options: TrayOptions,
        now: Callable[[], datetime] = local_now,
        phrase: Callable[[Sequence[str]], str] = random.choice,
    ) -> None:
        self._source, self._timer, self._config = source, timer, config
        self._own, self._notify, self.options = own_writes, notify, options
        self._now, self._phrase = now, phrase
        self._issues: list[Issue] = []
        self._baseline: dict[str, Seen] | None = None
        self._partial = False
        self._previous_start: datetime | None = None
        self._my_ids: frozenset[str] | None = None
        self._sent = self.state()
        self._run: tuple[str | None, int | None] | None = None
        self._wrapped_day: date | None = None
        self._epoch = 0
        self._wake = asyncio.Event()
        self._inflight: asyncio.Task[TrayState] | None = None
        self._reminder: asyncio.Task[None] | None = None
        self._loops: list[asyncio.Task[None]] = []
        self._session_tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    # -- what a shell sees --------------------------------------------------------------------

    def state(self) -> TrayState:
        return tray_state(self._issues, self._timer())

    def publish(self) -> None:
        """Send `tray` when the state differs from the last one sent."""
        state = self.state()
        if state != self._sent:
            self._sent = state
            self._notify("tray", state)

    def announce(self, notice: Notice) -> None:
        if self.options.notifications:
            self._notify("notify", notice)

    def summary_of(self, key: str) -> str | None:
        return next((issue.summary for issue in self._issues if issue.key == key), None)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the loops (inside the running event loop)."""
        loop = asyncio.get_running_loop()
        if self.options.refresh_s > 0:
            self._loops.append(loop.create_task(self._refresh_loop()))
        if self.options.notifications:
            self._loops.append(loop.create_task(self._minute_loop()))

    def close(self) -> None:
        self._closed = True
        for task in [*self._loops, self._inflight, self._reminder, *self._session_tasks]:
            if task is not None:
                task.cancel()

    def signed_in(self) -> None:
        """A new session: start from an empty list and a silent baseline, and refresh now."""
        self._reset()
        self._wake.set()

    def signed_out(self) -> None:
        """Stop everything that used the session; the tray shows no issues."""
        self._reset()

    def _reset(self) -> None:
        self._epoch += 1
        for task in [self._inflight, *self._session_tasks]:
            if task is not None:
                task.cancel()
        self._own.clear()
        self._forget()

    def _forget(self) -> None:
        self._issues, self._baseline, self._partial = [], None, False
        self._previous_start, self._my_ids = None, None
        self.publish()

    # -- the timer ----------------------------------------------------------------------------

    def timer_changed(self, state: TimerState) -> None:
        """Every `timer-tick`: a new run restarts the reminders; the tray follows the timer."""
        run = (state.issue_key, state.start_time) if state.active else None
        if run != self._run:
            self._run = run
            if self._reminder is not None:
                self._reminder.cancel()
                self._reminder = None
            if run is not None and self.options.notifications and not self._closed:
                self._reminder = asyncio.get_running_loop().create_task(self._remind())
        self.publish()

    async def _remind(self) -> None:
        loop = asyncio.get_running_loop()
        minute, last = self.options.minute_s, loop.time()
        while True:
            config = self._config()  # None: not read yet, so ask again in a minute
            wait = minute if config is None else reminder_wait(last, loop.time(), config, minute)
            if wait > 0:
                await asyncio.sleep(min(wait, minute))  # a shorter interval saved meanwhile counts
                continue
            state = self._timer()
            if not state.active:
                return
            self.announce(texts.reminder(state))
            last = loop.time()

    # -- the workday wrap-up ------------------------------------------------------------------

    async def _minute_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.minute_s)
            self._check_wrap_up()

    def _check_wrap_up(self) -> None:
        now, config = self._now(), self._config()
        if config is None or not wrap_up_due(now, config, self._wrapped_day):
            return
        self._wrapped_day = now.date()
        state = self._timer()
        running = state.elapsed if state.active else 0
        keys = [issue.key for issue in self._issues]
        self._spawn(self._wrap_up(wrap_up_target(config), running, keys))

    async def _wrap_up(self, target: int, running: int, keys: list[str]) -> None:
        try:
            logged = await self._source.today_seconds(keys) if keys else 0
        except SidecarError as exc:
            log.info("the wrap-up counts no logged time: the total failed (%s)", exc.kind)
            logged = 0
        total = min(logged + running, TOTAL_CAP)
        self.announce(texts.wrap_up(total, target, self._phrase(texts.PHRASES)))

    # -- the refresh --------------------------------------------------------------------------

    async def _refresh_loop(self) -> None:
        while True:
            self._wake.clear()
            if await self._has_session():
                await asyncio.wait([self._refresh_task()])  # its failure is logged there
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.refresh_s):
                    await self._wake.wait()

    async def _has_session(self) -> bool:
        try:
            return await self._source.has_session()
        except SidecarError:
            return False

    async def refresh(self) -> TrayState:
        """Refresh now, or join the refresh in flight; raises what the search raised."""
        while True:
            task = self._refresh_task()
            await asyncio.wait([task])
            if not task.cancelled():
                return task.result()
            if self._closed or not await self._has_session():
                raise NotAuthenticated()  # signed out meanwhile

    def _refresh_task(self) -> asyncio.Task[TrayState]:
        if self._inflight is None or self._inflight.done():
            refresh = self._refresh(self._epoch)
            self._inflight = asyncio.get_running_loop().create_task(refresh)
            self._inflight.add_done_callback(_log_failure)
        return self._inflight

    async def _refresh(self, epoch: int) -> TrayState:
        started = self._now()
        try:
            issues = await self._source.issues()
        except NotAuthenticated:
            if epoch == self._epoch:
                self._forget()  # the session ended without a logout (a refused refresh token)
            raise
        except SidecarError as exc:
            log.info("the tray refresh failed (%s)", exc.kind)
            raise
        self._apply(issues, started)
        return self.state()

    def _apply(self, issues: list[Issue], started: datetime) -> None:
        current, partial = seen(issues), len(issues) >= PAGE_SIZE
        previous, since, was_partial = self._baseline, self._previous_start, self._partial
        self._issues, self._baseline, self._partial = issues, current, partial
        self._previous_start = started
        self.publish()
        if previous is None or since is None:
            return  # the first refresh of a session is the baseline
        changes = diff(previous, current, partial=partial or was_partial)
        floor = since.timestamp() - WRITE_LAG_S
        changes = [item for item in changes if not self._own.explains(item, floor)]
        self._own.forget_before(started.timestamp() - WRITE_LAG_S)
        if changes and self.options.notifications:
            self._spawn(self._announce(changes, since - HISTORY_SLACK))

    # -- what changed in your issues ----------------------------------------------------------

    async def _announce(self, changes: list[Change], since: datetime) -> None:
        mine = await self._ids()
        shown = 0
        for number, item in enumerate(changes):
            if shown == MAX_CHANGE_NOTICES:
                self.announce(texts.more_changes(len(changes) - number))
                return
            found = await self._cause(item, since)
            if found is not None and found.author_ids & mine:
                continue  # the user's own change, made elsewhere (the web UI, another app)
            self.announce(texts.change(item, found))
            shown += 1

    async def _cause(self, item: Change, since: datetime) -> Cause | None:
        try:
            entries = await self._source.history(item.key)
        except SidecarError as exc:
            log.debug("no changelog for a tray notice (%s)", exc.kind)
            return None
        return cause(entries, item, since)

    async def _ids(self) -> frozenset[str]:
        if self._my_ids is None:
            try:
                self._my_ids = await self._source.my_ids()
            except SidecarError as exc:
                log.debug("the user's id is unknown; no change is known as theirs (%s)", exc.kind)
                return frozenset()
        return self._my_ids

    # -- tasks --------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """A task that uses the session: cancelled at sign-in and sign-out."""
        task = asyncio.get_running_loop().create_task(work)
        self._session_tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._session_tasks.discard(task)
        _log_failure(task)


def _log_failure(task: asyncio.Task[Any]) -> None:
    """Reads the outcome (so asyncio never reports it unread); a bug is logged, not lost."""
    if task.cancelled():
        return
    error = task.exception()
    if error is not None and not isinstance(error, SidecarError):
        log.error("a tray task failed", exc_info=error)
