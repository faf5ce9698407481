"""A misbehaving Tracker: every fault the fake can play × a GET, a PATCH, a POST, a download
and an upload.

Each cell runs end to end through a spawned sidecar signed in to the fake, with the fault
played on every attempt. Checked per cell: the documented `kind`, `retryable`, `status`,
`retryAfterMs` and message (`protocol/README.md`, errors); how many attempts reached the fake
(4 for what is retried, 1 for a non-idempotent write Tracker may have acted on, 1 for what is
never retried); that a broken download leaves no partial file and the existing destination as
it was; and that the sidecar still answers afterwards, Tracker calls included.

Retries never sleep here: the harness sets YTRACKER_RETRY_SLEEP_SCALE=0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar
from tests.e2e.signed_in import start_signed_in
from tests.fakes.tracker import FakeTrackerServer

MAX_ATTEMPTS = 4
KEPT = b"the file that was already there\n"
SERVER_LOG_PATH = r"/attachments/302/server\.log$"
RETRYABLE_KINDS = {"rate_limited", "server_error", "network", "timeout"}


@dataclass(frozen=True)
class Op:
    name: str
    http_method: str
    path: str  # regex of the faulted request's path
    method: str  # the sidecar method
    idempotent: bool
    binary: bool = False

    def params(self, dest: Path) -> dict[str, Any]:
        return {
            "get_issue": {"issueKey": "TEST-1"},
            "patch_issue": {"issueKey": "TEST-1", "patch": {"summary": "Edited under fire"}},
            "create_issue": {"queue": "TEST", "summary": "Created under fire"},
            "download_attachment": {
                "issueKey": "TEST-1",
                "attachmentId": "302",
                "destPath": str(dest),
            },
            "upload_attachment": {"issueKey": "TEST-1", "filePath": str(dest)},
        }[self.method]

    @property
    def transfer(self) -> bool:
        """Attachment transfers are limited by inactivity (--transfer-idle-timeout-s) and an
        overall deadline (--transfer-timeout-s), not by --request-timeout-s."""
        return self.method in ("download_attachment", "upload_attachment")

    def stall_limit(self) -> tuple[str, str]:
        """The flag that ends a stalled answer of this op quickly."""
        flag = "--transfer-idle-timeout-s" if self.transfer else "--request-timeout-s"
        return flag, "0.5"


OPS = [
    Op("GET", "GET", r"^/v3/issues/TEST-1$", "get_issue", idempotent=True),
    Op("PATCH", "PATCH", r"^/v3/issues/TEST-1$", "patch_issue", idempotent=False),
    Op("POST", "POST", r"^/v3/issues/?$", "create_issue", idempotent=False),
    Op("download", "GET", SERVER_LOG_PATH, "download_attachment", idempotent=True, binary=True),
    Op(
        "upload",
        "POST",
        r"^/v3/issues/TEST-1/attachments/?$",
        "upload_attachment",
        idempotent=False,
    ),
]

TRACKER_429 = {"errors": {}, "errorMessages": ["Too many requests"], "statusCode": 429}
BAD_GATEWAY_HTML = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def _tracker_error(status: int, text: str) -> dict[str, Any]:
    return {"errors": {}, "errorMessages": [text], "statusCode": status}


@dataclass(frozen=True)
class Fault:
    name: str
    fault: dict[str, Any]  # keyword arguments of `faults.add`
    kind: str | None  # None: the call succeeds
    status: int | None = None
    retried: str = "never"  # "always", "idempotent" (sent, may have acted) or "never"
    message: str | None = None  # exact, or a prefix when it ends with "…"
    retry_after_ms: int | None = None
    error_messages: tuple[str, ...] = ()


def _status(status: int, body: Any, retried: str, **extra: Any) -> Fault:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    reason = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}
    reason |= {503: "Service Unavailable", 504: "Gateway Timeout"}
    headers = extra.pop("headers", None)
    kind = "rate_limited" if status == 429 else "server_error"
    messages = tuple(body["errorMessages"]) if isinstance(body, dict) else ()
    return Fault(
        extra.pop("name", str(status)),
        {"status": status, "body": body, "headers": headers},
        kind,
        status,
        retried,
        f"http {status} {reason[status]}: {text}",
        error_messages=messages,
        **extra,
    )


FAULTS = [
    _status(
        429,
        TRACKER_429,
        "always",
        name="429+Retry-After",
        headers={"Retry-After": "7"},
        retry_after_ms=7000,
    ),
    _status(429, TRACKER_429, "always", name="429"),
    _status(500, _tracker_error(500, "Internal error"), "never"),
    _status(502, BAD_GATEWAY_HTML, "idempotent", name="502-html"),
    _status(503, _tracker_error(503, "Service unavailable"), "always"),
    _status(504, _tracker_error(504, "Gateway timeout"), "idempotent"),
    Fault(
        "reset-before-headers",
        {"action": "reset_before_headers"},
        "network",
        None,
        "idempotent",
        "network error: …",
    ),
    Fault(
        "reset-after-headers",
        {"action": "reset_after_headers"},
        "network",
        None,
        "idempotent",
        "network error: …",
    ),
    Fault(
        "stalled-body",
        {"action": "stall_body"},
        "timeout",
        None,
        "idempotent",
        "request timed out: …",
    ),
    Fault(
        "truncated-body",
        {"action": "truncate_body"},
        "network",
        None,
        "idempotent",
        "network error: …",
    ),
    Fault(
        "malformed-json",
        {"action": "malformed_json"},
        "server_error",
        200,
        "never",
        "unexpected error: error decoding response body: …",
    ),
    Fault(
        "empty-200",
        {"action": "empty_200"},
        "server_error",
        200,
        "never",
        "unexpected error: error decoding response body: empty body",
    ),
    Fault(
        "redirect-elsewhere",
        {"action": "redirect"},
        "server_error",
        302,
        "never",
        "unexpected error: refused redirect to another host (localhost)",
    ),
]


def other_host(fake: FakeTrackerServer, path: str) -> str:
    """The same fake under another origin (`localhost` instead of `127.0.0.1`)."""
    return fake.url.replace("127.0.0.1", "localhost") + path


# A download is retried only before its body starts: bytes may already be on disk.
BODY_STARTED = {"reset-after-headers", "truncated-body", "stalled-body"}


def expected_attempts(fault: Fault, op: Op) -> int:
    if op.binary and fault.name in BODY_STARTED:
        return 1
    if fault.retried == "always" or (fault.retried == "idempotent" and op.idempotent):
        return MAX_ATTEMPTS
    return 1


def _check_error(error: dict[str, Any], fault: Fault) -> None:
    data = error["data"]
    assert data["kind"] == fault.kind, error
    assert data["retryable"] is (fault.kind in RETRYABLE_KINDS)
    assert data["status"] == fault.status, error
    assert data["retryAfterMs"] == fault.retry_after_ms, error
    assert data["errorMessages"] == list(fault.error_messages), error
    assert fault.message is not None
    if fault.message.endswith("…"):
        assert error["message"].startswith(fault.message[:-1]), error
    else:
        assert error["message"] == fault.message, error


def _still_serving(sidecar: Sidecar, fake: FakeTrackerServer) -> None:
    fake.faults.clear()  # unplayed repeats (a write tried once) must not hit the check
    assert sidecar.result("ping") == "pong"
    assert sidecar.result("get_issue", {"issueKey": "TEST-1"})["key"] == "TEST-1"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


# -- the matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_fault_cell(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path, op: Op, fault: Fault
) -> None:
    extra = op.stall_limit() if fault.name == "stalled-body" else ()
    sidecar = start_signed_in(spawn, fake_tracker, *extra)
    folder = tmp_path / "downloads"
    folder.mkdir()
    dest = folder / "server.log"
    dest.write_bytes(KEPT)
    kwargs = dict(fault.fault)
    if fault.name == "redirect-elsewhere":
        kwargs["location"] = other_host(fake_tracker, ELSEWHERE)
        fake_tracker.faults.add("GET", "^" + ELSEWHERE + "$", status=200, body=STORED)
    fake_tracker.faults.add(op.http_method, op.path, times=MAX_ATTEMPTS, **kwargs)

    response = sidecar.call(op.method, op.params(dest), timeout=30)

    attempts = len(fake_tracker.requests_to(op.http_method, op.path))
    if op.binary and fault.name in BINARY_SUCCESS:
        _check_download_served(response, fault, fake_tracker, dest)
        assert attempts == 1
    else:
        assert "error" in response, response
        _check_error(response["error"], fault)
        assert attempts == expected_attempts(fault, op), attempts
        assert dest.read_bytes() == KEPT
    assert set(_files(folder)) == {"server.log"}, _files(folder)  # no temporary file left
    _still_serving(sidecar, fake_tracker)


ELSEWHERE = "/elsewhere/server.log"
STORED = b"served by the storage host\n"
# A binary body is not JSON: malformed or empty bytes are the file, and a redirect to another
# host is followed, without credentials (only JSON API calls refuse it).
BINARY_SUCCESS = {"malformed-json": None, "empty-200": b"", "redirect-elsewhere": STORED}


def _check_download_served(
    response: dict[str, Any], fault: Fault, fake: FakeTrackerServer, dest: Path
) -> None:
    assert response.get("result", "missing") is None, response
    expected = BINARY_SUCCESS[fault.name]
    assert dest.read_bytes() == expected if expected is not None else dest.read_bytes() != KEPT
    if fault.name == "redirect-elsewhere":
        [hop] = fake.requests_to("GET", "^" + ELSEWHERE + "$")
        assert "Authorization" not in hop.headers and "X-Org-ID" not in hop.headers


# -- what the matrix cannot do in seconds -----------------------------------------------------


@pytest.mark.parametrize("op", [o for o in OPS if o.transfer], ids=lambda o: o.name)
def test_a_stalled_transfer_keeps_the_sidecar_answering_and_cancels_cleanly(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path, op: Op
) -> None:
    sidecar = start_signed_in(spawn, fake_tracker)
    dest = tmp_path / "server.log"
    dest.write_bytes(KEPT)
    fake_tracker.faults.add(op.http_method, op.path, action="stall_body")
    request_id = sidecar.request(op.method, op.params(dest))
    progress = sidecar.notification("$/progress")
    assert progress["params"]["id"] == request_id
    if op.binary:
        assert len(_files(tmp_path)) == 2  # the temporary file is being written
    assert sidecar.result("ping", timeout=2) == "pong"
    assert sidecar.result("get_issue", {"issueKey": "TEST-2"}, timeout=5)["key"] == "TEST-2"
    sidecar.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": request_id}})
    assert sidecar.response(request_id, timeout=5)["error"]["code"] == -32800
    assert _files(tmp_path) == {"server.log": KEPT}
    _still_serving(sidecar, fake_tracker)


def test_a_post_that_timed_out_is_not_sent_twice(
    spawn: SpawnFn, fake_tracker: FakeTrackerServer
) -> None:
    """Tracker may have created the issue before the answer stalled: no second POST."""
    sidecar = start_signed_in(spawn, fake_tracker, "--request-timeout-s", "0.5")
    fake_tracker.faults.add("POST", r"^/v3/issues/?$", delay_s=2.0, times=MAX_ATTEMPTS)
    error = sidecar.error("create_issue", {"queue": "TEST", "summary": "Once only"}, timeout=30)
    assert error["data"]["kind"] == "timeout" and error["data"]["retryable"] is True
    assert len(fake_tracker.requests_to("POST", r"^/v3/issues/?$")) == 1
    _still_serving(sidecar, fake_tracker)
