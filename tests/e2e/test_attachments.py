"""Attachments end to end: a spawned sidecar against the fake Tracker over HTTPS.

Checks the exact result JSON, the requests the fake received (method, path, query, headers,
multipart body), real bytes round-tripping, `$/progress`, and that failed, interrupted or
cancelled downloads leave no partial file and never touch an existing one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shlex
import stat
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

import pytest

from sidecar.sandbox.images import badge, gradient
from sidecar.sandbox.model import Attachment
from sidecar.sandbox.recording import RecordedRequest
from tests.e2e.conftest import SpawnFn, downloads_home
from tests.e2e.harness import Sidecar, sidecar_command
from tests.e2e.signed_in import expect_no_request, invalid, start_signed_in
from tests.fakes.tracker import ORG_ID, TOKEN, FakeTrackerServer

SERVER_LOG = b"ERROR empty password\n" * 3
LIST_PATH = r"^/v3/issues/TEST-1/attachments$"
DEFAULT_FILTER = {"resolution": "empty()", "assignee": "me()"}


# -- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home whose xdg-user-dirs file names `~/Downloads` as the Downloads folder."""
    return downloads_home(tmp_path)[0]


@pytest.fixture
def sidecar(spawn: SpawnFn, fake_tracker: FakeTrackerServer, tmp_path: Path) -> Sidecar:
    return start_signed_in(spawn, fake_tracker, env=downloads_home(tmp_path)[1])


def add_attachment(fake: FakeTrackerServer, id: int, name: str, data: bytes) -> None:
    def add(state: Any) -> None:
        mime = "application/octet-stream"
        state.attachments[id] = Attachment(id, name, mime, data, "alice", state.now(), "TEST-1")

    fake.call(add)


def attachment_json(fake: FakeTrackerServer, id: int, name: str, mime: str | None) -> Any:
    url = f"{fake.url}/v3/issues/TEST-1/attachments/{id}/{name}"
    return {"id": str(id), "name": name, "url": url, "mime_type": mime}


def authed(request: RecordedRequest) -> bool:
    headers = request.headers
    return headers.get("Authorization") == f"OAuth {TOKEN}" and headers.get("X-Org-ID") == ORG_ID


def no_credentials(request: RecordedRequest) -> bool:
    keys = {k.lower() for k in request.headers}
    return not keys & {"authorization", "x-org-id", "x-cloud-org-id"}


def paths(fake: FakeTrackerServer) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


def progress_of(sidecar: Sidecar, request_id: int) -> list[tuple[int, int | None]]:
    return [
        (n["params"]["done"], n["params"]["total"])
        for n in sidecar.notifications
        if n["method"] == "$/progress" and n["params"]["id"] == request_id
    ]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def download(sidecar: Sidecar, dest: str | Path, attachment_id: str = "302") -> Any:
    params = {"issueKey": "TEST-1", "attachmentId": attachment_id, "destPath": str(dest)}
    return sidecar.call("download_attachment", params)


def file_part(request: RecordedRequest) -> Message:
    head = f"Content-Type: {request.headers['Content-Type']}\r\nMIME-Version: 1.0\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head.encode() + request.body)
    parts = list(message.iter_parts())
    assert len(parts) == 1
    return parts[0]


# -- get_attachments --------------------------------------------------------------------------


def test_get_attachments_lists_the_issue_files(sidecar: Sidecar, fake_tracker: Any) -> None:
    assert sidecar.result("get_attachments", {"issueKey": "TEST-1"}) == [
        attachment_json(fake_tracker, 301, "screenshot.png", "image/png"),
        attachment_json(fake_tracker, 302, "server.log", "text/plain"),
    ]
    [request] = fake_tracker.requests
    assert (request.method, request.path, dict(request.query)) == ("GET", LIST_PATH[1:-1], {})
    assert authed(request)


