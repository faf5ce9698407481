"""Attachments: list, metadata, download of real bytes, thumbnails, uploads, temp uploads, delete.

Owns: multipart parsing (the file part may have any name; `?filename=` renames; over the
configured limit → 413), content types and image sizes, org-wide metadata at `/attachments/{id}`,
and the optional web-UI `/ajax/v2/attachments/{id}` path (off by default, as on the real API
host). Must not know: comments beyond the `comment` id an attachment may carry.
"""

from __future__ import annotations

import mimetypes
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

from aiohttp import web

from sidecar.sandbox import render
from sidecar.sandbox.api_issues import touch
from sidecar.sandbox.context import STATE_KEY, Ctx, ctx, json_response, me
from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.images import png_size
from sidecar.sandbox.model import Attachment, Issue
from sidecar.sandbox.routing import Route


def _issue_attachment(c: Ctx, request: web.Request) -> tuple[Issue, Attachment]:
    issue = c.state.issue(request.match_info["key"])
    found = c.state.attachments.get(_id(request))
    if found is None or found.issue != issue.key:
        raise ApiError(404, "not_found")  # also for files embedded here but stored elsewhere
    return issue, found


def _id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise ApiError(404, "not_found")
    return int(raw)


def _bytes(item: Attachment) -> web.Response:
    return web.Response(body=item.data, content_type=item.mimetype)


async def list_attachments(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    return json_response([render.attachment(c, a) for a in c.state.issue_attachments(issue)])


async def issue_metadata(request: web.Request) -> web.Response:
    c = ctx(request)
    return json_response(render.attachment(c, _issue_attachment(c, request)[1]))


async def download(request: web.Request) -> web.Response:
    c = ctx(request)
    return _bytes(_issue_attachment(c, request)[1])


async def thumbnail(request: web.Request) -> web.Response:
    c = ctx(request)
    item = _issue_attachment(c, request)[1]
    if not item.is_image:
        raise ApiError(404, "not_found")
    return _bytes(item)  # the seed images are already thumbnail-sized


def _org_wide(c: Ctx, request: web.Request) -> Attachment:
    found = c.state.attachments.get(_id(request))
    if found is None:
        raise ApiError(404, "not_found")
    return found


async def org_metadata(request: web.Request) -> web.Response:
    c = ctx(request)
    return json_response(render.attachment(c, _org_wide(c, request)))


async def org_download(request: web.Request) -> web.Response:
    c = ctx(request)
    return _bytes(_org_wide(c, request))


async def ajax_inline(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if not state.serve_ajax_inline:
        raise ApiError(404, "no_route")
    return await org_download(request)


async def upload(request: web.Request) -> web.Response:
    c = ctx(request)
    issue = c.state.issue(request.match_info["key"])
    item = await _receive(c, request)
    item.issue = issue.key
    touch(c.state, issue, me(c).login)
    return json_response(render.attachment(c, item), status=201)


async def upload_temp(request: web.Request) -> web.Response:
    c = ctx(request)
    item = await _receive(c, request)
    return json_response(render.attachment(c, item), status=201)


async def _receive(c: Ctx, request: web.Request) -> Attachment:
    part = _file_part(request.headers.get("Content-Type", ""), await request.read())
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raise ApiError(400, "no_file")
    if len(data) > c.state.max_upload_bytes:
        raise ApiError(413, "too_large")
    name = request.query.get("filename") or part.get_filename() or "file"
    item = Attachment(
        c.state.next_id(), name, _mimetype(part, name), data, me(c).login, c.state.now()
    )
    item.image_size = png_size(data)
    c.state.attachments[item.id] = item
    return item


def _file_part(content_type: str, body: bytes) -> Message:
    if not content_type.lower().startswith("multipart/"):
        raise ApiError(400, "no_file")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    parts = list(message.iter_parts()) if message.is_multipart() else []
    # Any part name is accepted (`file`, `file_data`, …); prefer one that carries a filename.
    named = [p for p in parts if p.get_filename()] or parts
    if not named:
        raise ApiError(400, "no_file")
    return named[0]


def _mimetype(part: Message, name: str) -> str:
    # Clients often send octet-stream; then the name decides, as Tracker shows images inline.
    declared = part.get_content_type() if part.get("Content-Type") else None
    if declared and declared != "application/octet-stream":
        return declared
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


async def delete_attachment(request: web.Request) -> web.Response:
    c = ctx(request)
    issue, item = _issue_attachment(c, request)
    del c.state.attachments[item.id]
    touch(c.state, issue, me(c).login)
    return web.Response(status=204)


ROUTES = [
    Route("GET", "/issues/{key}/attachments", list_attachments),
    Route("POST", "/issues/{key}/attachments", upload),
    Route("POST", "/issues/{key}/attachments/", upload),
    Route("GET", "/issues/{key}/attachments/{id}", issue_metadata),
    Route("GET", "/issues/{key}/attachments/{id}/{name}", download),
    Route("DELETE", "/issues/{key}/attachments/{id}", delete_attachment),
    Route("DELETE", "/issues/{key}/attachments/{id}/", delete_attachment),
    Route("GET", "/issues/{key}/thumbnails/{id}", thumbnail),
    Route("POST", "/attachments", upload_temp),
    Route("POST", "/attachments/", upload_temp),
    Route("GET", "/attachments/{id}", org_metadata),
    Route("GET", "/attachments/{id}/{name}", org_download),
]
