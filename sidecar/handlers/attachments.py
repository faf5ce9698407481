"""Attachments: the list, downloads, previews, inline images and uploads.

Rules of `docs/frontend-contract.md` §4.5, §4.6, §5, §9.9, §9.10, with the parity issue's fixes: the
destination is checked before any byte is fetched, downloads stream into a temporary file that is
renamed into place, inline `/ajax/v2/attachments/<id>` paths are resolved through the metadata
endpoint, and transfers report `$/progress`. Must not know: the wire, or how files land on disk
(`sidecar/local/downloads.py`); credentials stay with the Tracker client, which sends them only
to the API origin.
"""

from __future__ import annotations

import asyncio
import errno
import mimetypes
import os
import re
import stat
import time
from pathlib import Path, PurePath
from typing import Literal

from sidecar.api.attachments import (
    Attachment,
    AttachmentParams,
    AttachmentPreview,
    DownloadAttachmentParams,
    InlineImageParams,
    UploadAttachmentParams,
    UploadTempAttachmentParams,
)
from sidecar.api.issues import IssueKeyParams
from sidecar.errors import InvalidInput, LocalIOError, MissingItem
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.kept import ATTACHMENTS, Stored, entry_key
from sidecar.handlers.writes import invalidated
from sidecar.local.downloads import (
    AtomicFile,
    check_destination,
    downloads_dir,
    os_error_text,
    resolve_destination,
)
from sidecar.local.offload import in_daemon_thread
from sidecar.tracker.client import api_path
from sidecar.tracker.models import AttachmentWire

OCTET_STREAM = "application/octet-stream"
EMPTY_RESOURCE = "Resource path is empty"
MISSING_URL = "Attachment is missing download URL"
FOLDER_TIMEOUT_S = 10.0  # to check a download's destination (a network share may be slow)
MAX_PREVIEW = 16 * 1024 * 1024
"""The most bytes a preview answers with (after decompression): its base64 travels in one
stdout line, and the app shows images, not archives."""
# The web UI's inline-image paths, and the `attachment:<id>` shorthand the editor writes.
_INLINE_REFS = (
    re.compile(r"^/?ajax/v2/attachments/(?P<id>[\w-]+)(?=$|[/?#\s])"),
    re.compile(r"^attachment:(?P<id>[\w-]+)(?=$|[/?#\s])"),
)
# Built-in table only: the system's mime.types (or the Windows registry) would vary by machine.
_MIME_TYPES = mimetypes.MimeTypes()

InlineKind = Literal["url", "attachment", "path"]


async def get_attachments(deps: Deps, params: IssueKeyParams, call: Call) -> list[Attachment]:
    """GET /v3/issues/<key>/attachments → Attachment[] (files on the issue and its comments)."""

    async def load() -> list[Attachment]:
        return [convert.attachment(w) for w in await _attachments(deps, params.issue_key)]

    key = entry_key(ATTACHMENTS, params.issue_key)
    stored = Stored("get_attachments", params, key, list[Attachment])
    return await deps.kept.read(call, stored, load)


async def download_attachment(deps: Deps, params: DownloadAttachmentParams, call: Call) -> None:
    """Stream an attachment into a file; a bare name goes to the user's Downloads folder."""
    destination = await _checked_destination(params.dest_path)
    url = content_url(await _find(deps, params.issue_key, params.attachment_id))
    target = AtomicFile(destination)
    try:
        await target.open()
        await _receive(deps, url, target, call)
        await target.commit()
    finally:
        await target.discard()


async def preview_attachment(deps: Deps, params: AttachmentParams, call: Call) -> AttachmentPreview:
    """An attachment's bytes as base64 with its MIME type (for the image preview)."""
    wire = await _find(deps, params.issue_key, params.attachment_id)
    return await _preview_of(deps, wire)


async def preview_inline_image(
    deps: Deps, params: InlineImageParams, call: Call
) -> AttachmentPreview:
    """An image referenced from markdown: an absolute URL, an attachment path, or an API path."""
    kind, ref = inline_target(params.path)
    if kind == "attachment":
        return await _preview_of(deps, await _metadata(deps, ref))
    data, content_type = await _fetch(deps, ref)
    return preview(data, content_type)