def test_get_attachments_of_an_issue_without_files_is_empty(
    sidecar: Sidecar, fake_tracker: Any
) -> None:
    assert sidecar.result("get_attachments", {"issueKey": "TEST-4"}) == []
    assert paths(fake_tracker) == [("GET", "/v3/issues/TEST-4/attachments")]


def test_get_attachments_of_an_unknown_issue_is_a_404(sidecar: Sidecar) -> None:
    error = sidecar.error("get_attachments", {"issueKey": "NOPE-1"})
    assert error["message"].startswith("http 404 Not Found: {")
    assert error["data"]["kind"] == "not_found" and error["data"]["status"] == 404


# -- download_attachment ----------------------------------------------------------------------


def test_download_writes_the_bytes_and_reports_progress(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    dest = tmp_path / "out" / "nested" / "copy.log"
    response = download(sidecar, dest)
    assert response["result"] is None
    assert dest.read_bytes() == SERVER_LOG
    assert leftovers(dest.parent) == []
    assert progress_of(sidecar, response["id"]) == [(0, 63), (63, 63)]
    list_request, content_request = fake_tracker.requests
    assert (list_request.method, list_request.path) == ("GET", "/v3/issues/TEST-1/attachments")
    assert content_request.method == "GET"
    assert content_request.path == "/v3/issues/TEST-1/attachments/302/server.log"
    assert authed(content_request)  # the content URL is on the API host


def test_download_of_an_image_round_trips_its_bytes(sidecar: Sidecar, tmp_path: Path) -> None:
    dest = tmp_path / "shot.png"
    assert download(sidecar, dest, "301")["result"] is None
    assert dest.read_bytes() == badge()


def test_a_bare_name_lands_in_the_downloads_folder(sidecar: Sidecar, home: Path) -> None:
    assert download(sidecar, "  server.log ")["result"] is None
    assert (home / "Downloads" / "server.log").read_bytes() == SERVER_LOG


def test_download_replaces_an_existing_file(sidecar: Sidecar, tmp_path: Path) -> None:
    dest = tmp_path / "server.log"
    dest.write_bytes(b"an older, longer version of the file " * 10)
    assert download(sidecar, dest)["result"] is None
    assert dest.read_bytes() == SERVER_LOG


def test_a_large_download_streams_with_steady_progress(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    data = os.urandom(6 * 1024 * 1024 + 123)
    add_attachment(fake_tracker, 900, "big.bin", data)
    dest = tmp_path / "big.bin"
    response = download(sidecar, dest, "900")
    assert response["result"] is None
    assert hashlib.sha256(dest.read_bytes()).digest() == hashlib.sha256(data).digest()
    reports = progress_of(sidecar, response["id"])
    assert reports[0] == (0, len(data)) and reports[-1] == (len(data), len(data))
    assert len(reports) >= 3
    done = [d for d, _ in reports]
    assert done == sorted(set(done))


@pytest.mark.parametrize("dest", ["", "   "])
def test_an_empty_destination_fails_before_any_request(
    sidecar: Sidecar, fake_tracker: Any, dest: str
) -> None:
    invalid(download(sidecar, dest)["error"], "Destination path cannot be empty")
    expect_no_request(fake_tracker)


def test_a_directory_destination_fails_before_any_request(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    error = download(sidecar, tmp_path)["error"]
    assert error["message"] == f"io error: Is a directory (os error 21): {tmp_path}"
    assert error["data"]["kind"] == "local_io"
    assert fake_tracker.requests == []


def test_an_unwritable_destination_fails_before_the_transfer(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    (tmp_path / "plain").write_text("a file, not a folder")
    error = download(sidecar, tmp_path / "plain" / "sub" / "x.log")["error"]
    assert error["message"].startswith("io error: Not a directory (os error 20): ")
    assert error["data"]["kind"] == "local_io"
    assert paths(fake_tracker) == [("GET", "/v3/issues/TEST-1/attachments")]


@pytest.mark.parametrize("attachment_id", ["999", "303", "", "301 "])
def test_an_attachment_not_on_the_issue_is_not_found(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path, attachment_id: str
) -> None:
    error = download(sidecar, tmp_path / "x", attachment_id)["error"]
    assert error["message"] == f"Attachment {attachment_id} not found on issue TEST-1"
    assert (error["code"], error["data"]["kind"], error["data"]["status"]) == (
        -32003,
        "not_found",
        None,
    )
    assert paths(fake_tracker) == [("GET", "/v3/issues/TEST-1/attachments")]
    assert not (tmp_path / "x").exists()


def test_an_attachment_without_a_download_url_is_refused(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    body = [{"id": 302, "name": "server.log", "content": "  "}]
    fake_tracker.faults.add("GET", LIST_PATH, status=200, body=body)
    error = download(sidecar, tmp_path / "x")["error"]
    assert error["message"] == "Attachment is missing download URL"
    assert len(fake_tracker.requests) == 1


@pytest.mark.parametrize("action", ["reset_after_headers", "truncate_body"])
@pytest.mark.parametrize("existing", [b"precious old bytes", None])
def test_an_interrupted_download_leaves_no_partial_file(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path, action: str, existing: bytes | None
) -> None:
    dest = tmp_path / "server.log"
    if existing is not None:
        dest.write_bytes(existing)
    content = r"/attachments/302/server\.log$"
    fake_tracker.faults.add("GET", content, action=action, body=b"x" * 4096)
    error = download(sidecar, dest)["error"]
    assert error["message"].startswith("network error: ")
    assert error["data"]["kind"] == "network"
    assert leftovers(tmp_path) == []
    assert (dest.read_bytes() if dest.exists() else None) == existing


def test_a_cancelled_download_removes_its_temporary_file(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    dest = tmp_path / "server.log"
    dest.write_bytes(b"keep me")
    fake_tracker.faults.add("GET", r"/attachments/302/server\.log$", action="stall_body")
    params = {"issueKey": "TEST-1", "attachmentId": "302", "destPath": str(dest)}
    request_id = sidecar.request("download_attachment", params)
    sidecar.wait_for(lambda m: m.get("method") == "$/progress")  # the body has begun
    assert len(leftovers(tmp_path)) == 1
    sidecar.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": request_id}})
    error = sidecar.response(request_id)["error"]
    fake_tracker.faults.release()
    assert error["code"] == -32800
    assert leftovers(tmp_path) == []
    assert dest.read_bytes() == b"keep me"


def test_a_full_disk_is_a_clear_local_io_error(
    spawn: SpawnFn,
    fake_tracker: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A file-size limit makes writes fail as a full disk would (EFBIG rather than ENOSPC).
    wrapper = tmp_path / "limited-sidecar"
    wrapper.write_text(f'#!/bin/sh\nulimit -f 64\nexec {shlex.join(sidecar_command())} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("YTRACKER_SIDECAR_BIN", str(wrapper))
    sidecar = start_signed_in(spawn, fake_tracker)
    add_attachment(fake_tracker, 900, "big.bin", os.urandom(1024 * 1024))
    dest = tmp_path / "big.bin"
    dest.write_bytes(b"old")
    error = download(sidecar, dest, "900")["error"]
    assert error["message"] == f"io error: File too large (os error 27): {dest}"
    assert error["data"]["kind"] == "local_io"
    assert leftovers(tmp_path) == [] and dest.read_bytes() == b"old"


# -- preview_attachment -----------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_preview_of_an_image(sidecar: Sidecar, fake_tracker: Any) -> None:
    params = {"issueKey": "TEST-1", "attachmentId": "301"}
    result = sidecar.result("preview_attachment", params)
    assert result == {"mime_type": "image/png", "data_base64": b64(badge())}
    assert paths(fake_tracker) == [
        ("GET", "/v3/issues/TEST-1/attachments"),
        ("GET", "/v3/issues/TEST-1/attachments/301/screenshot.png"),
    ]


def test_preview_of_a_non_image_keeps_its_type(sidecar: Sidecar) -> None:
    params = {"issueKey": "TEST-1", "attachmentId": "302"}
    result = sidecar.result("preview_attachment", params)
    assert result == {"mime_type": "text/plain", "data_base64": b64(SERVER_LOG)}


def test_preview_mime_is_the_content_type_as_sent(sidecar: Sidecar, fake_tracker: Any) -> None:
    headers = {"Content-Type": "image/svg+xml; charset=utf-8"}
    path = r"/attachments/301/screenshot\.png$"
    fake_tracker.faults.add("GET", path, status=200, headers=headers, body=b"<svg/>")
    params = {"issueKey": "TEST-1", "attachmentId": "301"}
    result = sidecar.result("preview_attachment", params)
    assert result == {"mime_type": "image/svg+xml; charset=utf-8", "data_base64": b64(b"<svg/>")}


def test_preview_of_an_unknown_attachment(sidecar: Sidecar) -> None:
    error = sidecar.error("preview_attachment", {"issueKey": "TEST-1", "attachmentId": "7"})
    assert error["message"] == "Attachment 7 not found on issue TEST-1"


def test_a_failed_content_fetch_uses_the_binary_error_form(
    sidecar: Sidecar, fake_tracker: Any
) -> None:
    fake_tracker.faults.add("GET", r"/attachments/301/", status=404, body={"errors": {}})
    error = sidecar.error("preview_attachment", {"issueKey": "TEST-1", "attachmentId": "301"})
    assert error["message"] == 'http 404 Not Found: {"errors": {}}'


# -- preview_inline_image ---------------------------------------------------------------------


def inline(sidecar: Sidecar, path: str) -> Any:
    return sidecar.call("preview_inline_image", {"path": path})


def test_an_ajax_image_path_is_resolved_through_attachment_metadata(
    sidecar: Sidecar, fake_tracker: Any
) -> None:
    # 303 is embedded in TEST-2 but stored on OPS-1: only the org-wide endpoint finds it.
    result = inline(sidecar, "/ajax/v2/attachments/303?inline=true =48x32")["result"]
    assert result == {"mime_type": "image/png", "data_base64": b64(gradient())}
    assert paths(fake_tracker) == [
        ("GET", "/v2/attachments/303"),
        ("GET", "/v2/issues/OPS-1/attachments/303/diagram.png"),
    ]
    assert all(authed(r) for r in fake_tracker.requests)


def test_an_attachment_ref_is_resolved_the_same_way(sidecar: Sidecar, fake_tracker: Any) -> None:
    result = inline(sidecar, "attachment:301")["result"]
    assert result == {"mime_type": "image/png", "data_base64": b64(badge())}
    assert paths(fake_tracker)[0] == ("GET", "/v2/attachments/301")


def test_an_unknown_ajax_attachment_is_a_404(sidecar: Sidecar, fake_tracker: Any) -> None:
    error = inline(sidecar, "/ajax/v2/attachments/4242")["error"]
    assert error["message"].startswith("http 404 Not Found: ")
    assert paths(fake_tracker) == [("GET", "/v2/attachments/4242")]


def test_a_relative_path_is_joined_to_the_api_root(sidecar: Sidecar, fake_tracker: Any) -> None:
    result = inline(sidecar, "/v3/issues/TEST-1/attachments/302/server.log")["result"]
    assert result == {"mime_type": "text/plain", "data_base64": b64(SERVER_LOG)}
    [request] = fake_tracker.requests
    assert request.path == "/v3/issues/TEST-1/attachments/302/server.log" and authed(request)


def test_an_absolute_url_on_the_api_host_carries_credentials(
    sidecar: Sidecar, fake_tracker: Any
) -> None:
    url = f"{fake_tracker.url}/v3/issues/TEST-1/attachments/301/screenshot.png"
    assert inline(sidecar, url)["result"]["data_base64"] == b64(badge())
    assert authed(fake_tracker.requests[0])


def test_an_absolute_url_on_another_host_gets_no_credentials(
    sidecar: Sidecar, fake_tracker: Any
) -> None:
    other_host = fake_tracker.url.replace("127.0.0.1", "localhost")
    url = f"{other_host}/v3/issues/TEST-1/attachments/301/screenshot.png"
    error = inline(sidecar, url)["error"]
    # The fake insists on a token, so the credential-less fetch is refused (and not retried).
    assert error["message"].startswith("http 401 Unauthorized: ")
    [request] = fake_tracker.requests
    assert request.path == "/v3/issues/TEST-1/attachments/301/screenshot.png"
    assert no_credentials(request)


def storage_url(fake: FakeTrackerServer, path: str) -> str:
    """An URL on another origin (`localhost` instead of `127.0.0.1`) served by the same fake."""
    return fake.url.replace("127.0.0.1", "localhost") + path


def serve_publicly(fake: FakeTrackerServer, path: str, data: bytes, mime: str) -> None:
    """A scripted answer is played before the fake's auth check, as a storage host would."""
    headers = {"Content-Type": mime}
    fake.faults.add("GET", "^" + path + "$", status=200, headers=headers, body=data)


def test_an_image_on_another_host_is_fetched_without_credentials(
    sidecar: Sidecar, fake_tracker: Any
) -> None:
    serve_publicly(fake_tracker, "/storage/301.png", badge(), "image/png")
    result = inline(sidecar, storage_url(fake_tracker, "/storage/301.png"))["result"]
    assert result == {"mime_type": "image/png", "data_base64": b64(badge())}
    [request] = fake_tracker.requests
    assert request.path == "/storage/301.png" and no_credentials(request)


def test_a_content_url_on_another_host_downloads_without_credentials(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    listing = [{"id": "302", "name": "server.log", "content": storage_url(fake_tracker, "/s/302")}]
    fake_tracker.faults.add("GET", LIST_PATH, status=200, body=listing)
    serve_publicly(fake_tracker, "/s/302", SERVER_LOG, "text/plain")
    dest = tmp_path / "server.log"
    assert download(sidecar, dest)["result"] is None
    assert dest.read_bytes() == SERVER_LOG
    list_request, content_request = fake_tracker.requests
    assert authed(list_request)
    assert content_request.path == "/s/302" and no_credentials(content_request)


def test_a_redirect_to_another_host_drops_the_credentials(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    target = storage_url(fake_tracker, "/s/302")
    fake_tracker.faults.add(
        "GET", r"/attachments/302/server\.log$", action="redirect", location=target
    )
    serve_publicly(fake_tracker, "/s/302", SERVER_LOG, "text/plain")
    dest = tmp_path / "server.log"
    assert download(sidecar, dest)["result"] is None
    assert dest.read_bytes() == SERVER_LOG
    _, on_api_host, on_storage = fake_tracker.requests
    assert authed(on_api_host) and on_api_host.path.endswith("/302/server.log")
    assert on_storage.path == "/s/302" and no_credentials(on_storage)


@pytest.mark.parametrize("path", ["", "  "])
def test_a_blank_inline_path_is_refused(sidecar: Sidecar, fake_tracker: Any, path: str) -> None:
    invalid(inline(sidecar, path)["error"], "Resource path is empty")
    expect_no_request(fake_tracker)


# -- uploads ----------------------------------------------------------------------------------


def test_upload_streams_the_file_as_part_file_and_round_trips(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    data = os.urandom(300_000)
    source = tmp_path / "notes.txt"
    source.write_bytes(data)
    response = sidecar.call("upload_attachment", {"issueKey": "TEST-1", "filePath": str(source)})
    assert response["result"] == attachment_json(fake_tracker, 1001, "notes.txt", "text/plain")
    [request] = fake_tracker.requests
    assert (request.method, request.path) == ("POST", "/v3/issues/TEST-1/attachments/")
    assert dict(request.query) == {"filename": "notes.txt"} and authed(request)
    part = file_part(request)
    assert part.get_param("name", header="Content-Disposition") == "file"
    assert part.get_filename() == "notes.txt" and part.get_content_type() == "text/plain"
    assert part.get_payload(decode=True) == data
    reports = progress_of(sidecar, response["id"])
    assert reports[0] == (0, len(data)) and reports[-1] == (len(data), len(data))
    dest = tmp_path / "back.txt"
    assert download(sidecar, dest, "1001")["result"] is None
    assert dest.read_bytes() == data


def test_upload_temp_posts_to_the_org_endpoint(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    source = tmp_path / "badge.png"
    source.write_bytes(badge())
    result = sidecar.result("upload_temp_attachment", {"filePath": str(source)})
    assert result == {
        "id": "1001",
        "name": "badge.png",
        "url": f"{fake_tracker.url}/v3/attachments/1001/badge.png",
        "mime_type": "image/png",
    }
    [request] = fake_tracker.requests
    assert (request.method, request.path) == ("POST", "/v3/attachments/")
    part = file_part(request)
    assert part.get_content_type() == "image/png" and part.get_payload(decode=True) == badge()


def test_an_unknown_extension_uploads_as_octet_stream(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    source = tmp_path / "blob.unknownext"
    source.write_bytes(b"\x00\x01")
    result = sidecar.result("upload_temp_attachment", {"filePath": str(source)})
    assert result["mime_type"] == "application/octet-stream"
    assert file_part(fake_tracker.requests[0]).get_content_type() == "application/octet-stream"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing.txt", "No such file or directory (os error 2)"),
        ("", "Is a directory (os error 21)"),
    ],
)
def test_an_unreadable_file_is_a_local_io_error(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path, name: str, reason: str
) -> None:
    path = str(tmp_path / name) if name else str(tmp_path)
    for method, params in [
        ("upload_attachment", {"issueKey": "TEST-1", "filePath": path}),
        ("upload_temp_attachment", {"filePath": path}),
    ]:
        error = sidecar.error(method, params)
        assert error["message"] == f"Failed to read file: {reason}: {path}"
        assert error["data"]["kind"] == "local_io"
    assert fake_tracker.requests == []


def test_tracker_refusing_a_large_upload(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path
) -> None:
    fake_tracker.call(lambda state: setattr(state, "max_upload_bytes", 1000))
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 5000)
    error = sidecar.error("upload_attachment", {"issueKey": "TEST-1", "filePath": str(source)})
    assert error["message"].startswith("http 413 Payload Too Large: ")
    assert error["data"]["kind"] == "invalid"


@pytest.mark.parametrize("fails", [False, True])
def test_an_upload_drops_cached_issue_lists(
    sidecar: Sidecar, fake_tracker: Any, tmp_path: Path, fails: bool
) -> None:
    params = {"query": None, "filter": DEFAULT_FILTER, "scroll_id": None}
    first = sidecar.result("get_issues", params)
    assert sidecar.result("get_issues", params) == first
    searches = len(fake_tracker.requests_to("POST", r"/issues/_search$"))
    source = tmp_path / "a.txt"
    source.write_text("a")
    if fails:  # the upload may have landed although the answer was lost
        fake_tracker.faults.add("POST", r"/attachments/$", action="reset_after_headers")
    response = sidecar.call("upload_attachment", {"issueKey": "TEST-1", "filePath": str(source)})
    assert ("error" in response) is fails
    sidecar.result("get_issues", params)
    assert len(fake_tracker.requests_to("POST", r"/issues/_search$")) == searches + 1
