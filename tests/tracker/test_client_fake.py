"""TrackerClient against the shared fake Tracker (tests/fakes): real endpoints and faults."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from sidecar.tracker import errors, oauth
from sidecar.tracker.client import TrackerClient, api_path
from sidecar.tracker.pagination import search_scroll
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, FakeTrackerServer


class IssueKey(msgspec.Struct):
    key: str


async def test_myself_with_the_fakes_token(fake_client: TrackerClient) -> None:
    me = (await fake_client.request("GET", api_path("myself"))).json(dict[str, Any])
    assert me["login"] == "alice"


async def test_scroll_search_reaches_the_end(fake_client: TrackerClient) -> None:
    body = {"query": "Resolution: empty()"}
    page = await search_scroll(
        fake_client, body, fields="key", scroll_id=None, item_type=IssueKey, per_scroll=1
    )
    keys = [i.key for i in page.items]
    while page.scroll_id is not None:
        page = await search_scroll(
            fake_client, body, fields="key", scroll_id=page.scroll_id, item_type=IssueKey
        )
        keys.extend(i.key for i in page.items)
    assert keys and len(keys) == len(set(keys))


async def test_503_fault_is_retried(
    fake_tracker: FakeTrackerServer, fake_client: TrackerClient
) -> None:
    fake_tracker.faults.add("GET", r"/v3/myself$", status=503, times=2)
    assert (await fake_client.request("GET", "/v3/myself")).status == 200
    assert len(fake_tracker.requests_to("GET", r"/v3/myself$")) == 3


async def test_reset_before_headers_is_retried_for_reads(
    fake_tracker: FakeTrackerServer, fake_client: TrackerClient
) -> None:
    fake_tracker.faults.add("GET", r"/v3/myself$", action="reset_before_headers")
    assert (await fake_client.request("GET", "/v3/myself")).status == 200


async def test_malformed_json_is_a_decode_error(
    fake_tracker: FakeTrackerServer, fake_client: TrackerClient
) -> None:
    fake_tracker.faults.add("GET", r"/v3/myself$", action="malformed_json")
    resp = await fake_client.request("GET", "/v3/myself")
    with pytest.raises(errors.DecodeError):
        resp.json(dict[str, Any])


async def test_oauth_code_exchange(
    fake_tracker: FakeTrackerServer, fake_client: TrackerClient
) -> None:
    code = fake_tracker.issue_auth_code()
    grant = await oauth.exchange_code(fake_client, code, CLIENT_ID, CLIENT_SECRET)
    assert grant.access_token
    with pytest.raises(errors.BadRequest) as info:
        await oauth.exchange_code(fake_client, code, CLIENT_ID, CLIENT_SECRET)  # reused
    assert info.value.message.startswith("http 400 Bad Request: ")
    assert info.value.tracker_code == "invalid_grant"
