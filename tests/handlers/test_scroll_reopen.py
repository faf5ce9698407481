"""Re-opening a search at Tracker's real page-mode cap (10,000 rows), on the fake in-process.

Page mode still reaches rows 9,000-9,999 (its count is capped at 10,000, so the scroll's own
count must stand), and the rows past 10,000 come from a fresh scroll that skips the first ten
thousand. The spawned-sidecar tests cover the same paths with the fake's cap lowered.
"""

from __future__ import annotations

import msgspec
import pytest

from sidecar.handlers import scrolls
from sidecar.sandbox.model import Issue, Queue
from sidecar.sandbox.state import TrackerState
from sidecar.tracker.client import TrackerClient
from tests.fakes.tracker import FakeTrackerServer

ROWS = 10_050
BODY = {"query": "Queue: HUGE"}


class Key(msgspec.Struct):
    key: str


def seed(state: TrackerState) -> None:
    state.queues["HUGE"] = Queue(88, "HUGE", "Huge queue", "alice")
    at = state.now()
    for n in range(1, ROWS + 1):
        key = f"HUGE-{n}"
        state.issues[key] = Issue(f"{0xC0 << 80 | n:024x}", key, "HUGE", "x", "alice", at, at)


@pytest.fixture
def client(fake_tracker: FakeTrackerServer, fake_client: TrackerClient) -> TrackerClient:
    fake_tracker.call(seed)
    return fake_client


def keys(rows: scrolls.Rows[Key]) -> list[str]:
    return [row.key for row in rows.items]


async def test_reopening_around_the_page_mode_cap(
    client: TrackerClient, fake_tracker: FakeTrackerServer
) -> None:
    search, rows = await scrolls.open_search(client, "k", BODY, 1000, fields="key", item_type=Key)
    offset = len(rows.items)
    while offset < 9000:
        rows = await scrolls.rows_after(client, search, offset, fields="key", item_type=Key)
        offset += len(rows.items)
    fake_tracker.call(lambda state: state.expire_scrolls())
    fake_tracker.call(lambda state: state.log.clear())

    tenth = await scrolls.rows_after(client, search, 9000, fields="key", item_type=Key)
    assert keys(tenth) == [f"HUGE-{n}" for n in range(9001, 10001)]
    assert (tenth.total, tenth.has_more) == (ROWS, True)
    refused, paged = fake_tracker.requests_to("POST", r"/_search$")
    assert "scrollId" in refused.query and paged.query["perPage"] == "1000"

    last = await scrolls.rows_after(client, search, 10_000, fields="key", item_type=Key)
    assert keys(last) == [f"HUGE-{n}" for n in range(10_001, ROWS + 1)]
    assert (last.total, last.has_more) == (ROWS, False)
    assert len(fake_tracker.requests_to("POST", r"/_search$")) == 2 + 11  # pages of 1,000
