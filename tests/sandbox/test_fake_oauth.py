"""The OAuth stub: code, refresh and device grants, client auth and the error bodies."""

from __future__ import annotations

import base64

from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, FakeTrackerServer
from tests.sandbox.conftest import Api, Reply

CLIENT = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


async def token(api: Api, **form: str) -> Reply:
    return await api("POST", f"{api.server.oauth_url}/token", data=form, headers={})


async def myself(api: Api, access: str) -> int:
    headers = {"Authorization": f"OAuth {access}", "X-Org-ID": ORG_ID}
    return (await api("GET", "/v3/myself", headers=headers)).status


async def test_code_exchange_is_one_time(api: Api, fake_tracker: FakeTrackerServer) -> None:
    code = fake_tracker.issue_auth_code()
    reply = await token(api, grant_type="authorization_code", code=code, **CLIENT)
    body = reply.json()
    assert (reply.status, body["token_type"]) == (200, "bearer")
    assert body["expires_in"] > 0 and body["refresh_token"]
    assert await myself(api, body["access_token"]) == 200
    again = await token(api, grant_type="authorization_code", code=code, **CLIENT)
    assert (again.status, again.json()["error"]) == (400, "invalid_grant")


async def test_refresh_rotates_both_tokens(api: Api, fake_tracker: FakeTrackerServer) -> None:
    code = fake_tracker.issue_auth_code("bob")
    first = (await token(api, grant_type="authorization_code", code=code, **CLIENT)).json()
    second = await token(
        api, grant_type="refresh_token", refresh_token=first["refresh_token"], **CLIENT
    )
    fresh = second.json()
    assert fresh["access_token"] != first["access_token"]
    assert fresh["refresh_token"] != first["refresh_token"]
    reused = await token(
        api, grant_type="refresh_token", refresh_token=first["refresh_token"], **CLIENT
    )
    assert reused.json()["error"] == "invalid_grant"
    fake_tracker.call(lambda s: s.expire_token(fresh["access_token"]))
    assert await myself(api, fresh["access_token"]) == 401


async def test_client_auth_by_basic_header(api: Api, fake_tracker: FakeTrackerServer) -> None:
    code = fake_tracker.issue_auth_code()
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    reply = await api(
        "POST",
        f"{api.server.oauth_url}/token",
        data={"grant_type": "authorization_code", "code": code, "client_secret": "ignored"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert reply.status == 200


async def test_errors(api: Api, fake_tracker: FakeTrackerServer) -> None:
    code = fake_tracker.issue_auth_code()
    wrong = await token(
        api, grant_type="authorization_code", code=code, client_id=CLIENT_ID, client_secret="x"
    )
    assert (wrong.status, wrong.json()["error"]) == (401, "invalid_client")
    odd = await token(api, grant_type="password", **CLIENT)
    assert (odd.status, odd.json()["error"]) == (400, "unsupported_grant_type")
    assert set(odd.json()) == {"error", "error_description"}


async def test_device_flow(api: Api, fake_tracker: FakeTrackerServer) -> None:
    started = (
        await api(
            "POST", f"{api.server.oauth_url}/device/code", data={"client_id": CLIENT_ID}, headers={}
        )
    ).json()
    pending = await token(api, grant_type="device_code", code=started["device_code"], **CLIENT)
    assert pending.json()["error"] == "authorization_pending"
    fake_tracker.call(lambda s: s.confirm_device_code(started["user_code"], "bob"))
    done = await token(api, grant_type="device_code", code=started["device_code"], **CLIENT)
    assert await myself(api, done.json()["access_token"]) == 200


async def test_authorize_redirects_with_a_code(api: Api) -> None:
    reply = await api(
        "GET",
        f"{api.server.oauth_url}/authorize?response_type=code&client_id={CLIENT_ID}"
        "&redirect_uri=http://127.0.0.1:1/cb&state=xyz",
        headers={},
    )
    assert reply.status == 302
    assert reply.headers["Location"].startswith("http://127.0.0.1:1/cb?code=")
    assert reply.headers["Location"].endswith("&state=xyz")
