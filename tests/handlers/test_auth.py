"""Sign-in commands and token refresh, in process, against the fake Tracker and its OAuth stub.

The app is wired as the CLI wires it (`App` with the memory store), so these tests go through
the real TrackerClient (401 → refresh → retry once), SessionManager and the refresh rule
(`handlers.auth.make_refresher`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from sidecar.api.auth import ExchangeCodeParams, LoginWithTokenParams
from sidecar.api.base import NoParams
from sidecar.app import App
from sidecar.errors import NOT_AUTHENTICATED_MESSAGE, InvalidInput, NotAuthenticated
from sidecar.handlers import auth
from sidecar.sandbox.model import Org
from sidecar.sandbox.recording import RecordedRequest
from sidecar.sandbox.state import TrackerState
from sidecar.session.manager import IAM_LIFETIME_S, REFRESH_MARGIN_S
from sidecar.session.stores import MemoryStore, StoredSession
from sidecar.settings import Settings
from sidecar.tracker import errors
from sidecar.tracker.client import TrackerClient
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, FakeTrackerServer

N = 12
CLOUD_ORG = "bpfaidqca8vd0m5jl3fp"
ENV = {"YTRACKER_CLIENT_ID": CLIENT_ID, "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}


class NoCall:
    id = 1

    def progress(self, done: int, total: int | None) -> None:
        raise AssertionError("no progress expected")


CALL = NoCall()


async def make_app(
    fake: FakeTrackerServer, tmp_path: Path, env: dict[str, str] | None = None
) -> App:
    settings = Settings(
        api_base_url=fake.url,
        oauth_base_url=fake.oauth_url,
        ca_file=fake.ca_file,
        secrets="memory",
        cooldown_ms=0,
        config_dir=tmp_path / "config",
        cache_dir=tmp_path / "cache",
    )
    app = App(settings, MemoryStore(), ENV if env is None else env)
    await app.load()  # the Tracker half, as the first request that needs it would
    return app


@pytest.fixture
async def app(fake_tracker: FakeTrackerServer, tmp_path: Path) -> AsyncIterator[App]:
    the_app = await make_app(fake_tracker, tmp_path)
    yield the_app
    await tracker(the_app).close()


def tracker(app: App) -> TrackerClient:
    assert app.tracker is not None, "loaded by make_app"
    return app.tracker


async def myself(app: App) -> str:
    response = await tracker(app).request("GET", "/v3/myself")
    login = response.json(dict[str, Any])["login"]
    assert isinstance(login, str)
    return login


async def sign_in_with_code(app: App, fake: FakeTrackerServer, org_type: str = "yandex360") -> None:
    params = ExchangeCodeParams(
        code=f" {fake.issue_auth_code()} ", org_id=f" {ORG_ID} ", org_type=org_type
    )
    assert await auth.exchange_code(app.deps, params, CALL) is True


async def signed_in(
    app: App, fake: FakeTrackerServer, *, drop_token: bool = False
) -> StoredSession:
    """Sign in with a fresh code; with drop_token the fake then refuses the access token (as
    for a token revoked or expired early), and its request log starts empty."""
    await sign_in_with_code(app, fake)
    session = await app.session.session()
    assert session is not None and session.refresh_token
    if drop_token:
        fake.call(lambda s: s.tokens.pop(session.token))
        fake.call(lambda s: s.log.clear())
    return session


def token_posts(fake: FakeTrackerServer, grant: str | None = None) -> list[dict[str, str]]:
    from urllib.parse import parse_qsl

    forms = [dict(parse_qsl(r.body.decode())) for r in fake.requests_to("POST", r"^/oauth/token$")]
    return [f for f in forms if grant is None or f["grant_type"] == grant]


def api_requests(fake: FakeTrackerServer) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.path.startswith("/v3/")]


def minted(fake: FakeTrackerServer) -> list[str]:
    """Access tokens the OAuth stub has minted (the fake's seeded ones excluded)."""
    return fake.call(lambda s: [t for t, v in s.tokens.items() if v.client_id is not None])


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def set_state(fake: FakeTrackerServer, **values: Any) -> None:
    def apply(state: TrackerState) -> None:
        for name, value in values.items():
            setattr(state, name, value)

    fake.call(apply)


# -- exchange_code --------------------------------------------------------------------------


async def test_exchange_code_stores_token_refresh_token_and_expiry(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    before = time.time()
    await sign_in_with_code(app, fake_tracker, org_type=" Yandex360 ")
    [form] = token_posts(fake_tracker)
    assert form["grant_type"] == "authorization_code" and form["client_id"] == CLIENT_ID
    assert form["client_secret"] == CLIENT_SECRET and form["code"] == form["code"].strip()
    stored = await app.session.session()
    assert stored is not None and stored.token in minted(fake_tracker)
    assert stored.refresh_token and stored.refresh_token.startswith("1:")
    assert (stored.org_id, stored.org_type, stored.token_type) == (ORG_ID, "yandex360", "oauth")
    assert stored.expires_at is not None
    assert before + 31_536_000 <= stored.expires_at <= time.time() + 31_536_000
    assert await auth.has_session(app.deps, NoParams(), CALL) is True
    assert await myself(app) == "alice"
    [seen] = api_requests(fake_tracker)
    assert seen.headers["Authorization"] == f"OAuth {stored.token}"
    assert seen.headers["X-Org-ID"] == ORG_ID


async def test_a_bad_code_keeps_the_apps_message_and_names_the_oauth_error(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    params = ExchangeCodeParams(code="0000000", org_id=None, org_type="")
    with pytest.raises(errors.BadRequest) as caught:
        await auth.exchange_code(app.deps, params, CALL)
    assert caught.value.message == (
        'http 400 Bad Request: {"error":"invalid_grant",'
        '"error_description":"Code has expired or is invalid"}'
    )
    data = caught.value.data()
    assert (data.kind, data.status, data.tracker_code) == ("invalid", 400, "invalid_grant")
    assert data.error_messages == ["Code has expired or is invalid"]
    assert await app.session.has_session() is False


async def test_a_code_is_good_once(app: App, fake_tracker: FakeTrackerServer) -> None:
    code = fake_tracker.issue_auth_code()
    await auth.exchange_code(app.deps, ExchangeCodeParams(code=code), CALL)
    with pytest.raises(errors.BadRequest, match="invalid_grant"):
        await auth.exchange_code(app.deps, ExchangeCodeParams(code=code), CALL)


async def test_a_wrong_client_secret_is_invalid_client(
    fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    app = await make_app(fake_tracker, tmp_path, {**ENV, "YTRACKER_CLIENT_SECRET": "wrong"})
    try:
        with pytest.raises(errors.HTTPStatusError) as caught:
            await auth.exchange_code(
                app.deps, ExchangeCodeParams(code=fake_tracker.issue_auth_code()), CALL
            )
    finally:
        await tracker(app).close()
    assert caught.value.message.startswith("http 401 Unauthorized: ")
    assert caught.value.tracker_code == "invalid_client"
    assert caught.value.error_messages == ["Client authentication failed"]
    assert "wrong" not in caught.value.message


async def test_missing_client_credentials_are_refused_before_any_request(
    fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    app = await make_app(fake_tracker, tmp_path, {"YTRACKER_CLIENT_ID": CLIENT_ID})
    try:
        info = await auth.get_client_credentials_info(app.deps, NoParams(), CALL)
        assert (info.client_id, info.has_client_secret) == (CLIENT_ID, False)
        with pytest.raises(InvalidInput) as caught:
            await auth.exchange_code(app.deps, ExchangeCodeParams(code="1234567"), CALL)
    finally:
        await tracker(app).close()
    assert caught.value.message == (
        "Client credentials are missing. Configure your OAuth app credentials before logging in."
    )
    assert fake_tracker.requests == []


# -- refresh --------------------------------------------------------------------------------


async def test_a_401_refreshes_and_retries_the_request_once(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    old = await signed_in(app, fake_tracker, drop_token=True)
    assert await myself(app) == "alice"
    [form] = token_posts(fake_tracker)
    assert form["grant_type"] == "refresh_token" and form["refresh_token"] == old.refresh_token
    first, retry = api_requests(fake_tracker)
    new = await app.session.session()
    assert new is not None and new.token != old.token
    assert first.headers["Authorization"] == f"OAuth {old.token}"
    assert retry.headers["Authorization"] == f"OAuth {new.token}"
    assert new.refresh_token != old.refresh_token and new.org_id == ORG_ID


async def test_a_token_about_to_expire_is_refreshed_once_for_concurrent_requests(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    set_state(fake_tracker, oauth_expires_in=int(REFRESH_MARGIN_S) - 30)
    await sign_in_with_code(app, fake_tracker)
    set_state(fake_tracker, oauth_expires_in=31_536_000)
    fake_tracker.call(lambda s: s.log.clear())
    logins = await asyncio.gather(*(myself(app) for _ in range(N)))
    assert logins == ["alice"] * N
    assert len(token_posts(fake_tracker, "refresh_token")) == 1
    new = await app.session.session()
    assert new is not None
    assert {r.headers["Authorization"] for r in api_requests(fake_tracker)} == {
        f"OAuth {new.token}"
    }


async def test_concurrent_401s_share_one_refresh(app: App, fake_tracker: FakeTrackerServer) -> None:
    await signed_in(app, fake_tracker, drop_token=True)
    assert await asyncio.gather(*(myself(app) for _ in range(N))) == ["alice"] * N
    assert len(token_posts(fake_tracker)) == 1


async def test_a_revoked_refresh_token_ends_in_the_relogin_message(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    old = await signed_in(app, fake_tracker)
    fake_tracker.call(
        lambda s: (s.revoke_token(old.token), s.revoke_token(old.refresh_token or ""))
    )
    with pytest.raises(NotAuthenticated) as caught:
        await myself(app)
    assert caught.value.message == NOT_AUTHENTICATED_MESSAGE
    assert caught.value.data().kind == "unauthenticated"
    assert await app.session.has_session() is False
    fake_tracker.call(lambda s: s.log.clear())
    with pytest.raises(NotAuthenticated):
        await myself(app)
    assert fake_tracker.requests == []  # nothing more is tried with the dead session


async def test_an_oauth_outage_during_refresh_fails_the_request_but_keeps_the_session(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    await signed_in(app, fake_tracker, drop_token=True)
    fake_tracker.faults.add("POST", r"^/oauth/token$", status=500, body={"error": "server"})
    with pytest.raises(errors.ServerError):
        await myself(app)
    assert await app.session.has_session() is True
    assert await myself(app) == "alice"  # the next request refreshes


async def test_a_rate_limited_refresh_stays_rate_limited_not_a_reason_to_sign_in(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    await signed_in(app, fake_tracker, drop_token=True)
    body = {"error": "too_many_requests"}
    fake_tracker.faults.add("POST", r"^/oauth/token$", status=429, body=body, times=8)
    with pytest.raises(errors.RateLimited):
        await myself(app)
    assert await app.session.has_session() is True


async def test_a_session_without_refresh_token_surfaces_the_401_as_the_app_did(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    login = LoginWithTokenParams(token="expired-token", token_type="oauth", org_id=ORG_ID)
    await auth.login_with_token(app.deps, login, CALL)
    with pytest.raises(errors.Unauthorized) as caught:
        await myself(app)
    assert caught.value.message.startswith(
        "authentication error: Access denied (401 Unauthorized) - "
    )
    assert token_posts(fake_tracker) == []


async def test_without_client_credentials_no_refresh_is_attempted(
    fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    app = await make_app(fake_tracker, tmp_path, {})
    try:
        access, refresh = fake_tracker.call(lambda s: s.mint_tokens("alice", CLIENT_ID))
        session = StoredSession(token=access, org_id=ORG_ID, refresh_token=refresh, expires_at=1.0)
        await app.session.sign_in(session)
        assert await myself(app) == "alice"  # tried as it is: the fake still takes it
        assert token_posts(fake_tracker) == []
    finally:
        await tracker(app).close()


# -- login_with_token -----------------------------------------------------------------------


async def test_login_with_an_iam_token_sends_bearer_and_the_cloud_org_header(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    set_state(fake_tracker, org=Org(CLOUD_ORG, "cloud"))
    params = LoginWithTokenParams(
        token=" iam-token ", token_type="iam", org_id=CLOUD_ORG, org_type="Cloud"
    )
    assert await auth.login_with_token(app.deps, params, CALL) is True
    stored = await app.session.session()
    assert stored is not None and stored.expires_at is not None
    assert stored.expires_at <= time.time() + IAM_LIFETIME_S
    assert await myself(app) == "alice"
    [seen] = api_requests(fake_tracker)
    assert seen.headers["Authorization"] == "Bearer iam-token"
    assert seen.headers["X-Cloud-Org-ID"] == CLOUD_ORG and "X-Org-ID" not in seen.headers


async def test_a_rejected_iam_token_says_it_expired(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    set_state(fake_tracker, org=Org(CLOUD_ORG, "cloud"))
    fake_tracker.call(lambda s: s.expire_token("iam-token"))
    params = LoginWithTokenParams(
        token="iam-token", token_type="iam", org_id=CLOUD_ORG, org_type="cloud"
    )
    await auth.login_with_token(app.deps, params, CALL)
    with pytest.raises(NotAuthenticated) as caught:
        await myself(app)
    assert "IAM token" in caught.value.message and "expire" in caught.value.message
    assert "Sign in again" in caught.value.message and token_posts(fake_tracker) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            LoginWithTokenParams(
                token="iam-token", token_type="iam", org_id="1", org_type="yandex360"
            ),
            'IAM tokens work only with Yandex Cloud organizations (orgType "cloud")',
        ),
        (LoginWithTokenParams(token="  ", token_type="oauth"), "Access token must not be empty"),
    ],
)
async def test_login_with_token_validation(
    app: App, params: LoginWithTokenParams, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await auth.login_with_token(app.deps, params, CALL)
    assert caught.value.message == message
    assert await app.session.has_session() is False


# -- logout ---------------------------------------------------------------------------------


async def test_logout_forgets_the_session_caches_and_login(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    await sign_in_with_code(app, fake_tracker)
    app.deps.caches.login.put("me", "alice", since=app.session.generation)
    assert await auth.logout(app.deps, NoParams(), CALL) is None
    assert await app.session.has_session() is False
    assert app.deps.caches.login.get("me") is None
    fake_tracker.call(lambda s: s.log.clear())
    with pytest.raises(NotAuthenticated):
        await myself(app)
    assert fake_tracker.requests == []
    assert await auth.logout(app.deps, NoParams(), CALL) is None  # twice is fine


async def test_no_request_uses_the_old_token_after_logout(
    app: App, fake_tracker: FakeTrackerServer
) -> None:
    old = await signed_in(app, fake_tracker)
    # Every first attempt is held until the logout, then answered 503: each retry comes after it.
    fake_tracker.faults.add("GET", r"^/v3/myself$", status=503, action="hold", times=N)
    requests = [asyncio.create_task(myself(app)) for _ in range(N)]
    await asyncio.to_thread(wait_until, lambda: len(api_requests(fake_tracker)) == N)
    await auth.logout(app.deps, NoParams(), CALL)
    logged_out_at = time.monotonic()
    fake_tracker.faults.release()
    results = await asyncio.gather(*requests, return_exceptions=True)
    assert all(isinstance(r, NotAuthenticated) for r in results), results
    late = [r for r in api_requests(fake_tracker) if r.started >= logged_out_at]
    assert late == []
    assert all(
        r.headers["Authorization"] == f"OAuth {old.token}" for r in api_requests(fake_tracker)
    )
