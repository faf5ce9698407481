"""The demo dataset served by `sidecar.sandbox.server.start` over plain HTTP, as `--demo` does."""

from __future__ import annotations

import aiohttp

from sidecar.sandbox.demo_account import DEMO_ORG_ID, DEMO_TOKEN
from sidecar.sandbox.seed_demo import demo_state
from sidecar.sandbox.server import start

HEADERS = {"Authorization": f"OAuth {DEMO_TOKEN}", "X-Org-ID": DEMO_ORG_ID}


async def test_demo_serves_friendly_data() -> None:
    server = await start(demo_state())
    try:
        assert server.url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession(headers=HEADERS) as session:
            async with session.post(
                f"{server.url}/v3/issues/_search?scrollType=sorted&perScroll=100",
                json={"filter": {"assignee": "me()", "resolution": "empty()"}},
            ) as reply:
                mine = await reply.json()
            async with session.post(
                f"{server.url}/v3/issues/_count", json={"query": "Queue: DESK"}
            ) as reply:
                assert await reply.json() == 9
            async with session.get(f"{server.url}/v3/issues/DESK-1?expand=attachments") as reply:
                desk1 = await reply.json()
            async with session.get(desk1["attachments"][0]["content"]) as reply:
                image = await reply.read()
        assert len(mine) == 7
        assert "/ajax/v2/attachments/" in desk1["description"]
        assert desk1["spent"] and desk1["checklistTotal"] == 3
        assert image.startswith(b"\x89PNG")
    finally:
        await server.close()


def test_every_demo_issue_renders() -> None:
    state = demo_state()
    assert len(state.issues) == 25
    assert {i.status for i in state.issues.values()} >= {"open", "inProgress", "closed", "triage"}
