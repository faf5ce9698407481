"""The sandbox Tracker's stored records: plain mutable dataclasses, no behaviour beyond defaults.

Owns: what the fake remembers about users, catalogs, issues and their children, tokens and
OAuth grants. Must not know: HTTP, URLs or the wire shapes (see `render.py`), nor any seed data.
Localised names are `{"en": ..., "ru": ...}` dicts; the renderer picks a language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

OrgType = Literal["yandex360", "cloud"]
TokenType = Literal["oauth", "iam"]
Names = dict[str, str]


@dataclass
class Org:
    id: str
    type: OrgType = "yandex360"


@dataclass
class User:
    uid: int
    login: str
    first_name: str
    last_name: str
    email: str
    cloud_uid: str | None = None
    dismissed: bool = False
    has_license: bool = True

    @property
    def display(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class CatalogEntry:
    """A status, resolution, priority or issue type: the four dictionaries share one shape."""

    id: int
    key: str
    names: Names
    order: int = 0
    description: str = ""
    status_type: str | None = None  # statuses only; custom statuses may have none


@dataclass
class Queue:
    id: int
    key: str
    name: str
    lead: str
    description: str = ""
    default_type: str = "task"
    default_priority: str = "normal"
    issue_types: list[str] = field(default_factory=lambda: ["bug", "task"])
    resolutions: list[str] = field(default_factory=lambda: ["fixed", "wontFix"])


@dataclass
class Project:
    id: int
    name: str
    lead: str
    status: str = "IN_PROGRESS"
    queues: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class Transition:
    id: str
    names: Names
    to: str  # status key


@dataclass
class ChecklistItem:
    id: str
    text: str
    checked: bool = False
    assignee: str | None = None
    deadline: date | None = None
    deadline_type: str = "date"


@dataclass
class Issue:
    id: str
    key: str
    queue: str
    summary: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    type: str = "task"
    priority: str = "normal"
    status: str | None = "open"
    resolution: str | None = None
    assignee: str | None = None
    updated_by: str | None = None
    description: str | None = None
    version: int = 1
    tags: list[str] = field(default_factory=list)
    followers: list[str] = field(default_factory=list)
    project: int | None = None
    parent: str | None = None
    deadline: date | None = None
    estimation: int | None = None  # working seconds
    story_points: float | None = None
    unique: str | None = None
    status_start_time: datetime | None = None
    resolved_at: datetime | None = None
    checklist: list[ChecklistItem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # custom and `<queueId>--key` fields
    # Raw wire members that replace rendered ones (None deletes): odd payloads for tests.
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])


@dataclass
class Comment:
    id: int
    long_id: str
    issue: str
    text: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    attachments: list[int] = field(default_factory=list)
    summonees: list[str] = field(default_factory=list)
    updated_by: str | None = None


@dataclass
class Worklog:
    id: int
    issue: str
    start: datetime
    duration: int  # working seconds
    created_by: str
    created_at: datetime
    updated_at: datetime
    comment: str = ""
    version: int = 1


@dataclass
class Attachment:
    id: int
    name: str
    mimetype: str
    data: bytes
    created_by: str
    created_at: datetime
    issue: str | None = None  # None while a temporary upload waits for `attachmentIds`
    comment: int | None = None
    image_size: tuple[int, int] | None = None

    @property
    def is_image(self) -> bool:
        return self.mimetype.startswith("image/")


@dataclass
class Token:
    login: str
    token_type: TokenType = "oauth"
    expires_at: datetime | None = None
    client_id: str | None = None


@dataclass
class AuthCode:
    login: str
    client_id: str
    expires_at: datetime


@dataclass
class DeviceCode:
    client_id: str
    user_code: str
    expires_at: datetime
    login: str | None = None  # set once the user "confirms" in the browser
    denied: bool = False


@dataclass
class ScrollContext:
    keys: list[str]  # the snapshot: membership and order frozen at the first request
    per_scroll: int
    expires_at: float  # time.monotonic() deadline
    position: int = 0
    tokens: list[str] = field(default_factory=list)


@dataclass
class ChangelogEntry:
    id: int  # rendered as 24 hex digits: the cursor is opaque to clients
    issue: str
    type: str  # IssueCreated, IssueUpdated, IssueWorkflow
    at: datetime
    by: str
    fields: list[dict[str, Any]] = field(default_factory=list)  # wire-ready {field, from, to}
