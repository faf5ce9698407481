"""Issue search: one selector, page and scroll modes, `_count`, `_clear`, the query subset."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.fakes.tracker import FakeTrackerServer
from tests.sandbox.conftest import Api, Reply

MINE_OPEN = ["OPS-2", "TEST-1", "TEST-2", "TEST-5", "TEST-6"]
SCROLL = "/v3/issues/_search?scrollType=sorted&perScroll=2&scrollTTLMillis=60000"


def keys(reply: Reply) -> list[str]:
    return [issue["key"] for issue in reply.json()]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"queue": "TEST", "keys": ["TEST-1"]},
        {"filter": {"queue": "TEST"}, "query": "Queue: TEST"},
    ],
)
async def test_exactly_one_selector(api: Api, body: dict[str, Any]) -> None:
    reply = await api("POST", "/v3/issues/_search", json=body)
    assert reply.status == 400
    assert reply.json()["errorMessages"] == ["You can only use keys, a queue, or a search query"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": "Assignee: me() Resolution: empty()"},
        {"filter": {"assignee": "me()", "resolution": "empty()"}},
        {"filter": {"assignee": ["me()", "alice"], "resolution": "empty()"}},
        {"query": 'Assignee: alice Resolution: empty() "Sort by": Key ASC'},
    ],
)
async def test_my_unresolved_issues(api: Api, body: dict[str, Any]) -> None:
    reply = await api("POST", "/v3/issues/_search", json=body)
    assert reply.status == 200
    assert sorted(keys(reply)) == MINE_OPEN


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"queue": "OPS"}, ["OPS-1", "OPS-2", "OPS-3"]),
        ({"keys": ["TEST-4", "TEST-3"]}, ["TEST-4", "TEST-3"]),  # by summary: "Bob's…" < "Old…"
        ({"query": "Queue: OPS Status: needInfo"}, ["OPS-2"]),
        ({"query": 'Status: "In progress"'}, ["OPS-1", "TEST-1", "TEST-6"]),
        ({"query": "certificates"}, ["OPS-1"]),
        ({"filter": {"project": "7"}}, ["OPS-1", "TEST-2"]),
        ({"filter": {"assignee": ["bob"], "status": "open"}}, ["TEST-4"]),
        ({"filter": {"queue": "TEST", "assignee": "empty()"}}, ["TEST-7"]),
    ],
)
async def test_selectors_pick_and_order(
    api: Api, body: dict[str, Any], expected: list[str]
) -> None:
    assert keys(await api("POST", "/v3/issues/_search", json=body)) == expected


async def test_bad_query_is_400(api: Api) -> None:
    assert (await api("POST", "/v3/issues/_search", json={"query": "Colour: red"})).status == 400


async def test_page_mode_headers_and_links(api: Api) -> None:
    body = {"query": "Assignee: me() Resolution: empty()"}
    first = await api("POST", "/v3/issues/_search?perPage=2&expand=transitions", json=body)
    assert (first.headers["X-Total-Count"], first.headers["X-Total-Pages"]) == ("5", "3")
    assert "transitions" in first.json()[0]
    url = api.server.url + "/v3/issues/_search"
    assert f'<{url}?perPage=2&page=2>; rel="next"' in first.headers["Link"]
    assert f'<{url}?perPage=2{{&page}}>; rel="seek"' in first.headers["Link"]
    last = await api("POST", "/v3/issues/_search?perPage=2&page=3", json=body)
    assert len(last.json()) == 1
    assert 'rel="next"' not in last.headers["Link"]


async def test_total_count_is_capped(api: Api, fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.call(lambda s: setattr(s, "page_cap", 3))
    reply = await api("POST", "/v3/issues/_search?perPage=2&page=2", json={"queue": "TEST"})
    assert (reply.headers["X-Total-Count"], reply.headers["X-Total-Pages"]) == ("3", "2")
    assert keys(reply) == ["TEST-3"]
    assert (await api("POST", "/v3/issues/_count", json={"queue": "TEST"})).json() == 7


async def test_scroll_headers_only_while_more_remain(api: Api) -> None:
    body = {"filter": {"assignee": "me()", "resolution": "empty()"}}
    seen: list[str] = []
    reply = await api("POST", SCROLL, json=body)
    ids = set()
    while "X-Scroll-Id" in reply.headers:
        assert reply.headers["X-Total-Count"] == "5"
        assert reply.headers["X-Scroll-Token"]
        seen += keys(reply)
        ids.add(reply.headers["X-Scroll-Id"])
        scroll = {"scrollTTLMillis": "60000", "scrollId": reply.headers["X-Scroll-Id"]}
        reply = await api("POST", "/v3/issues/_search", params=scroll, json=body)
    seen += keys(reply)
    assert "X-Scroll-Token" not in reply.headers
    assert sorted(seen) == MINE_OPEN
    assert len(ids) == 1


async def test_scroll_is_a_snapshot(api: Api, fake_tracker: FakeTrackerServer) -> None:
    body = {"query": "Queue: TEST"}
    first = await api("POST", SCROLL, json=body)
    created = await api("POST", "/v3/issues", json={"queue": "TEST", "summary": "Late arrival"})
    assert created.status == 201
    rest: list[str] = []
    scroll_id = first.headers["X-Scroll-Id"]
    for _ in range(4):
        page = await api("POST", "/v3/issues/_search", params={"scrollId": scroll_id}, json=body)
        rest += keys(page)
        assert page.headers["X-Total-Count"] == "7"
    assert "TEST-8" not in keys(first) + rest
    assert len(keys(first) + rest) == 7


@pytest.mark.parametrize("body", [{"queue": "TEST"}, {"keys": ["TEST-1"]}])
async def test_scroll_not_supported_for_queue_or_keys(api: Api, body: dict[str, Any]) -> None:
    reply = await api("POST", SCROLL, json=body)
    assert (reply.status, reply.json()["errorMessages"]) == (400, ["Scroll is not supported"])


async def test_per_scroll_limit(api: Api) -> None:
    reply = await api(
        "POST",
        "/v3/issues/_search?scrollType=unsorted&perScroll=1001",
        json={"query": "Queue: TEST"},
    )
    assert reply.status == 400
    ok = await api(
        "POST",
        "/v3/issues/_search?scrollType=unsorted&perScroll=1000",
        json={"query": "Queue: TEST"},
    )
    assert ok.status == 200
    assert "X-Scroll-Id" not in ok.headers


async def test_expired_or_cleared_scroll_is_4xx(api: Api) -> None:
    body = {"query": "Queue: TEST"}
    short = await api(
        "POST", "/v3/issues/_search?scrollType=sorted&perScroll=2&scrollTTLMillis=100", json=body
    )
    await asyncio.sleep(0.25)
    expired = await api(
        "POST", "/v3/issues/_search", params={"scrollId": short.headers["X-Scroll-Id"]}, json=body
    )
    assert expired.status == 404
    live = await api("POST", SCROLL, json=body)
    pair = {live.headers["X-Scroll-Id"]: live.headers["X-Scroll-Token"]}
    assert (await api("POST", "/v3/system/search/scroll/_clear", json=pair)).status == 200
    cleared = await api(
        "POST", "/v3/issues/_search", params={"scrollId": live.headers["X-Scroll-Id"]}, json=body
    )
    assert cleared.status == 404


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "Scroll context is expired or not found"), (403, "Expired signature")],
)
async def test_scrolls_expire_on_demand_with_the_chosen_answer(
    api: Api, fake_tracker: FakeTrackerServer, status: int, message: str
) -> None:
    body = {"query": "Queue: TEST"}
    first = await api("POST", SCROLL, json=body)
    more = {"scrollId": first.headers["X-Scroll-Id"], "scrollTTLMillis": "60000"}
    assert (await api("POST", "/v3/issues/_search", params=more, json=body)).status == 200
    fake_tracker.call(lambda state: setattr(state, "scroll_expired_status", status))
    assert fake_tracker.call(lambda state: state.expire_scrolls()) == 1
    refused = await api("POST", "/v3/issues/_search", params=more, json=body)
    assert refused.status == status
    assert refused.json() == {"errors": {}, "errorMessages": [message], "statusCode": status}
    again = await api("POST", SCROLL, json=body)  # a new search opens a new context
    assert keys(again) == ["TEST-1", "TEST-2"]


async def test_count_is_a_bare_integer(api: Api) -> None:
    reply = await api(
        "POST", "/v3/issues/_count", json={"filter": {"assignee": "me()", "resolution": "empty()"}}
    )
    assert reply.body == b"5"
