"""A spawned sidecar signed in to the fake Tracker, and checks on the requests the fake received.

Import the fixtures into a test module (`from tests.e2e.signed_in import signed_in`) and use:

- `signed_in`: a sidecar on the fake over HTTPS, signed in with the fake's valid token; the
  fake's request log is emptied afterwards, so a test sees only its own commands' requests;
- `start_signed_in(spawn, fake, *extra_flags, env=...)` for other flags or environment;
- `expect_request(request, method, path, query=..., json=...)` checks one recorded request,
  including the credentials and content-type headers;
- `only_request(fake)` is the single request the fake got (and asserts there was one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sidecar.sandbox.recording import RecordedRequest
from tests.e2e.conftest import SpawnFn, fake_args
from tests.e2e.harness import Sidecar
from tests.fakes.tracker import ORG_ID, TOKEN, FakeTrackerServer

LOGIN = {"token": TOKEN, "tokenType": "oauth", "orgId": ORG_ID, "orgType": "yandex360"}
NO_BODY = object()


def clear_log(fake: FakeTrackerServer) -> None:
    fake.call(lambda state: state.log.clear())


def start_signed_in(
    spawn: SpawnFn,
    fake: FakeTrackerServer,
    *extra: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Sidecar:
    sidecar = spawn(*fake_args(fake, *extra), env=env, cwd=cwd)
    assert sidecar.result("login_with_token", LOGIN) is True
    clear_log(fake)
    return sidecar


@pytest.fixture
def signed_in(spawn: SpawnFn, fake_tracker: FakeTrackerServer) -> Sidecar:
    return start_signed_in(spawn, fake_tracker)


def expect_request(
    request: RecordedRequest,
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    json: Any = NO_BODY,
) -> None:
    """Method, path, the whole query, the body (JSON or none) and the headers that go with it."""
    assert (request.method, request.path) == (method, path)
    assert dict(request.query) == (query or {})
    assert request.headers["Authorization"] == f"OAuth {TOKEN}"
    assert request.headers["X-Org-ID"] == ORG_ID
    assert "X-Cloud-Org-ID" not in request.headers
    if json is NO_BODY:
        assert request.body == b""
        assert "Content-Type" not in request.headers
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert request.json() == json


def only_request(fake: FakeTrackerServer) -> RecordedRequest:
    requests = fake.requests
    assert len(requests) == 1, [(r.method, r.path) for r in requests]
    return requests[0]


def expect_no_request(fake: FakeTrackerServer) -> None:
    assert fake.requests == []


def invalid(error: dict[str, Any], message: str) -> None:
    """A local validation failure: the backend's message, kind `invalid`, no HTTP status."""
    assert error["message"] == message
    assert error["data"]["kind"] == "invalid"
    assert error["data"]["status"] is None
