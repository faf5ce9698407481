"""Issue 2's end-to-end promises, through a spawned sidecar speaking NDJSON over pipes.

The demo's one-liner, garbage on stdin, a stalled Tracker call not delaying `ping`,
cancellation, EOF shutdown, the sign-in → list → issue → user path with its exact JSON, each
failure kind, a 429 with Retry-After, and the cooldown measured at the fake.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import time
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import REPO, check_jsonrpc, sidecar_command
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import CLIENT_ID, CLIENT_SECRET, ORG_ID, TOKEN, FakeTrackerServer

CLIENT_ENV = {"YTRACKER_CLIENT_ID": CLIENT_ID, "YTRACKER_CLIENT_SECRET": CLIENT_SECRET}
FIELDS = "key,summary,description,status,priority,type,assignee,tags,followers,spent,timeSpent"


def test_demo_ping_one_liner() -> None:
    started = time.monotonic()
    out = subprocess.run(
        [*sidecar_command(), "--demo"],
        input=b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n',
        capture_output=True,
        cwd=REPO,
        timeout=30,
    )
    lines = out.stdout.decode().splitlines()
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert lines[0].startswith('{"jsonrpc":"2.0","method":"ready","params":{"version":')
    assert lines[1:] == ['{"jsonrpc":"2.0","id":1,"result":"pong"}']
    assert time.monotonic() - started < 10


def test_version_flag_names_the_revision() -> None:
    out = subprocess.run(
        [*sidecar_command(), "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert out.returncode == 0
    assert out.stdout.startswith("ytracker-sidecar 0.1.0 (git ")


@pytest.mark.parametrize(
    "args",
    [
        ["--api-base-url", "http://api.tracker.yandex.net"],
        ["--api-base-url", "http://example.com", "--allow-http-loopback"],
        ["--cooldown-ms", "soon"],
    ],
)
def test_unusable_settings_exit_2(args: list[str]) -> None:
    out = subprocess.run(
        [*sidecar_command(), *args], capture_output=True, text=True, cwd=REPO, timeout=30
    )
    assert out.returncode == 2
    assert out.stdout == ""
    assert "ytracker-sidecar:" in out.stderr


def test_garbage_on_stdin_is_answered_and_survived(spawn: SpawnFn) -> None:
    sidecar = spawn("--demo")
    sidecar.notification("ready")
    for junk in (b"not json\n", b"\xff\xfe\x00garbage\n", b"[]\n", b"{}\n", b'{"id":true}\n'):
        sidecar.send_raw(junk)
    sidecar.send_raw(b'{"jsonrpc":"2.0","id":"x","method":"nope"}\n')
    errors = [sidecar.wait_for(lambda m: "error" in m) for _ in range(6)]
    codes = sorted(e["error"]["code"] for e in errors)
    assert codes == [-32700, -32700, -32601, -32600, -32600, -32600]
    assert sidecar.result("ping") == "pong"
    assert sidecar.stop() == 0
    for line in sidecar.stdout.splitlines():  # nothing but JSON-RPC ever reached stdout
        check_jsonrpc(json.loads(line))


def test_invalid_utf8_inside_params_is_invalid_params_alone_and_in_a_batch(
    spawn: SpawnFn,
) -> None:
    sidecar = spawn("--demo")
    sidecar.notification("ready")
    bad = b'{"jsonrpc":"2.0","id":%d,"method":"get_issue","params":{"issueKey":"\xff\xfe"}}'
    sidecar.send_raw(bad % 1 + b"\n")
    sidecar.send_raw(b"[" + bad % 2 + b"," + bad % 3 + b"]\n")
    reason = "params are not valid UTF-8"
    batch = sidecar.wait_for(lambda m: isinstance(m, list))
    for response in [sidecar.response(1), *batch]:
        error = response["error"]
        assert error["code"] == -32602, error
        assert error["message"] == f"invalid args `issueKey` for command `get_issue`: {reason}"
    assert sidecar.result("ping") == "pong"


def test_a_stalled_tracker_call_does_not_delay_ping(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    fake_tracker.faults.add("GET", r"/v3/issues/TEST-1$", delay_s=3.0)
    slow = sidecar.request("get_issue", {"issueKey": "TEST-1"})
    started = time.monotonic()
    assert sidecar.result("ping") == "pong"
    assert sidecar.result("has_session") is True
    assert time.monotonic() - started < 1.0
    assert sidecar.response(slow)["result"]["key"] == "TEST-1"


def test_cancel_request_answers_32800(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    fake_tracker.faults.add("GET", r"/v3/issues/TEST-1$", delay_s=5.0)
    slow = sidecar.request("get_issue", {"issueKey": "TEST-1"})
    time.sleep(0.3)
    sidecar.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": slow}})
    error = sidecar.response(slow, timeout=3)["error"]
    assert error["code"] == -32800
    assert sidecar.result("ping") == "pong"


def test_eof_ends_the_process_within_two_seconds_answering_in_flight_work(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    fake_tracker.faults.add("GET", r"/v3/issues/TEST-1$", delay_s=10.0)
    slow = sidecar.request("get_issue", {"issueKey": "TEST-1"})
    time.sleep(0.2)
    started = time.monotonic()
    sidecar.close_stdin()
    assert sidecar.wait(timeout=5) == 0
    assert time.monotonic() - started < 2.0
    assert sidecar.response(slow)["error"]["code"] == -32802


def test_shutdown_then_exit(spawn: SpawnFn) -> None:
    sidecar = spawn("--demo")
    assert sidecar.result("shutdown") is None
    assert sidecar.error("ping")["code"] == -32600
    sidecar.send({"jsonrpc": "2.0", "method": "exit"})
    assert sidecar.wait() == 0


def test_sign_in_list_issue_and_user(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = spawn(*fake_args(fake_tracker), env=CLIENT_ENV)
    assert sidecar.result("has_session") is False
    unauthenticated = sidecar.error("get_issue", {"issueKey": "TEST-1"})
    assert unauthenticated["message"] == "Not authenticated. Sign in again to continue."
    assert unauthenticated["data"]["kind"] == "unauthenticated"
    code = fake_tracker.issue_auth_code()
    params = {"code": code, "orgId": ORG_ID, "orgType": "Yandex360"}
    assert sidecar.result("exchange_code", params) is True
    assert sidecar.result("has_session") is True

    page = sidecar.result(
        "get_issues",
        {"query": None, "filter": {"resolution": "empty()", "assignee": "me()"}, "scroll_id": None},
    )
    assert [i["key"] for i in page["issues"]] == ["OPS-2", "TEST-1", "TEST-2", "TEST-5", "TEST-6"]
    assert (page["next_scroll_id"], page["total_count"], page["has_more"]) == (None, 5, False)
    search = fake_tracker.requests_to("POST", r"/v3/issues/_search$")[-1]
    assert search.json() == {"filter": {"resolution": "empty()", "assignee": "alice"}}
    assert dict(search.query) == {
        "fields": FIELDS,
        "scrollType": "sorted",
        "perScroll": "100",
        "scrollTTLMillis": "60000",
    }
    assert search.headers["Authorization"].startswith("OAuth ")
    assert search.headers["X-Org-ID"] == ORG_ID
    assert search.headers["User-Agent"].startswith("ytracker-sidecar/")

    odd = next(i for i in page["issues"] if i["key"] == "TEST-6")
    assert sidecar.result("get_issue", {"issueKey": "TEST-6"}) == odd
    assert odd == {
        "key": "TEST-6",
        "summary": "Odd payloads",
        "description": odd["description"],
        "status": {"key": "2", "display": "2"},
        "priority": {"key": "normal", "display": "Normal"},
        "issue_type": {"key": "bug", "display": "Bug"},
        "assignee": odd["assignee"],
        "tags": [],
        "followers": [],
        "tracked_seconds": None,
    }
    assert sidecar.result("get_current_user") == {
        "display": "Alice Anderson",
        "login": "alice",
        "email": "alice@example.com",
        "avatar_url": None,
    }
    assert sidecar.result("logout") is None
    assert sidecar.result("has_session") is False
    again = sidecar.error("get_issues", {"query": "Queue: TEST"})
    assert again["message"] == "Not authenticated. Sign in again to continue."


def test_scroll_pages_follow_scroll_id_in_both_spellings(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    fake_tracker.call(lambda state: setattr(state, "max_per_scroll", 1000))
    sidecar = start_signed_in(spawn, fake_tracker)
    keys: list[str] = []
    params: dict[str, Any] = {"query": "Queue: TEST", "filter": None, "scroll_id": None}
    first = sidecar.result("get_issues", params)
    keys += [i["key"] for i in first["issues"]]
    assert first["has_more"] is False and first["total_count"] == 7
    assert keys == [f"TEST-{n}" for n in range(1, 8)]


def test_default_query_when_neither_query_nor_filter(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    sidecar.result("get_issues", {"query": "  ", "filter": {}})
    search = fake_tracker.requests_to("POST", r"/v3/issues/_search$")[-1]
    assert search.json() == {"query": "Assignee: me() Resolution: empty()"}


FAILURES = [
    (
        401,
        None,
        "unauthenticated",
        False,
        "authentication error: Access denied (401 Unauthorized) - ",
    ),
    (403, None, "forbidden", False, "authentication error: Access denied (403 Forbidden) - "),
    (404, None, "not_found", False, "http 404 Not Found: "),
    (409, None, "conflict", False, "http 409 Conflict: "),
    (422, None, "invalid", False, "http 422 Unprocessable Entity: "),
    (429, None, "rate_limited", True, "http 429 Too Many Requests: "),
    (500, None, "server_error", True, "http 500 Internal Server Error: "),
    (503, None, "server_error", True, "http 503 Service Unavailable: "),
    (None, "reset_before_headers", "network", True, "network error: "),
]


@pytest.mark.parametrize(("status", "action", "kind", "retryable", "prefix"), FAILURES)
def test_failure_kinds(
    spawn: SpawnFn,
    fake_tracker: FakeTrackerServer,
    status: int | None,
    action: str | None,
    kind: str,
    retryable: bool,
    prefix: str,
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    body = f'{{"errors":{{}},"errorMessages":["scripted"],"statusCode":{status or 0}}}'
    fake_tracker.faults.add(
        "GET", r"/v3/issues/TEST-1$", status=status, body=body, action=action, times=10
    )
    error = sidecar.error("get_issue", {"issueKey": "TEST-1"})
    assert error["message"].startswith(prefix), error
    assert error["data"]["kind"] == kind
    assert error["data"]["retryable"] is retryable
    assert error["data"]["status"] == status
    if status is not None:
        assert error["data"]["errorMessages"] == ["scripted"]
        assert error["message"] == prefix + body
    attempts = len(fake_tracker.requests_to("GET", r"/v3/issues/TEST-1$"))
    assert attempts == (4 if status in (429, 503) or action else 1)


def test_timeout_kind(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--request-timeout-s", "0.5")
    fake_tracker.faults.add("GET", r"/v3/issues/TEST-1$", delay_s=5.0, times=10)
    error = sidecar.error("get_issue", {"issueKey": "TEST-1"}, timeout=30)
    assert error["message"].startswith("request timed out")
    assert (error["data"]["kind"], error["data"]["retryable"]) == ("timeout", True)


def test_429_with_retry_after_is_retried(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, env={"YTRACKER_RETRY_SLEEP_SCALE": "1"})
    fake_tracker.faults.add("GET", r"/v3/issues/TEST-1$", status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert sidecar.result("get_issue", {"issueKey": "TEST-1"})["key"] == "TEST-1"
    assert time.monotonic() - started >= 0.95
    assert len(fake_tracker.requests_to("GET", r"/v3/issues/TEST-1$")) == 2


def test_cooldown_spaces_request_starts(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = start_signed_in(spawn, fake_tracker, "--cooldown-ms", "200")
    sidecar.result("get_issue", {"issueKey": "TEST-1"})  # the TLS handshake is not a start
    time.sleep(0.3)
    fake_tracker.call(lambda state: state.log.clear())
    ids = [sidecar.request("get_issue", {"issueKey": f"TEST-{n}"}) for n in range(1, 6)]
    for request_id in ids:
        assert "result" in sidecar.response(request_id)
    starts = fake_tracker.request_starts
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 5
    assert min(gaps) >= 0.2 - 0.005, gaps  # loopback adds jitter, never a shortcut


def test_no_secret_in_any_output(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> None:
    sidecar = spawn(*fake_args(fake_tracker, "--log-level", "debug"), env=CLIENT_ENV)
    code = fake_tracker.issue_auth_code()
    assert sidecar.result("exchange_code", {"code": code, "orgId": ORG_ID, "orgType": "x"})
    sidecar.result("get_issue", {"issueKey": "TEST-1"})
    sidecar.error("get_issue", {"issueKey": "NOPE-1"})
    sidecar.result("logout")
    sidecar.stop()
    state = fake_tracker.state
    secrets = {CLIENT_SECRET, code, TOKEN, *state.tokens, *state.refresh_tokens}
    for text in (sidecar.stdout, sidecar.stderr):
        for secret in secrets:
            assert secret not in text
    assert "tracker request" in sidecar.stderr  # debug logging was really on
