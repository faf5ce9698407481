"""Comments, attachments, work logs and checklists of an issue."""

from __future__ import annotations

import aiohttp
import pytest

from sidecar.sandbox.images import png_size
from tests.fakes.tracker import FakeTrackerServer
from tests.sandbox.conftest import Api


def form(
    data: bytes, part: str = "file", filename: str = "file", content_type: str | None = None
) -> aiohttp.FormData:
    built = aiohttp.FormData()
    built.add_field(part, data, filename=filename, content_type=content_type)
    return built


async def test_comment_cursor(api: Api) -> None:
    first = await api("GET", "/v3/issues/TEST-1/comments?perPage=2")
    assert [c["id"] for c in first.json()] == [101, 102]
    link = first.headers["Link"]
    assert link == f'<{api.server.url}/v3/issues/TEST-1/comments?perPage=2&id=102>; rel="next"'
    second = await api("GET", link[1 : link.index(">")])
    assert [c["id"] for c in second.json()] == [103]
    assert "Link" not in second.headers


async def test_comment_default_page_is_50(api: Api, fake_tracker: FakeTrackerServer) -> None:
    for n in range(50):
        await api("POST", "/v3/issues/TEST-4/comments", json={"text": f"c{n}"})
    await api("POST", "/v3/issues/TEST-4/comments", json={"text": "last"})
    page = await api("GET", "/v3/issues/TEST-4/comments")
    assert len(page.json()) == 50
    assert 'rel="next"' in page.headers["Link"]


async def test_comment_lifecycle(api: Api) -> None:
    created = await api("POST", "/v3/issues/TEST-2/comments", json={"text": "Hi"})
    assert created.status == 201
    ident, long_id = created.json()["id"], created.json()["longId"]
    edited = await api("PATCH", f"/v3/issues/TEST-2/comments/{long_id}", json={"text": "Hello"})
    assert (edited.json()["text"], edited.json()["version"]) == ("Hello", 2)
    assert (await api("POST", "/v3/issues/TEST-2/comments", json={"text": " "})).status == 400
    assert (await api("DELETE", f"/v3/issues/TEST-2/comments/{ident}")).status == 204
    assert (await api("GET", f"/v3/issues/TEST-2/comments/{ident}")).status == 404


async def test_attachment_metadata_and_download(api: Api) -> None:
    [shot, log] = (await api("GET", "/v3/issues/TEST-1/attachments")).json()
    assert shot["thumbnail"] and shot["metadata"] == {"size": "16x16"}
    assert "thumbnail" not in log
    image = await api("GET", shot["content"])
    assert image.headers["Content-Type"] == "image/png"
    assert int(image.headers["Content-Length"]) == len(image.body) == shot["size"]
    assert png_size(image.body) == (16, 16)
    assert (await api("GET", shot["thumbnail"])).status == 200
    assert (await api("GET", "/v3/issues/TEST-1/thumbnails/302")).status == 404


async def test_org_wide_metadata_for_embedded_images(api: Api) -> None:
    assert (await api("GET", "/v3/issues/TEST-2/attachments/303")).status == 404
    meta = (await api("GET", "/v2/attachments/303")).json()
    assert meta["content"] == f"{api.server.url}/v2/issues/OPS-1/attachments/303/diagram.png"
    assert (await api("GET", meta["content"])).status == 200
    assert (await api("GET", "/ajax/v2/attachments/303?inline=true")).status == 404


@pytest.mark.parametrize("part", ["file", "file_data"])
async def test_upload_any_part_name_and_rename(api: Api, part: str) -> None:
    reply = await api(
        "POST", "/v3/issues/TEST-4/attachments/?filename=report.txt", data=form(b"data", part)
    )
    assert reply.status == 201
    meta = reply.json()
    assert (meta["name"], meta["mimetype"], meta["size"]) == ("report.txt", "text/plain", 4)
    assert (await api("GET", meta["content"])).body == b"data"
    assert (await api("DELETE", f"/v3/issues/TEST-4/attachments/{meta['id']}/")).status == 204
    assert (await api("GET", "/v3/issues/TEST-4/attachments")).json() == []


async def test_upload_limit_is_413(api: Api, fake_tracker: FakeTrackerServer) -> None:
    fake_tracker.call(lambda s: setattr(s, "max_upload_bytes", 10))
    reply = await api(
        "POST", "/v3/issues/TEST-4/attachments/", data=form(b"x" * 11, filename="big.bin")
    )
    assert (reply.status, reply.json()["errorMessages"]) == (413, ["The file size exceeds 1024 Mb"])


async def test_temp_upload_joins_a_comment(api: Api) -> None:
    temp = (await api("POST", "/v3/attachments/", data=form(b"img", filename="pic.png"))).json()
    assert temp["mimetype"] == "image/png"
    body = {"text": "see file", "attachmentIds": [temp["id"]]}
    comment = (await api("POST", "/v3/issues/TEST-4/comments", json=body)).json()
    assert [a["id"] for a in comment["attachments"]] == [temp["id"]]
    assert [a["id"] for a in (await api("GET", "/v3/issues/TEST-4/attachments")).json()] == [
        temp["id"]
    ]


