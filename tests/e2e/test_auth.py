"""Sign-in end to end: a spawned sidecar, the fake Tracker's OAuth stub, the wire messages.

With `--secrets memory` here; the same flows against a real Secret Service, across processes,
are in tests/test_keyring_integration.py. Also: what the sidecar says when no OS secret store
exists, and a secret-hygiene audit of a whole sign-in, refresh and logout at debug level.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from sidecar.session.fallback import NO_STORE_WARNING
from sidecar.session.manager import REFRESH_MARGIN_S
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, FakeTrackerServer

ENV = {"YTRACKER_CLIENT_ID": CLIENT_ID, "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}
RELOGIN = "Not authenticated. Sign in again to continue."
ALICE = {
    "display": "Alice Anderson",
    "login": "alice",
    "email": "alice@example.com",
    "avatar_url": None,
}
IN_MEMORY = {"kind": "memory", "persistent": False, "location": None, "warning": None}
IDLE = {"active": False, "issue_key": None, "issue_summary": None, "start_time": None, "elapsed": 0}


def start(spawn: SpawnFn, fake: FakeTrackerServer, *extra: str, **env: str) -> Sidecar:
    return spawn(*fake_args(fake, *extra), env={**ENV, **env})


def exchange(sidecar: Sidecar, fake: FakeTrackerServer, org_type: str = "yandex360") -> Any:
    params = {"code": fake.issue_auth_code(), "orgId": ORG_ID, "orgType": org_type}
    return sidecar.result("exchange_code", params)


def token_forms(fake: FakeTrackerServer) -> list[dict[str, str]]:
    return [dict(parse_qsl(r.body.decode())) for r in fake.requests_to("POST", r"^/oauth/token$")]


def access_tokens(fake: FakeTrackerServer) -> list[str]:
    """The `Authorization` values of the API requests the fake received, in order."""
    return [r.headers.get("Authorization", "") for r in fake.requests if r.path.startswith("/v3/")]


def unauthenticated(error: dict[str, Any], message: str = RELOGIN) -> None:
    assert error["message"] == message
    assert error["data"]["kind"] == "unauthenticated"
    assert error["data"]["retryable"] is False


def test_sign_in_with_a_code_use_the_session_and_log_out(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start(spawn, fake_tracker)
    assert sidecar.result("has_session") is False
    assert sidecar.result("get_client_credentials_info") == {
        "client_id": CLIENT_ID,
        "has_client_secret": True,
        "secret_store": IN_MEMORY,
    }
    assert exchange(sidecar, fake_tracker, org_type="CLOUD ") is True
    assert sidecar.result("has_session") is True
    [form] = token_forms(fake_tracker)
    assert form["grant_type"] == "authorization_code"
    fake_tracker.call(lambda s: setattr(s.org, "type", "cloud"))
    assert sidecar.result("get_current_user") == ALICE
    [request] = [r for r in fake_tracker.requests if r.path == "/v3/myself"]
    assert request.headers["Authorization"].startswith("OAuth y0_")
    assert request.headers["X-Cloud-Org-ID"] == ORG_ID and "X-Org-ID" not in request.headers

    sidecar.result("start_timer", {"issueKey": "TEST-1", "issueSummary": "Login crashes"})
    assert sidecar.result("logout") is None
    ticks = [n for n in sidecar.notifications if n["method"] == "timer-tick"]
    assert ticks[-1] == {"jsonrpc": "2.0", "method": "timer-tick", "params": IDLE}
    assert sidecar.result("get_timer_state") == IDLE  # discarded: no work log, no timer-stopped
    assert not [n for n in sidecar.notifications if n["method"] == "timer-stopped"]
    assert sidecar.result("has_session") is False
    fake_tracker.call(lambda s: s.log.clear())
    unauthenticated(sidecar.error("get_current_user"))
    assert fake_tracker.requests == []
    assert sidecar.result("logout") is None  # nothing to delete is fine


def test_oauth_errors_keep_the_apps_message_with_the_oauth_code_in_data(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start(spawn, fake_tracker)
    error = sidecar.error("exchange_code", {"code": "0000000", "orgType": "yandex360"})
    assert error["message"] == (
        'http 400 Bad Request: {"error":"invalid_grant",'
        '"error_description":"Code has expired or is invalid"}'
    )
    assert error["data"]["kind"] == "invalid" and error["data"]["status"] == 400
    assert error["data"]["trackerCode"] == "invalid_grant"
    assert error["data"]["errorMessages"] == ["Code has expired or is invalid"]
    assert sidecar.result("has_session") is False


def test_without_client_credentials_exchange_code_says_so(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = spawn(*fake_args(fake_tracker), env={"YTRACKER_CLIENT_ID": ""})
    assert sidecar.result("get_client_credentials_info") == {
        "client_id": None,
        "has_client_secret": False,
        "secret_store": IN_MEMORY,
    }
    error = sidecar.error("exchange_code", {"code": "1234567", "orgType": ""})
    assert error["message"] == (
        "Client credentials are missing. Configure your OAuth app credentials before logging in."
    )
    assert error["data"]["kind"] == "invalid" and fake_tracker.requests == []


def test_an_expiring_token_is_refreshed_transparently(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", int(REFRESH_MARGIN_S) - 60))
    sidecar = start(spawn, fake_tracker)
    exchange(sidecar, fake_tracker)
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", 31_536_000))
    ids = [sidecar.request("get_current_user") for _ in range(8)]
    assert all(sidecar.response(i)["result"] == ALICE for i in ids)
    grants = [f["grant_type"] for f in token_forms(fake_tracker)]
    assert grants == ["authorization_code", "refresh_token"]
    assert len(set(access_tokens(fake_tracker))) == 1  # only ever the refreshed one


def test_a_401_is_refreshed_and_the_request_retried_once(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start(spawn, fake_tracker)
    exchange(sidecar, fake_tracker)
    fake_tracker.call(lambda s: [s.expire_token(t) for t, v in s.tokens.items() if v.client_id])
    assert sidecar.result("get_current_user") == ALICE
    assert [f["grant_type"] for f in token_forms(fake_tracker)][-1] == "refresh_token"
    stale, fresh = access_tokens(fake_tracker)
    assert stale != fresh


def test_a_revoked_refresh_token_ends_in_the_relogin_message(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start(spawn, fake_tracker)
    exchange(sidecar, fake_tracker)

    def revoke_everything(state: Any) -> None:
        for token in [t for t, v in state.tokens.items() if v.client_id]:
            state.revoke_token(token)
        state.refresh_tokens.clear()

    fake_tracker.call(revoke_everything)
    unauthenticated(sidecar.error("get_issues", {"query": "Queue: TEST"}))
    assert [f["grant_type"] for f in token_forms(fake_tracker)][-1] == "refresh_token"
    assert sidecar.result("has_session") is False


OAUTH_REFUSALS = [
    (400, "invalid_client", "Client authentication failed"),
    (401, "invalid_client", "Client authentication failed"),
    (400, "unsupported_grant_type", "Unsupported grant type"),
    (400, "invalid_request", "Missing parameter"),
    (403, "unauthorized_client", "The client may not use this grant"),
]


@pytest.mark.parametrize(("status", "code", "description"), OAUTH_REFUSALS)
def test_a_refresh_refused_for_any_4xx_is_unauthenticated_and_the_session_stays(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, status: int, code: str, description: str
) -> None:
    sidecar = start(spawn, fake_tracker)
    exchange(sidecar, fake_tracker)
    fake_tracker.call(lambda s: [s.expire_token(t) for t, v in s.tokens.items() if v.client_id])
    body = {"error": code, "error_description": description}
    fake_tracker.faults.add("POST", r"^/oauth/token$", status=status, body=body)
    error = sidecar.error("get_current_user")
    unauthenticated(error)  # never `http 400 Bad Request: …`
    assert error["data"]["status"] == status
    assert error["data"]["trackerCode"] == code
    assert error["data"]["errorMessages"] == [description]
    # The refresh token itself was not refused: the session stays for a working client.
    assert sidecar.result("has_session") is True
    assert sidecar.result("get_current_user") == ALICE  # the next refresh works again


def test_an_expired_token_is_refreshed_before_the_request_and_a_refusal_stops_it(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", -60))  # expired on arrival
    sidecar = start(spawn, fake_tracker)
    exchange(sidecar, fake_tracker)
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", 31_536_000))
    body = {"error": "invalid_client", "error_description": "Client authentication failed"}
    fake_tracker.faults.add("POST", r"^/oauth/token$", status=400, body=body)
    unauthenticated(sidecar.error("get_issues", {"query": "Queue: TEST"}))
    assert access_tokens(fake_tracker) == []  # the expired token was never sent
    assert sidecar.result("get_current_user") == ALICE  # refreshed first, then sent
    grants = [f["grant_type"] for f in token_forms(fake_tracker)]
    assert grants == ["authorization_code", "refresh_token", "refresh_token"]
    assert len(access_tokens(fake_tracker)) == 1


def test_login_with_an_iam_token_uses_bearer(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(lambda s: setattr(s.org, "type", "cloud"))
    sidecar = start(spawn, fake_tracker)
    params = {"token": "iam-token", "tokenType": "iam", "orgId": ORG_ID, "orgType": "cloud"}
    assert sidecar.result("login_with_token", params) is True
    assert sidecar.result("get_current_user") == ALICE
    assert access_tokens(fake_tracker) == ["Bearer iam-token"]
    error = sidecar.error("login_with_token", {**params, "orgType": "yandex360"})
    assert (
        error["message"] == 'IAM tokens work only with Yandex Cloud organizations (orgType "cloud")'
    )


def test_an_expired_iam_token_answers_unauthenticated_and_says_why(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(lambda s: (setattr(s.org, "type", "cloud"), s.expire_token("iam-token")))
    sidecar = start(spawn, fake_tracker)
    params = {"token": "iam-token", "tokenType": "iam", "orgId": ORG_ID, "orgType": "cloud"}
    sidecar.result("login_with_token", params)
    error = sidecar.error("get_current_user")
    assert error["data"]["kind"] == "unauthenticated"
    assert "IAM token" in error["message"] and "expire" in error["message"]
    assert "sign in again" in error["message"].lower()


# -- no OS secret store ---------------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="elsewhere the OS store always exists")
def test_without_any_os_secret_store_sessions_live_in_memory_and_it_says_so_once(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No session bus: the Secret Service cannot be reached (and no other store is tried).
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    args = [a for a in fake_args(fake_tracker) if a not in ("--secrets", "memory")]
    sidecar = spawn(*args, env={**ENV, "HOME": str(tmp_path / "home")})
    reason = (
        "No usable OS secret store (Secret Service: Unable to initialize SecretService: "
        "Environment variable DBUS_SESSION_BUS_ADDRESS is unset)"
    )
    warning = NO_STORE_WARNING.format(reason=reason)
    assert "--secrets file" in warning and "--secrets memory" in warning
    info = sidecar.result("get_client_credentials_info")
    assert info["secret_store"] == {**IN_MEMORY, "warning": warning}
    assert sidecar.result("has_session") is False
    assert exchange(sidecar, fake_tracker) is True  # signing in works, for this run
    assert sidecar.result("has_session") is True
    assert sidecar.result("get_current_user") == ALICE
    assert sidecar.stop() == 0
    said = [e for e in log_entries(sidecar.stderr) if e["msg"] == warning]
    assert [e["level"] for e in said] == ["warning"]  # once, at start
    assert not list((tmp_path / "home").rglob("*"))  # and nothing was written anywhere


def test_a_run_that_ends_right_after_has_session_still_says_it_keeps_no_session(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store decided during `has_session`; the warning must not wait for the Tracker half,
    which a run this short never loads."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    args = [a for a in fake_args(fake_tracker) if a not in ("--secrets", "memory")]
    sidecar = spawn(*args, env={**ENV, "HOME": str(tmp_path / "home")})
    assert sidecar.result("has_session") is False
    assert sidecar.stop() == 0
    said = [e["msg"] for e in log_entries(sidecar.stderr) if e["level"] == "warning"]
    assert len(said) == 1 and said[0].startswith("No usable OS secret store"), sidecar.stderr


def log_entries(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


# -- secret hygiene -------------------------------------------------------------------------


def leaks(secrets: dict[str, str], *texts: tuple[str, str]) -> list[str]:
    return [
        f"{name} in {where}" for where, text in texts for name, s in secrets.items() if s in text
    ]


def files_under(root: Path) -> list[tuple[str, str]]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            found.append((str(path), path.read_bytes().decode("utf-8", "replace")))
    return found


def test_no_secret_reaches_stdout_stderr_or_any_file(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path
) -> None:
    code = fake_tracker.issue_auth_code()
    fake_tracker.call(lambda s: setattr(s, "oauth_expires_in", int(REFRESH_MARGIN_S) - 60))
    sidecar = spawn(
        *fake_args(fake_tracker, "--log-level", "debug"),
        env={**ENV, "TMPDIR": str(tmp_path), "HOME": str(tmp_path / "home")},
    )
    assert sidecar.result("exchange_code", {"code": code, "orgId": ORG_ID}) is True
    assert sidecar.result("get_current_user") == ALICE  # refreshed before use
    fake_tracker.call(lambda s: [s.expire_token(t) for t, v in s.tokens.items() if v.client_id])
    assert sidecar.result("get_current_user") == ALICE  # refreshed after a 401
    sidecar.error("exchange_code", {"code": code, "orgId": ORG_ID})  # a spent code, an error
    assert sidecar.result("logout") is None
    assert sidecar.stop() == 0

    forms = token_forms(fake_tracker)
    assert [f["grant_type"] for f in forms] == [
        "authorization_code",
        "refresh_token",
        "refresh_token",
        "authorization_code",
    ]
    secrets = {"the code": code, "the client secret": CLIENT_SECRET}
    for n, token in enumerate(fake_tracker.call(lambda s: list(s.tokens) + list(s.refresh_tokens))):
        if token.startswith(("y0_", "1:")):
            secrets[f"minted token {n}"] = token
    for n, form in enumerate(forms[1:3]):
        secrets[f"refresh token {n}"] = form["refresh_token"]
    assert len(secrets) >= 7
    assert "tracker request" in sidecar.stderr  # debug logging was on
    assert leaks(secrets, ("stdout", sidecar.stdout), ("stderr", sidecar.stderr)) == []
    assert leaks(secrets, *files_under(tmp_path)) == []
