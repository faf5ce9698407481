"""The benchmark's Tracker: the test suite's HTTPS fake, seeded with bulk data, answering fast.

Owns: seeding N issues into the fake's state, the "instant answers" switch (memoised search
selection and issue rendering, so the fake's own Python work does not drown what the clients
add; both clients get the same treatment), request-log slices for counting and spacing, and
big attachments. Must not know: which client is measured.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from sidecar.sandbox import api_issues, api_search
from sidecar.sandbox.model import Attachment, Issue, Queue
from sidecar.sandbox.state import TrackerState
from tests.fakes.tracker import ORG_ID, TOKEN, FakeTrackerServer

QUEUE = "BENCH"
QUERY = f"Queue: {QUEUE}"
FIELDS = "key,summary,description,status,priority,type,assignee,tags,followers,spent,timeSpent"
LOGIN_PARAMS = {"token": TOKEN, "tokenType": "oauth", "orgId": ORG_ID, "orgType": "yandex360"}
_BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_STATUSES = ("open", "inProgress", "needInfo", "resolved", "closed")
_PRIORITIES = ("trivial", "minor", "normal", "critical", "blocker")
_TYPES = ("bug", "task", "improvement")
_PEOPLE = ("alice", "bob", None)


def bench_issue(n: int) -> Issue:
    """Issue BENCH-n: realistic sizes (summary, a paragraph, tags, followers, spent time)."""
    at = _BASE + timedelta(minutes=n)
    return Issue(
        id=f"{0xBE00000000000000 + n:024x}",
        key=f"{QUEUE}-{n}",
        queue=QUEUE,
        summary=f"Bench issue {n}: check the export of report #{n * 7}",
        created_by="alice",
        created_at=at,
        updated_at=at,
        type=_TYPES[n % 3],
        priority=_PRIORITIES[n % 5],
        status=_STATUSES[n % 5],
        assignee=_PEOPLE[n % 3],
        description=f"Steps for case {n}: open the report, press Export, compare totals. " * 3,
        tags=["bench", f"area-{n % 11}"],
        followers=["bob"] if n % 2 else ["alice", "bob"],
        overrides={"spent": f"P{n % 3}DT{n % 8}H"} if n % 4 else {},
    )


def seed_issues(state: TrackerState, count: int) -> None:
    """Replace queue BENCH's issues with BENCH-1..count."""
    state.queues[QUEUE] = Queue(99, QUEUE, "Bench queue", "alice")
    for key in [k for k, i in state.issues.items() if i.queue == QUEUE]:
        del state.issues[key]
    for n in range(1, count + 1):
        state.issues[f"{QUEUE}-{n}"] = bench_issue(n)


def add_attachment(state: TrackerState, ident: int, name: str, data: bytes) -> None:
    item = Attachment(ident, name, "application/octet-stream", data, "alice", state.now(), "TEST-1")
    state.attachments[ident] = item


@dataclass
class Mark:
    """A point in the fake's request log; `since()` lists what arrived after it."""

    fake: FakeTrackerServer
    at: int

    def since(self, method: str = "*", path_part: str = "") -> list[Any]:
        tail = self.fake.requests[self.at :]
        return [
            r for r in tail if method in ("*", r.method) and (not path_part or path_part in r.path)
        ]


def mark(fake: FakeTrackerServer) -> Mark:
    return Mark(fake, len(fake.state.log))


def gaps(starts: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(starts)]


class BenchFake:
    """The shared fake Tracker plus the benchmark's data and speed-ups."""

    def __init__(self) -> None:
        self.server = FakeTrackerServer()
        self.url, self.ca_file = self.server.url, self.server.ca_file

    def seed(self, count: int) -> None:
        self.server.call(lambda state: seed_issues(state, count))

    def mutate(self, fn: Callable[[TrackerState], Any]) -> Any:
        return self.server.call(fn)

    def mark(self) -> Mark:
        return mark(self.server)

    def close(self) -> None:
        self.server.close()


@contextmanager
def instant_answers() -> Iterator[None]:
    """Memoise search selection and issue rendering inside the fake (data must not change).

    The sandbox renders each issue in Python (~100 µs) and filters 10,000 issues per search;
    both costs are the fake's, not a client's, so the benchmark takes them out for everyone.
    """
    original_select, original_render = api_search.select, api_issues.issue_json
    selections: dict[Any, Any] = {}
    rendered: dict[Any, msgspec.Raw] = {}

    def select(c: Any, body: dict[str, Any]) -> Any:
        key = (id(c.state), len(c.state.issues), c.me and c.me.login, msgspec.json.encode(body))
        if key not in selections:
            selections[key] = original_select(c, body)
        return selections[key]

    def render(c: Any, request: Any, issue: Issue) -> msgspec.Raw:
        query = request.query
        key = (c.api, c.lang, issue.key, issue.version, query.get("fields"), query.get("expand"))
        if key not in rendered:
            rendered[key] = msgspec.Raw(msgspec.json.encode(original_render(c, request, issue)))
        return rendered[key]

    api_search.select = select  # type: ignore[assignment]
    api_search.issue_json = render  # type: ignore[assignment]
    api_issues.issue_json = render  # type: ignore[assignment]
    try:
        yield
    finally:
        api_search.select = original_select  # type: ignore[assignment]
        api_search.issue_json = original_render  # type: ignore[assignment]
        api_issues.issue_json = original_render  # type: ignore[assignment]