async def upload_attachment(deps: Deps, params: UploadAttachmentParams, call: Call) -> Attachment:
    """Upload a local file to an issue (multipart part `file`, streamed from disk)."""
    path = api_path("issues", params.issue_key, "attachments") + "/"
    return await _upload(deps, path, params.file_path, call, params.issue_key)


async def upload_temp_attachment(
    deps: Deps, params: UploadTempAttachmentParams, call: Call
) -> Attachment:
    """Upload a local file as a temporary attachment (its id goes into `attachmentIds`)."""
    return await _upload(deps, api_path("attachments") + "/", params.file_path, call)


# -- lookups --------------------------------------------------------------------------------


async def _attachments(deps: Deps, issue_key: str) -> list[AttachmentWire]:
    response = await deps.tracker.request("GET", api_path("issues", issue_key, "attachments"))
    return response.json(list[AttachmentWire])


async def _find(deps: Deps, issue_key: str, attachment_id: str) -> AttachmentWire:
    for wire in await _attachments(deps, issue_key):
        if convert.wire_id(wire.id) == attachment_id:
            return wire
    raise MissingItem(f"Attachment {attachment_id} not found on issue {issue_key}")


async def _metadata(deps: Deps, attachment_id: str) -> AttachmentWire:
    """`GET /v2/attachments/<id>`: works for any attachment of the org, wherever it is stored."""
    response = await deps.tracker.request(
        "GET", api_path("attachments", attachment_id, version="v2")
    )
    return response.json(AttachmentWire)


def content_url(wire: AttachmentWire) -> str:
    """The attachment's absolute download URL.

    Raises:
        InvalidInput: the metadata carries no usable `content` URL.
    """
    url = wire.content.strip() if isinstance(wire.content, str) else ""
    if not url:
        raise InvalidInput(MISSING_URL)
    return url


async def _checked_destination(dest_path: str) -> Path:
    """`_destination` off the loop, in a daemon thread (a hung folder never holds up the exit).

    Raises:
        LocalIOError: the folder did not answer within FOLDER_TIMEOUT_S.
    """
    checking = in_daemon_thread(_destination, dest_path, name="download-check")
    try:
        return await asyncio.wait_for(asyncio.shield(checking), FOLDER_TIMEOUT_S)
    except TimeoutError:
        raise LocalIOError(f"io error: the folder does not answer: {dest_path.strip()}") from None


def _destination(dest_path: str) -> Path:
    """Where the file goes, checked before any byte is fetched (blocking: file system)."""
    destination = resolve_destination(dest_path, downloads_dir(), Path.cwd())
    check_destination(destination)
    return destination


# -- previews -------------------------------------------------------------------------------


def inline_target(path: str) -> tuple[InlineKind, str]:
    """How an inline image path is fetched: ("url", absolute URL), ("attachment", id) or
    ("path", a path joined to the API root).

    Raises:
        InvalidInput: the path is blank.
    """
    text = path.strip()
    if not text:
        raise InvalidInput(EMPTY_RESOURCE)
    if text.startswith(("http://", "https://")):
        return "url", text
    for pattern in _INLINE_REFS:
        if (match := pattern.match(text)) is not None:
            return "attachment", match["id"]
    return "path", text


def preview(data: bytes | bytearray, *mime_candidates: str | None) -> AttachmentPreview:
    """The bytes and the first usable MIME type (else octet-stream).

    msgspec writes a bytes field as standard padded base64 straight into the answer, so no
    base64 text is ever held beside it. A bytearray is emptied once copied.
    """
    mime = next((m for m in mime_candidates if m and m.strip()), OCTET_STREAM)
    raw = bytes(data)
    if isinstance(data, bytearray):
        data.clear()
    return AttachmentPreview(mime_type=mime, data_base64=raw)


