"""Signed out means "sign in", at once: no connection, no cooldown, no retries first.

Every command that needs a session is called on a sidecar without one whose Tracker is a
socket that listens but never answers (a connection attempt would sit in its backlog, where
the test counts it) or a port nobody listens on. Each must answer -32001 with the app's
re-login text and `retryable: false` before any network work.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sidecar.handlers import COMMANDS
from tests.e2e.conftest import SpawnFn
from tests.e2e.harness import Sidecar

RELOGIN = "Not authenticated. Sign in again to continue."
# Commands that work without a session: local state, sign-in itself, system methods.
WITHOUT_SESSION = {
    "ping",
    "version",
    "get_client_credentials_info",
    "has_session",
    "exchange_code",
    "login_with_token",
    "logout",
    "get_config",
    "save_config",
    "start_timer",
    "stop_timer",
    "get_timer_state",
    "get_tray_state",
    "tray_start_timer",
    "tray_stop_timer",
    # The cursor is the sidecar's own: without a session there is none to release at Tracker.
    "release_scroll_context",
    # Signed out there is nothing of the account's to forget; the memory caches are emptied.
    "cache/clear",
}


def session_commands(tmp: Path) -> dict[str, dict[str, Any]]:
    """Params that get each command past its own validation to its first Tracker call."""
    upload = tmp / "note.txt"
    upload.write_text("hello")
    item = {"text": "Ship it", "deadline_type": "date"}
    return {
        "get_current_user": {},
        "get_issues": {"query": "Queue: TEST"},
        "get_issue": {"issueKey": "TEST-1"},
        "update_issue": {"issueKey": "TEST-1", "summary": "New"},
        "update_issue_extended": {"issueKey": "TEST-1", "summary": "New"},
        "create_issue": {"queue": "TEST", "summary": "New"},
        "patch_issue": {"issueKey": "TEST-1", "patch": {"summary": "New"}},
        "get_comments": {"issueKey": "TEST-1"},
        "add_comment": {"issueKey": "TEST-1", "text": "Hi"},
        "update_comment": {"issueKey": "TEST-1", "commentId": 1, "text": "Hi"},
        "delete_comment": {"issueKey": "TEST-1", "commentId": 1},
        "get_issue_worklogs": {"issueKey": "TEST-1"},
        "log_work": {"issueKey": "TEST-1", "duration": "1h"},
        "get_today_logged_seconds_for_issues": {"issueKeys": ["TEST-1"]},
        "get_attachments": {"issueKey": "TEST-1"},
        "download_attachment": {
            "issueKey": "TEST-1",
            "attachmentId": "301",
            "destPath": str(tmp / "out.bin"),
        },
        "preview_attachment": {"issueKey": "TEST-1", "attachmentId": "301"},
        "preview_inline_image": {"path": "/ajax/v2/attachments/301"},
        "upload_attachment": {"issueKey": "TEST-1", "filePath": str(upload)},
        "upload_temp_attachment": {"filePath": str(upload)},
        "get_checklist": {"issueKey": "TEST-1"},
        "add_checklist_item": {"issueKey": "TEST-1", "item": item},
        "edit_checklist_item": {"issueKey": "TEST-1", "itemId": "c1", "update": {"checked": True}},
        "delete_checklist": {"issueKey": "TEST-1"},
        "delete_checklist_item": {"issueKey": "TEST-1", "itemId": "c1"},
        "get_statuses": {},
        "get_resolutions": {},
        "get_priorities": {},
        "get_issue_types": {},
        "get_queues": {},
        "get_projects": {},
        "get_users": {},
        "get_transitions": {"issueKey": "TEST-1"},
        "execute_transition": {"issueKey": "TEST-1", "transitionId": "close"},
        "tray_refresh": {},
    }


@contextmanager
def silent_listener() -> Iterator[socket.socket]:
    """A loopback socket that listens and never accepts: a connect attempt waits in its backlog."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        yield sock


def attempts(listener: socket.socket) -> int:
    """How many connections reached the listener (each is taken off the backlog and closed)."""
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def signed_out(spawn: SpawnFn, port: int) -> Sidecar:
    base = f"https://127.0.0.1:{port}"
    return spawn(
        "--api-base-url",
        base,
        "--oauth-base-url",
        base + "/oauth",
        "--secrets",
        "memory",
        "--request-timeout-s",
        "2",
    )


def assert_relogin(error: dict[str, Any]) -> None:
    assert error["code"] == -32001, error
    assert error["message"] == RELOGIN
    assert error["data"]["kind"] == "unauthenticated"
    assert error["data"]["retryable"] is False
    assert error["data"]["status"] is None


def test_the_table_names_every_command_that_needs_a_session(tmp_path: Path) -> None:
    assert set(session_commands(tmp_path)) == set(COMMANDS) - WITHOUT_SESSION


def test_every_session_command_says_sign_in_without_connecting(
    spawn: SpawnFn, tmp_path: Path
) -> None:
    with silent_listener() as listener:
        sidecar = signed_out(spawn, listener.getsockname()[1])
        ids = {
            sidecar.request(method, params): method
            for method, params in session_commands(tmp_path).items()
        }
        for request_id, method in ids.items():
            response = sidecar.response(request_id)
            assert "error" in response, (method, response)
            assert_relogin(response["error"])
        assert attempts(listener) == 0
    assert not (tmp_path / "out.bin").exists()


@pytest.mark.parametrize("method", ["get_issues", "get_current_user", "download_attachment"])
def test_signed_out_with_the_tracker_down_is_unauthenticated_not_a_network_error(
    spawn: SpawnFn, tmp_path: Path, method: str
) -> None:
    sidecar = signed_out(spawn, closed_port())
    assert_relogin(sidecar.error(method, session_commands(tmp_path)[method]))
