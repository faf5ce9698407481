"""Comments on an issue."""

from __future__ import annotations

from sidecar.api.base import Dto, Params


class Comment(Dto):
    id: str
    text: str
    author: str
    created_at: str


class AddCommentParams(Params):
    issue_key: str
    text: str


class UpdateCommentParams(Params):
    """Extra method `update_comment`."""

    issue_key: str
    comment_id: str | int
    text: str


class DeleteCommentParams(Params):
    """Extra method `delete_comment`."""

    issue_key: str
    comment_id: str | int