async def _preview_of(deps: Deps, wire: AttachmentWire) -> AttachmentPreview:
    """Content-Type as sent, else the metadata's mimeType, else its mimetype."""
    data, content_type = await _fetch(deps, content_url(wire))
    return preview(data, content_type, _string(wire.mimeType), _string(wire.mimetype))


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def _fetch(deps: Deps, url: str) -> tuple[bytearray, str | None]:
    """A whole binary body and its Content-Type, at most MAX_PREVIEW bytes once inflated.

    Raises:
        InvalidInput: `Attachment is too large to preview: …` (before reading, when the size
            is declared; else as soon as the inflated bytes pass the limit).
    """
    async with deps.tracker.stream(url) as body:
        if body.total is not None and body.total > MAX_PREVIEW:
            raise InvalidInput(too_large_to_preview(f"{body.total} bytes"))
        data = bytearray()
        async for chunk in body.chunks():
            data += chunk
            if len(data) > MAX_PREVIEW:
                raise InvalidInput(too_large_to_preview(f"more than {MAX_PREVIEW} bytes"))
        return data, body.content_type


def too_large_to_preview(size: str) -> str:
    return (
        f"Attachment is too large to preview ({size}; the limit is {MAX_PREVIEW >> 20} MiB). "
        "Download it instead."
    )


# -- transfers ------------------------------------------------------------------------------


class Progress:
    """`$/progress` for one transfer: the start, then at most every MiB or quarter second,
    then the end; never the same count twice in a row."""

    def __init__(
        self, call: Call, total: int | None, *, step_bytes: int = 1 << 20, step_s: float = 0.25
    ) -> None:
        self._call = call
        self.total = total
        self._step_bytes, self._step_s = step_bytes, step_s
        self.done = 0
        self._sent = -1
        self._sent_at = 0.0
        self._report(force=True)

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        self._report(force=False)

    def advance(self, count: int) -> None:
        self.update(self.done + count)

    def finish(self) -> None:
        self._report(force=True)

    def _report(self, *, force: bool) -> None:
        now = time.monotonic()
        if self.done == self._sent:
            return
        due = self.done - self._sent >= self._step_bytes or now - self._sent_at >= self._step_s
        if force or due:
            self._sent, self._sent_at = self.done, now
            self._call.progress(self.done, self.total)


async def _receive(deps: Deps, url: str, target: AtomicFile, call: Call) -> None:
    async with deps.tracker.stream(url) as body:
        progress = Progress(call, body.total)
        async for chunk in body.chunks():
            await target.write(chunk)
            progress.advance(len(chunk))
        progress.finish()


def upload_name(file_path: str) -> str:
    """The path's final component; `file` when it has none (`/`, `..`, empty)."""
    name = PurePath(file_path).name
    return name if name not in ("", ".", "..") else "file"


def guess_mime(name: str) -> str:
    return _MIME_TYPES.guess_type(name, strict=False)[0] or OCTET_STREAM


def _readable_size(file_path: str) -> int:
    """The size of a file we can open for reading.

    Raises:
        LocalIOError: `Failed to read file: …` (missing, unreadable, a directory).
    """
    try:
        # Non-blocking: opening a named pipe would otherwise wait for a writer forever, and
        # the worker thread stuck in open() kept the process from exiting.
        fd = os.open(file_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            info = os.fstat(fd)
        finally:
            os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    except OSError as exc:
        raise LocalIOError(f"Failed to read file: {os_error_text(exc)}: {file_path}") from exc
    if not stat.S_ISREG(info.st_mode):  # a pipe, socket or device has no end to upload
        raise LocalIOError(f"Failed to read file: not a regular file: {file_path}")
    return info.st_size


def local_path(path: str) -> str:
    """`path` when the OS can take it; a NUL ends a C string early, so no OS call may see it.

    Raises:
        InvalidInput: `Invalid file path '…': it contains a NUL character`.
    """
    if "\x00" in path:
        raise InvalidInput(f"Invalid file path {path!r}: it contains a NUL character")
    return path


async def _upload(
    deps: Deps, path: str, file_path: str, call: Call, issue: str | None = None
) -> Attachment:
    local_path(file_path)
    progress = Progress(call, await asyncio.to_thread(_readable_size, file_path))
    name = upload_name(file_path)
    async with invalidated(deps, issue, [ATTACHMENTS]):  # a failed upload may have landed
        with deps.kept.watching():
            response = await deps.tracker.upload(
                path,
                file_path,
                filename=name,
                content_type=guess_mime(name),
                progress=progress.update,
            )
    progress.finish()
    return convert.attachment(response.json(AttachmentWire))
