"""Comments of an issue: every page of the list, add, and the extras edit and delete.

Rules of `docs/frontend-contract.md` §5: a comment whose trimmed text is empty is refused with
`Comment text cannot be empty`, and the text is sent untrimmed. Unlike the old backend, which
showed only Tracker's first page, the list follows the id cursor to the end.
Must not know: how comments are shown or cached by the frontend.
"""

from __future__ import annotations

from sidecar.api.comments import AddCommentParams, Comment, DeleteCommentParams, UpdateCommentParams
from sidecar.api.issues import IssueKeyParams
from sidecar.errors import InvalidInput
from sidecar.handlers import convert
from sidecar.handlers.cursor import read_all
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.kept import COMMENTS, Stored, entry_key
from sidecar.handlers.writes import write
from sidecar.tracker.client import api_path
from sidecar.tracker.models import CommentWire

EMPTY_TEXT = "Comment text cannot be empty"
KINDS = (COMMENTS,)  # what a comment write changes in the disk cache


def _checked(text: str) -> str:
    if not text.strip():
        raise InvalidInput(EMPTY_TEXT)
    return text


def _path(issue_key: str, *rest: str) -> str:
    return api_path("issues", issue_key, "comments", *rest)


async def get_comments(deps: Deps, params: IssueKeyParams, call: Call) -> list[Comment]:
    """Every comment of an issue, oldest first (all cursor pages)."""

    async def load() -> list[Comment]:
        wires = await read_all(deps, _path(params.issue_key), CommentWire)
        return [convert.comment(wire, deps.keys) for wire in wires]

    key = entry_key(COMMENTS, params.issue_key)
    return await deps.kept.read(call, Stored("get_comments", params, key, list[Comment]), load)


async def add_comment(deps: Deps, params: AddCommentParams, call: Call) -> None:
    """POST a comment (the text as typed; blank text is refused)."""
    body = {"text": _checked(params.text)}
    await write(
        deps, "POST", _path(params.issue_key), json=body, issue=params.issue_key, changes=KINDS
    )


async def update_comment(deps: Deps, params: UpdateCommentParams, call: Call) -> Comment:
    """PATCH a comment's text → the updated Comment (blank text is refused)."""
    body = {"text": _checked(params.text)}
    path = _path(params.issue_key, str(params.comment_id))
    response = await write(deps, "PATCH", path, json=body, issue=params.issue_key, changes=KINDS)
    return convert.comment(response.json(CommentWire), deps.keys)


async def delete_comment(deps: Deps, params: DeleteCommentParams, call: Call) -> None:
    """DELETE a comment."""
    path = _path(params.issue_key, str(params.comment_id))
    await write(deps, "DELETE", path, issue=params.issue_key, changes=KINDS)
