"""The fake's auth and organization-header rules (`docs/tracker-api.md` §1.1, §1.2)."""

from __future__ import annotations

import pytest

from sidecar.sandbox.model import Org
from tests.fakes.tracker import FakeTrackerServer
from tests.sandbox.conftest import Api

ORG_MESSAGE = "Organization is not available, not ready or not found"


async def test_default_headers_reach_myself(api: Api) -> None:
    reply = await api("GET", "/v3/myself")
    assert reply.status == 200
    assert reply.json()["login"] == "alice"
    assert reply.json()["self"].startswith(api.server.url + "/v3/users/")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "OAuth nope",
        "OAuth expired-token",
        "Token test-token",
        "Bearer test-token",
        "Bearer iam-token",
    ],
)
async def test_bad_credentials_are_401(api: Api, authorization: str | None) -> None:
    headers = {"X-Org-ID": "12345"}
    if authorization:
        headers["Authorization"] = authorization
    reply = await api("GET", "/v3/myself", headers=headers)
    assert reply.status == 401
    assert reply.json()["statusCode"] == 401


@pytest.mark.parametrize(
    "org_headers",
    [
        {},
        {"X-Org-ID": "999"},
        {"X-Cloud-Org-ID": "12345"},
        {"X-Org-ID": "12345", "X-Cloud-Org-ID": "12345"},
    ],
)
async def test_org_header_must_be_exactly_the_configured_one(
    api: Api, org_headers: dict[str, str]
) -> None:
    reply = await api(
        "GET", "/v3/myself", headers={"Authorization": "OAuth test-token", **org_headers}
    )
    assert reply.status == 403
    assert reply.json() == {"errors": {}, "errorMessages": [ORG_MESSAGE], "statusCode": 403}


async def test_cloud_org_takes_iam_and_tolerates_not_provided(
    api: Api, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(lambda s: setattr(s, "org", Org("bpfaidqca8vd0m5jl3fp", "cloud")))
    headers = {
        "Authorization": "Bearer iam-token",
        "X-Cloud-Org-ID": "bpfaidqca8vd0m5jl3fp",
        "X-Org-Id": "not provided",
    }
    assert (await api("GET", "/v3/myself", headers=headers)).status == 200
    fake_tracker.call(lambda s: setattr(s, "tolerate_not_provided_org", False))
    assert (await api("GET", "/v3/myself", headers=headers)).status == 403


async def test_errors_speak_russian_when_asked(api: Api) -> None:
    reply = await api(
        "GET", "/v3/myself", headers={"Authorization": "OAuth test-token", "Accept-Language": "ru"}
    )
    assert reply.json()["errorMessages"] == ["Организация недоступна, не готова или не найдена"]


async def test_requests_are_recorded_with_body_and_headers(
    api: Api, fake_tracker: FakeTrackerServer
) -> None:
    await api("POST", "/v3/issues/_count?x=1&x=2", json={"queue": "TEST"})
    [seen] = fake_tracker.requests_to("POST", r"/_count$")
    assert seen.query.getall("x") == ["1", "2"]
    assert seen.headers["X-Org-ID"] == "12345"
    assert seen.json() == {"queue": "TEST"}
    assert fake_tracker.request_starts == [seen.started]