@pytest.mark.parametrize(
    ("start", "duration", "want_start", "want_duration"),
    [
        ("2026-03-05T09:30:00.000+0300", "PT1H30M", "2026-03-05T06:30:00.000+0000", "PT1H30M"),
        ("2026-03-05T09:30:00+03:00", "P5D", "2026-03-05T06:30:00.000+0000", "P1W"),
        ("2026-03-05T06:30:00Z", "PT520M", "2026-03-05T06:30:00.000+0000", "P1DT40M"),
        ("2026-03-05T06:30:00.000+0000", "P6W", "2026-03-05T06:30:00.000+0000", "P6W"),
    ],
)
async def test_worklog_normalisation(
    api: Api, start: str, duration: str, want_start: str, want_duration: str
) -> None:
    reply = await api(
        "POST", "/v3/issues/TEST-4/worklog", json={"start": start, "duration": duration}
    )
    assert reply.status == 201
    assert (reply.json()["start"], reply.json()["duration"]) == (want_start, want_duration)
    assert (await api("GET", "/v3/issues/TEST-4")).json()["spent"] == want_duration


async def test_spent_follows_edits_and_deletes(api: Api) -> None:
    edited = await api("PATCH", "/v3/issues/TEST-1/worklog/202", json={"duration": "PT1H"})
    assert edited.json()["duration"] == "PT1H"
    assert (await api("GET", "/v3/issues/TEST-1")).json()["spent"] == "P1WT1H"
    assert (await api("DELETE", "/v3/issues/TEST-1/worklog/201")).status == 204
    assert (await api("GET", "/v3/issues/TEST-1")).json()["spent"] == "PT1H"


async def test_worklog_cursor(api: Api) -> None:
    first = await api("GET", "/v3/issues/TEST-1/worklog?perPage=1")
    assert [w["id"] for w in first.json()] == [201]
    second = await api("GET", "/v3/issues/TEST-1/worklog?perPage=1&id=201")
    assert [w["id"] for w in second.json()] == [202]
    assert "Link" not in second.headers


async def test_worklog_search(api: Api, fake_tracker: FakeTrackerServer) -> None:
    window = {"from": "2026-03-02T00:00:00.000+0000", "to": "2026-03-03T23:59:59.000+0000"}
    found = await api(
        "POST", "/v3/worklog/_search", json={"createdBy": "alice", "createdAt": window}
    )
    assert [w["id"] for w in found.json()] == [201, 202]
    assert found.json()[0]["issue"]["key"] == "TEST-1"
    paged = await api("POST", "/v3/worklog/_search?perPage=1", json={})
    assert 'rel="next"' in paged.headers["Link"]
    by_get = await api(
        "GET",
        "/v3/worklog?createdBy=bob&createdAt=from:2026-03-01T00:00:00Z,to:2026-03-09T00:00:00Z",
    )
    assert [w["id"] for w in by_get.json()] == [203]
    assert (await api("POST", "/v3/worklog/_search", json={"createdBy": "me"})).status == 422
    fake_tracker.call(lambda s: setattr(s, "worklog_search_limit", 2))
    too_many = await api("POST", "/v3/worklog/_search", json={})
    assert (too_many.status, too_many.json()["errorMessages"]) == (
        400,
        ["Request exceeds 10000 items limit"],
    )


async def test_checklist_writes_return_the_issue(api: Api) -> None:
    items = (await api("GET", "/v3/issues/TEST-1/checklistItems")).json()
    assert [i["id"] for i in items] == ["c1", "c2"]
    assert items[1]["assignee"]["login"] == "bob"
    assert items[1]["deadline"]["date"] == "2026-03-20T00:00:00.000+0000"
    body = {
        "text": "Ship",
        "assignee": "alice",
        "deadline": {"date": "2026-06-01", "deadlineType": "date"},
    }
    added = await api("POST", "/v3/issues/TEST-1/checklistItems", json=body)
    assert (added.json()["key"], added.json()["checklistTotal"]) == ("TEST-1", 3)
    toggled = await api("PATCH", "/v3/issues/TEST-1/checklistItems/c2", json={"checked": True})
    assert toggled.json()["checklistDone"] == 2
    bulk = await api(
        "PATCH", "/v3/issues/TEST-1/checklistItems", json=[{"id": "c1", "text": "Repro"}]
    )
    assert bulk.json()["checklistItems"][0]["text"] == "Repro"
    removed = await api("DELETE", "/v3/issues/TEST-1/checklistItems/c1")
    assert (removed.status, removed.json()["checklistTotal"]) == (200, 2)
    cleared = await api("DELETE", "/v3/issues/TEST-1/checklistItems")
    assert cleared.status == 200
    assert "checklistItems" not in cleared.json()
    assert (await api("GET", "/v3/issues/TEST-1/checklistItems")).json() == []
