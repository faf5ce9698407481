"""Issues: the list page, one issue, edits, creation, and the shared entity shapes."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from sidecar.api.base import Dto, Params


class SimpleEntity(Dto):
    """A catalog entry or field reference: both values are always non-null strings."""

    key: str
    display: str


class Status(SimpleEntity):
    """An issue's status (`{key:"unknown", display:"Unknown"}` when unusable)."""


class Priority(SimpleEntity):
    """An issue's priority (same fallback as Status)."""


class Issue(Dto):
    key: str
    summary: str
    description: str
    status: Status
    priority: Priority
    issue_type: SimpleEntity | None
    assignee: SimpleEntity | None
    tags: list[str]
    followers: list[SimpleEntity]
    tracked_seconds: int | None


class IssuePagePayload(Dto):
    """Result of `get_issues`: one page; `next_scroll_id` is the sidecar's opaque cursor (it
    outlives Tracker's scroll), and `has_more` means one came back."""

    issues: list[Issue]
    next_scroll_id: str | None
    total_count: int | None
    has_more: bool


# Issues per page of a new search (default 100; later pages keep it). For callers other than
# the app, which never sends it: a bulk reader asks for 1,000 and needs a tenth of the requests.
PerScroll = Annotated[int, msgspec.Meta(ge=1, le=1000)]


class GetIssuesParams(Params):
    """Accepts both `scroll_id` (what the frontend sends) and `scrollId` (what Tauri read)."""

    query: str | None = None
    filter: Any = None
    scroll_id: str | None = msgspec.field(default=None, name="scroll_id")
    scroll_id_camel: str | None = msgspec.field(default=None, name="scrollId")
    per_scroll: PerScroll | None = None

    def scroll(self) -> str | None:
        return self.scroll_id_camel or self.scroll_id


class ReleaseScrollParams(Params):
    scroll_id: str | None = msgspec.field(default=None, name="scroll_id")
    scroll_id_camel: str | None = msgspec.field(default=None, name="scrollId")

    def scroll(self) -> str | None:
        return self.scroll_id_camel if self.scroll_id_camel is not None else self.scroll_id


class IssueKeyParams(Params):
    issue_key: str


class UpdateIssueParams(Params):
    issue_key: str
    summary: str | None = None
    description: str | None = None


class UpdateIssueExtendedParams(Params):
    issue_key: str
    summary: str | None = None
    description: str | None = None
    priority: str | None = None
    issue_type: str | None = None
    assignee: str | None = None
    tags_add: list[str] | None = None
    tags_remove: list[str] | None = None
    followers_add: list[str] | None = None
    followers_remove: list[str] | None = None


class CreateIssueParams(Params):
    queue: str
    summary: str
    description: str | None = None
    issue_type: str | None = None
    priority: str | None = None
    assignee: str | None = None
    project: str | None = None
    attachment_ids: list[int] | None = None


class PatchIssueParams(Params):
    """Extra method: a Tracker PATCH body passed through; `version` is the optimistic lock."""

    issue_key: str
    patch: dict[str, Any]
    version: int | None = None
