"""The tray service in process: refreshes, announcements, reminders, the wrap-up, sign-out.

Tracker is replaced by a `TraySource` double (the service's seam; the real source is tested end
to end in `tests/e2e/test_tray.py`). A real `Timer` drives the service as the app wires it.
Waits poll for an outcome and never assert on durations.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

from sidecar.api.issues import Issue
from sidecar.api.local import Config
from sidecar.api.tray import Notice, TrayState
from sidecar.app_tracker import tray_options
from sidecar.errors import NotAuthenticated
from sidecar.local.timer import Timer
from sidecar.settings import Settings
from sidecar.tracker.errors import NotFound, ServerError
from sidecar.tracker.models import ChangelogWire
from sidecar.tray.changes import OwnWrites
from sidecar.tray.service import PAGE_SIZE, TrayOptions, TrayService
from tests.tray.test_menu import issue

ZONE = timezone(timedelta(hours=3))
ME = "1120000000000001"


class Source:
    def __init__(self) -> None:
        self.session = True
        self.current: list[Issue] = [issue("TEST-1", "One"), issue("TEST-2", "Two")]
        self.histories: dict[str, list[ChangelogWire]] = {}
        self.history_error: Exception | None = None
        self.today = 0
        self.today_keys: list[list[str]] = []
        self.searches = 0
        self.gate: asyncio.Event | None = None

    async def has_session(self) -> bool:
        return self.session

    async def issues(self) -> list[Issue]:
        self.searches += 1
        if self.gate is not None:
            await self.gate.wait()
        if not self.session:
            raise NotAuthenticated()
        return list(self.current)

    async def today_seconds(self, keys: list[str]) -> int:
        self.today_keys.append(keys)
        return self.today

    async def history(self, key: str) -> list[ChangelogWire]:
        if self.history_error is not None:
            raise self.history_error
        return self.histories.get(key, [])

    async def my_ids(self) -> frozenset[str]:
        return frozenset({ME})


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 12, 0, tzinfo=ZONE)

    def __call__(self) -> datetime:
        return self.now


class Rig:
    def __init__(self, options: TrayOptions, config: Config | None = None) -> None:
        self.source = Source()
        self.clock = Clock()
        self.config = config or Config(workday_end_time="23:59")
        self.sent: list[tuple[str, Any]] = []
        self.own = OwnWrites(clock=lambda: self.clock().timestamp())
        self.timer = Timer(self._timer_event)
        self.tray = TrayService(
            self.source,
            timer=self.timer.state,
            config=lambda: self.config,
            own_writes=self.own,
            notify=lambda method, params: self.sent.append((method, params)),
            options=options,
            now=self.clock,
            phrase=lambda phrases: phrases[0],
        )

    def _timer_event(self, method: str, params: Any) -> None:
        self.sent.append((method, params))
        self.tray.timer_changed(params)

    def notices(self, kind: str | None = None) -> list[Notice]:
        sent = [params for method, params in self.sent if method == "notify"]
        return [n for n in sent if kind is None or n.kind == kind]

    def trays(self) -> list[TrayState]:
        return [params for method, params in self.sent if method == "tray"]

    async def until(self, check: Callable[[], bool], limit_s: float = 10.0) -> None:
        """Poll until `check()` holds (an outcome of other tasks, with no event to wait on)."""
        async with asyncio.timeout(limit_s):
            for _ in itertools.count():
                if check():
                    return
                await asyncio.sleep(0.005)

    async def refresh(self) -> TrayState:
        """A refresh ten minutes after the previous one."""
        self.clock.now += timedelta(minutes=10)
        return await self.tray.refresh()

    async def settle(self) -> None:
        """Let spawned announcement tasks finish."""
        for _ in range(20):
            await asyncio.sleep(0)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    the_rig = Rig(TrayOptions(refresh_s=0, minute_s=60))
    yield the_rig
    the_rig.tray.close()
    the_rig.timer.close()


def history(*entries: tuple[str, str, list[dict[str, Any]]]) -> list[ChangelogWire]:
    stamp = "2099-01-01T00:00:00.000+0000"
    return [
        msgspec.convert(
            {"id": n, "updatedAt": stamp, "updatedBy": {"id": by, "display": name}, "fields": f},
            ChangelogWire,
        )
        for n, (by, name, f) in enumerate(entries)
    ]


STATUS = [{"field": {"id": "status"}, "from": {"display": "Open"}, "to": {"display": "Closed"}}]


async def test_the_first_refresh_is_a_silent_baseline_later_ones_announce(rig: Rig) -> None:
    state = await rig.refresh()
    assert [i.issue_key for i in state.issues] == ["TEST-1", "TEST-2"]
    assert rig.trays() == [state] and rig.notices() == []
    await rig.refresh()
    assert rig.trays() == [state]  # unchanged: not sent again
    rig.source.current = [issue("TEST-1", "One", "closed"), issue("TEST-3", "Three")]
    rig.source.histories["TEST-1"] = history(("2", "Bob Brown", STATUS))
    await rig.refresh()
    await rig.until(lambda: len(rig.notices()) == 3)
    assert [(n.title, n.body) for n in rig.notices()] == [
        ("Status changed: TEST-1", "Open → Closed\nOne\nby Bob Brown"),
        ("Assigned to you: TEST-3", "Three"),
        ("Left your issues: TEST-2", "Resolved or reassigned\nTwo"),
    ]
    assert len(rig.trays()) == 2


async def test_the_users_own_changes_are_not_announced(rig: Rig) -> None:
    await rig.refresh()
    rig.own.record_write("POST", "/v3/issues/TEST-1/transitions/close/_execute", {})
    rig.source.current = [issue("TEST-1", "One", "closed"), issue("TEST-2", "Renamed")]
    rig.source.histories["TEST-2"] = history(
        ("2", "Bob Brown", STATUS), (ME, "Alice Anderson", [{"field": {"id": "summary"}}])
    )
    await rig.refresh()  # ours through the sidecar; hers in the web UI
    await rig.settle()
    assert rig.notices() == []
    rig.source.current = [issue("TEST-1", "One", "open"), issue("TEST-2", "Renamed")]
    rig.source.history_error = NotFound("http 404 Not Found: ", status=404)
    await rig.refresh()
    await rig.until(lambda: len(rig.notices()) == 1)  # the ledger covered only the last window
    assert rig.notices()[0].body == "Closed → Open\nOne"  # no changelog: no author


async def test_past_ten_changes_one_notice_counts_the_rest(rig: Rig) -> None:
    await rig.refresh()
    rig.source.current = [issue(f"NEW-{n}", f"N{n}") for n in range(14)]
    await rig.refresh()
    await rig.until(lambda: len(rig.notices()) == 11)
    await rig.settle()
    notices = rig.notices()
    assert len(notices) == 11
    assert [n.issue_key for n in notices[:10]] == [f"NEW-{n}" for n in range(10)]
    assert notices[10].body == "6 more issues changed since the last refresh"  # 4 new + 2 gone


async def test_a_full_page_reports_no_arrivals_or_departures(rig: Rig) -> None:
    rig.source.current = [issue(f"P-{n}") for n in range(PAGE_SIZE)]
    await rig.refresh()
    rig.source.current = [issue("P-X"), *rig.source.current[1:]]
    rig.source.current[5] = issue("P-5", status="closed")
    await rig.refresh()
    await rig.until(lambda: len(rig.notices()) == 1)
    await rig.settle()
    assert [n.title for n in rig.notices()] == ["Status changed: P-5"]


async def test_sign_out_stops_a_refresh_in_flight_and_empties_the_tray(rig: Rig) -> None:
    await rig.refresh()
    rig.source.gate = asyncio.Event()
    rig.source.current = [issue("TEST-9")]
    waiting = asyncio.create_task(rig.tray.refresh())
    await rig.until(lambda: rig.source.searches == 2)
    rig.source.session = False
    rig.tray.signed_out()
    with pytest.raises(NotAuthenticated):
        await waiting
    assert rig.tray.state().issues == [] and rig.trays()[-1].issues == []
    rig.source.gate.set()
    await rig.settle()
    assert rig.notices() == [] and rig.tray.state().issues == []


async def test_after_sign_in_the_first_refresh_is_a_baseline_again(rig: Rig) -> None:
    await rig.refresh()
    rig.tray.signed_in()
    rig.source.current = [issue("OTHER-1")]
    state = await rig.refresh()
    await rig.settle()
    assert [i.issue_key for i in state.issues] == ["OTHER-1"] and rig.notices() == []


async def test_a_session_ended_elsewhere_empties_the_tray(rig: Rig) -> None:
    await rig.refresh()
    rig.source.session = False
    with pytest.raises(NotAuthenticated):
        await rig.refresh()
    assert rig.trays()[-1].issues == []


async def test_a_failed_refresh_keeps_the_list(rig: Rig) -> None:
    await rig.refresh()

    async def broken() -> list[Issue]:
        raise ServerError("http 503 Service Unavailable: ", status=503)

    rig.source.issues = broken  # type: ignore[method-assign]
    with pytest.raises(ServerError):
        await rig.refresh()
    assert len(rig.tray.state().issues) == 2


async def test_the_background_loop_refreshes_and_stops_refreshing_at_sign_out() -> None:
    rig = Rig(TrayOptions(refresh_s=0.02, minute_s=60))
    rig.tray.start()
    try:
        await rig.until(lambda: rig.source.searches >= 3)
        rig.source.session = False
        rig.tray.signed_out()
        stopped_at = rig.source.searches
        for _ in range(10):  # ten loop periods: nothing more reaches Tracker
            await asyncio.sleep(0.02)
        assert rig.source.searches == stopped_at
        rig.source.session = True
        rig.tray.signed_in()
        await rig.until(lambda: rig.source.searches > stopped_at)
    finally:
        rig.tray.close()


async def test_reminders_every_interval_reset_by_a_new_start_and_stopped_with_the_timer() -> None:
    rig = Rig(TrayOptions(refresh_s=0, minute_s=0.05), Config(timer_notification_interval=2))
    try:
        rig.timer.start("TEST-1", "Login  crashes")
        await rig.until(lambda: len(rig.notices()) == 2)
        first = rig.notices()[0]
        assert (first.kind, first.title, first.issue_key) == ("timer-reminder", "TEST-1", "TEST-1")
        assert first.body == "Login  crashes\nTime spent: 0m"
        rig.timer.start("TEST-2", None)
        await rig.until(lambda: len(rig.notices()) == 3)
        assert rig.notices()[2].title == "TEST-2"
        rig.timer.stop()
        count = len(rig.notices())
        for _ in range(6):  # three intervals
            await asyncio.sleep(0.05)
        assert len(rig.notices()) == count
    finally:
        rig.tray.close()
        rig.timer.close()


async def test_the_wrap_up_comes_once_per_local_day() -> None:
    rig = Rig(
        TrayOptions(refresh_s=0, minute_s=0.01),
        Config(workday_end_time="17:00", workday_hours=8),
    )
    await rig.refresh()
    rig.source.today = 3 * 3600
    rig.timer.start("TEST-1", None)
    rig.tray.start()
    try:
        for _ in range(5):  # before the end of the day: nothing
            await asyncio.sleep(0.01)
        assert rig.notices("workday-wrap-up") == []
        rig.clock.now = rig.clock.now.replace(hour=17, minute=0)
        await rig.until(lambda: len(rig.notices("workday-wrap-up")) == 1)
        wrap = rig.notices("workday-wrap-up")[0]
        assert (wrap.kind, wrap.title) == ("workday-wrap-up", "Workday wrap-up")
        assert wrap.body == (
            "Tracked 3h 00m of 8h 00m today. Small progress is still progress — you've got this."
        )
        assert rig.source.today_keys == [["TEST-1", "TEST-2"]]
        for _ in range(10):
            await asyncio.sleep(0.01)
        assert len(rig.notices("workday-wrap-up")) == 1
        rig.source.today = 8 * 3600
        rig.clock.now += timedelta(days=1)
        await rig.until(lambda: len(rig.notices("workday-wrap-up")) == 2)
        assert (
            rig.notices("workday-wrap-up")[1].title,
            rig.notices("workday-wrap-up")[1].body,
        ) == (
            "Great job today!",
            "You tracked 8h 00m today. Have a good evening!",
        )
    finally:
        rig.tray.close()
        rig.timer.close()


async def test_no_notifications_means_no_notify_and_no_reminders() -> None:
    rig = Rig(
        TrayOptions(refresh_s=0, minute_s=0.01, notifications=False),
        Config(workday_end_time="00:00", timer_notification_interval=1),
    )
    rig.tray.start()
    try:
        await rig.refresh()
        rig.timer.start("TEST-1", None)
        rig.source.current = []
        await rig.refresh()
        for _ in range(10):
            await asyncio.sleep(0.01)
        assert rig.notices() == []
        assert rig.trays()[-1].issues == []  # the tray itself still follows
    finally:
        rig.tray.close()
        rig.timer.close()


async def test_timer_changes_update_the_tray(rig: Rig) -> None:
    await rig.refresh()
    rig.timer.start("TEST-2", "Two")
    tray = rig.trays()[-1]
    assert (tray.title, tray.running_issue_key) == ("YT: TEST-2 (0m)", "TEST-2")
    assert [i.enabled for i in tray.issues] == [True, False]
    rig.timer.discard()
    assert rig.trays()[-1].title == "YTracker"
    assert [m for m, _ in rig.sent[-2:]] == ["timer-tick", "tray"]


def test_the_app_reads_the_tray_options_from_the_settings_and_the_test_minute() -> None:
    options = tray_options(Settings(tray_interval_s=5.0, no_notifications=True), {})
    assert (options.refresh_s, options.minute_s, options.notifications) == (5.0, 60.0, False)
    assert tray_options(Settings(), {"YTRACKER_TRAY_MINUTE_S": " 0.5 "}).minute_s == 0.5
    for unusable in ("soon", "0", "-1", "inf", "nan"):
        assert tray_options(Settings(), {"YTRACKER_TRAY_MINUTE_S": unusable}).minute_s == 60.0
