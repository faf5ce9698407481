"""Pure attachment rules: inline-image path resolution, preview MIME and base64, upload names
and types, and how `$/progress` is paced."""

from __future__ import annotations

import base64

import msgspec
import pytest

from sidecar.errors import InvalidInput
from sidecar.handlers.attachments import (
    EMPTY_RESOURCE,
    MISSING_URL,
    Progress,
    content_url,
    guess_mime,
    inline_target,
    preview,
    upload_name,
)
from sidecar.tracker.models import AttachmentWire


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ajax/v2/attachments/289?inline=true", ("attachment", "289")),
        ("/ajax/v2/attachments/289?inline=true =676x430", ("attachment", "289")),
        ("ajax/v2/attachments/289", ("attachment", "289")),
        ("/ajax/v2/attachments/289/image.png", ("attachment", "289")),
        ("  /ajax/v2/attachments/5 ", ("attachment", "5")),
        ("attachment:301", ("attachment", "301")),
        ("attachment:301 =16x16", ("attachment", "301")),
        ("https://cdn.example.com/a.png", ("url", "https://cdn.example.com/a.png")),
        ("http://127.0.0.1:8080/x.png", ("url", "http://127.0.0.1:8080/x.png")),
        (
            "https://tracker.yandex.ru/ajax/v2/attachments/289",
            ("url", "https://tracker.yandex.ru/ajax/v2/attachments/289"),
        ),
        ("/v3/issues/T-1/attachments/1/a.png", ("path", "/v3/issues/T-1/attachments/1/a.png")),
        ("/ajax/v2/attachmentsX/1", ("path", "/ajax/v2/attachmentsX/1")),
        ("/ajax/v2/attachments/1.5", ("path", "/ajax/v2/attachments/1.5")),
        ("//evil.example/x.png", ("path", "//evil.example/x.png")),
    ],
)
def test_inline_paths_resolve_to_an_url_an_attachment_or_an_api_path(
    path: str, expected: tuple[str, str]
) -> None:
    assert inline_target(path) == expected


@pytest.mark.parametrize("path", ["", "   "])
def test_a_blank_inline_path_is_refused(path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        inline_target(path)
    assert caught.value.message == EMPTY_RESOURCE == "Resource path is empty"


@pytest.mark.parametrize(
    ("candidates", "mime"),
    [
        (("image/png", "image/gif", "image/jpeg"), "image/png"),
        (("text/plain; charset=utf-8", "image/png"), "text/plain; charset=utf-8"),
        ((None, "image/gif", "image/jpeg"), "image/gif"),
        (("", None, "image/jpeg"), "image/jpeg"),
        (("  ", "", None), "application/octet-stream"),
        ((), "application/octet-stream"),
    ],
)
def test_the_preview_mime_is_the_first_usable_candidate(
    candidates: tuple[str | None, ...], mime: str
) -> None:
    assert preview(b"", *candidates).mime_type == mime


@pytest.mark.parametrize("data", [b"", b"a", b"ab", b"abc", bytes(range(256)) * 3])
def test_preview_bytes_are_standard_padded_base64(data: bytes) -> None:
    encoded = msgspec.json.decode(msgspec.json.encode(preview(data, "image/png")))["data_base64"]
    assert encoded == base64.standard_b64encode(data).decode()
    assert len(encoded) % 4 == 0
    assert base64.b64decode(encoded, validate=True) == data


def test_the_content_url_must_be_usable() -> None:
    assert content_url(AttachmentWire(content=" https://h/x ")) == "https://h/x"
    for content in (None, "", "   ", 42):
        with pytest.raises(InvalidInput) as caught:
            content_url(AttachmentWire(content=content))
        assert caught.value.message == MISSING_URL == "Attachment is missing download URL"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/home/u/report.pdf", "report.pdf"),
        ("relative/dir/photo.JPG", "photo.JPG"),
        ("plain", "plain"),
        ("/home/u/dir/", "dir"),
        ("", "file"),
        ("/", "file"),
        ("a/..", "file"),
        (".", "file"),
    ],
)
def test_the_upload_name_is_the_final_path_component(path: str, name: str) -> None:
    assert upload_name(path) == name


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("a.png", "image/png"),
        ("a.JPG", "image/jpeg"),
        ("notes.txt", "text/plain"),
        ("report.pdf", "application/pdf"),
        ("archive.unknownext", "application/octet-stream"),
        ("file", "application/octet-stream"),
    ],
)
def test_the_upload_type_is_guessed_from_the_extension(name: str, mime: str) -> None:
    assert guess_mime(name) == mime


class Recorder:
    id = 7

    def __init__(self) -> None:
        self.sent: list[tuple[int, int | None]] = []

    def progress(self, done: int, total: int | None) -> None:
        self.sent.append((done, total))


def test_progress_reports_the_start_each_mebibyte_and_the_end_once() -> None:
    call = Recorder()
    progress = Progress(call, 5 << 20, step_s=3600.0)  # paced by bytes only
    for _ in range(5 * 16):
        progress.advance(64 << 10)
    progress.finish()
    progress.finish()
    assert call.sent == [(i << 20, 5 << 20) for i in range(6)]


def test_progress_is_also_paced_by_time() -> None:
    call = Recorder()
    progress = Progress(call, 100, step_s=0.0)
    progress.update(1)
    progress.update(1)
    progress.update(2)
    assert call.sent == [(0, 100), (1, 100), (2, 100)]


def test_progress_with_an_unknown_total_and_an_empty_body() -> None:
    call = Recorder()
    progress = Progress(call, None)
    progress.finish()
    assert call.sent == [(0, None)]


def test_progress_reports_a_small_transfer_as_start_and_end() -> None:
    call = Recorder()
    progress = Progress(call, 63, step_s=3600.0)
    progress.update(40, 63)
    progress.update(63, 63)
    progress.finish()
    assert call.sent == [(0, 63), (63, 63)]
