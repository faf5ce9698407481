"""Scroll, page and id-cursor helpers against the HTTPS test server."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from sidecar.tracker.client import TrackerClient
from sidecar.tracker.pagination import all_by_cursor, all_pages, clear_scroll, search_scroll
from tests.tracker.conftest import MiniServer


class Item(msgspec.Struct):
    id: str


def items(*ids: int | str) -> list[dict[str, str]]:
    return [{"id": str(i), "junk": "ignored"} for i in ids]


async def test_scroll_first_and_next_page(server: MiniServer, client: TrackerClient) -> None:
    bodies: list[Any] = []

    async def search(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        if "scrollId" not in request.query:
            headers = {"X-Scroll-Id": "SID", "X-Scroll-Token": "TOK", "X-Total-Count": "3"}
            return web.json_response(items(1, 2), headers=headers)
        return web.json_response(items(3), headers={"X-Total-Count": "3"})

    server.route("POST", "/v3/issues/_search", search)
    body = {"query": "Queue: A"}
    first = await search_scroll(client, body, fields="key,summary", scroll_id=None, item_type=Item)
    assert first.items == [Item("1"), Item("2")]
    assert (first.scroll_id, first.scroll_token, first.total_count) == ("SID", "TOK", 3)
    last = await search_scroll(client, body, fields="key,summary", scroll_id="SID", item_type=Item)
    assert last.items == [Item("3")] and last.scroll_id is None and last.scroll_token is None
    first_q, next_q = (r.path_qs.split("?")[1] for r in server.requests)
    assert first_q == "fields=key,summary&scrollType=sorted&perScroll=100&scrollTTLMillis=60000"
    assert next_q == "fields=key,summary&scrollId=SID&scrollTTLMillis=60000"
    assert bodies == [body, body]


async def test_clear_scroll_posts_the_id_token_map(
    server: MiniServer, client: TrackerClient
) -> None:
    got: list[Any] = []

    async def clear(request: web.Request) -> web.Response:
        got.append(await request.json())
        return web.Response(status=200)

    server.route("POST", "/v3/system/search/scroll/_clear", clear)
    await clear_scroll(client, {"SID1": "TOK1", "SID2": "TOK2"})
    assert got == [{"SID1": "TOK1", "SID2": "TOK2"}]


async def test_pages_follow_link_next(server: MiniServer, client: TrackerClient) -> None:
    async def queues(request: web.Request) -> web.Response:
        page = int(request.query["page"])
        links = '<https://x/v3/queues?{&page}>; rel="seek"'
        if page < 3:
            links = f'<https://x/v3/queues?perPage=2&page={page + 1}>; rel="next", ' + links
        return web.json_response(items(page * 10, page * 10 + 1), headers={"Link": links})

    server.route("GET", "/v3/queues", queues)
    got = await all_pages(client, "GET", "/v3/queues", item_type=Item, per_page=2)
    assert [i.id for i in got] == ["10", "11", "20", "21", "30", "31"]
    assert server.requests[0].path_qs == "/v3/queues?perPage=2&page=1"


async def test_pages_stop_at_total_pages_or_max(server: MiniServer, client: TrackerClient) -> None:
    async def users(request: web.Request) -> web.Response:
        return web.json_response(items(request.query["page"]), headers={"X-Total-Pages": "2"})

    server.route("GET", "/v3/users", users)
    assert len(await all_pages(client, "GET", "/v3/users", item_type=Item, per_page=1)) == 2
    got = await all_pages(client, "GET", "/v3/users", item_type=Item, per_page=1, max_pages=1)
    assert len(got) == 1


async def test_pages_without_headers_stop_on_a_short_or_empty_page(
    server: MiniServer, client: TrackerClient
) -> None:
    server.reply("GET", "/v3/projects", web.json_response(items(1, 2)), web.json_response(items(3)))
    got = await all_pages(client, "GET", "/v3/projects", item_type=Item, per_page=2)
    assert [i.id for i in got] == ["1", "2", "3"] and len(server.requests) == 2


async def test_pages_repost_the_same_body(server: MiniServer, client: TrackerClient) -> None:
    bodies: list[Any] = []

    async def search(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.json_response(items(1) if request.query["page"] == "1" else [])

    server.route("POST", "/v3/worklog/_search", search)
    await all_pages(
        client, "POST", "/v3/worklog/_search", item_type=Item, per_page=1, json={"a": 1}
    )
    assert bodies == [{"a": 1}, {"a": 1}]


async def test_cursor_uses_the_last_id_without_links(
    server: MiniServer, client: TrackerClient
) -> None:
    async def worklog(request: web.Request) -> web.Response:
        after = int(request.query.get("id", "0"))
        return web.json_response(items(*range(after + 1, min(after + 2, 5) + 1)))

    server.route("GET", "/v3/issues/A-1/worklog", worklog)
    got = await all_by_cursor(
        client, "/v3/issues/A-1/worklog", item_type=Item, per_page=2, id_of=lambda i: i.id
    )
    assert [i.id for i in got] == ["1", "2", "3", "4", "5"]
    assert [r.path_qs.split("?")[1] for r in server.requests] == [
        "perPage=2",
        "perPage=2&id=2",
        "perPage=2&id=4",
    ]


async def test_cursor_prefers_the_opaque_next_link(
    server: MiniServer, client: TrackerClient
) -> None:
    async def changelog(request: web.Request) -> web.Response:
        if "id" not in request.query:
            link = '<https://x/v3/issues/A-1/changelog?id=opaque%3D&perPage=2>; rel="next"'
            return web.json_response(items("a"), headers={"Link": link})
        assert request.query["id"] == "opaque="
        return web.json_response([])

    server.route("GET", "/v3/issues/A-1/changelog", changelog)
    got = await all_by_cursor(
        client, "/v3/issues/A-1/changelog", item_type=Item, per_page=2, id_of=lambda i: i.id
    )
    assert got == [Item("a")] and len(server.requests) == 2
