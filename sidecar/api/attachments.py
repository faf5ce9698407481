"""Attachments: listing, downloads, previews and uploads."""

from __future__ import annotations

from sidecar.api.base import Dto, Params


class Attachment(Dto):
    id: str
    name: str
    url: str
    mime_type: str | None


class AttachmentPreview(Dto):
    """Image bytes for the UI: `data:${mime_type};base64,${data_base64}`."""

    mime_type: str
    data_base64: bytes


class AttachmentParams(Params):
    issue_key: str
    attachment_id: str


class DownloadAttachmentParams(Params):
    issue_key: str
    attachment_id: str
    dest_path: str


class InlineImageParams(Params):
    path: str


class UploadAttachmentParams(Params):
    issue_key: str
    file_path: str


class UploadTempAttachmentParams(Params):
    file_path: str
