"""`TrackerState`: everything the sandbox Tracker knows, plus the knobs tests turn.

Owns: the collections, id allocation, lookups that raise Tracker's 404/422, the derived `spent`,
token and OAuth-grant bookkeeping, the fault script and the request log. Must not know: HTTP
routing or wire shapes. Mutate it only on the server's event-loop thread (the test fixture's
`call()` does that).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.faults import FaultScript
from sidecar.sandbox.model import (
    Attachment,
    AuthCode,
    CatalogEntry,
    ChangelogEntry,
    Comment,
    DeviceCode,
    Issue,
    Org,
    Project,
    Queue,
    ScrollContext,
    Token,
    TokenType,
    Transition,
    User,
    Worklog,
)
from sidecar.sandbox.recording import RequestLog

# Fields that survive `reset_to`: the fixture hands them out once and keeps them live.
_KEPT_ON_RESET = frozenset({"faults", "log"})


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class TrackerState:
    org: Org = field(default_factory=lambda: Org("12345"))
    users: dict[str, User] = field(default_factory=dict)  # by login
    queues: dict[str, Queue] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    statuses: dict[str, CatalogEntry] = field(default_factory=dict)
    resolutions: dict[str, CatalogEntry] = field(default_factory=dict)
    priorities: dict[str, CatalogEntry] = field(default_factory=dict)
    issue_types: dict[str, CatalogEntry] = field(default_factory=dict)
    transitions: dict[str, list[Transition]] = field(default_factory=dict)  # by status key
    issues: dict[str, Issue] = field(default_factory=dict)  # by key
    comments: dict[int, Comment] = field(default_factory=dict)
    worklogs: dict[int, Worklog] = field(default_factory=dict)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    changelog: list[ChangelogEntry] = field(default_factory=list)
    scrolls: dict[str, ScrollContext] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    oauth_clients: dict[str, str] = field(default_factory=dict)  # client_id → secret
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    refresh_tokens: dict[str, Token] = field(default_factory=dict)
    device_codes: dict[str, DeviceCode] = field(default_factory=dict)
    # Knobs: each [infer] of `docs/tracker-api.md` is a setting rather than a guess baked in.
    language: str = "en"
    honour_accept_language: bool = True
    tolerate_not_provided_org: bool = True
    issue_conflict_status: int = 409
    scroll_expired_status: int = 404  # 404, or 403 `Expired signature` as Tracker documents
    invalid_client_status: int = 401
    max_upload_bytes: int = 64 * 1024 * 1024
    page_cap: int = 10_000
    worklog_search_limit: int = 10_000
    oauth_expires_in: int = 31_536_000
    oauth_default_login: str = "alice"
    serve_ajax_inline: bool = False  # the real API host does not serve the web UI's /ajax paths
    clock: Callable[[], datetime] = _utcnow
    faults: FaultScript = field(default_factory=FaultScript)
    log: RequestLog = field(default_factory=RequestLog)
    _next_id: int = 1000

    def now(self) -> datetime:
        return self.clock()

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def reset_to(self, fresh: TrackerState) -> None:
        """Take over `fresh`'s data in place, so references to this object stay valid."""
        for f in fields(self):
            if f.name not in _KEPT_ON_RESET:
                setattr(self, f.name, getattr(fresh, f.name))
        self.faults.clear()
        self.faults.echoed.clear()  # kept by `clear()`: the secret audit reads it at teardown
        self.log.clear()

    # Lookups ------------------------------------------------------------------------------

    def issue(self, key_or_id: str) -> Issue:
        found = self.issues.get(key_or_id.upper()) or next(
            (i for i in self.issues.values() if i.id == key_or_id), None
        )
        if found is None:
            raise ApiError(404, "not_found")
        return found

    def user(self, ref: object) -> User:
        """A user by login, uid (number or digit string) or `{id|login|uid}` object → else 422."""
        found = self.find_user(ref)
        if found is None:
            raise ApiError(422, "unknown_user", login=str(ref))
        return found

    def find_user(self, ref: object) -> User | None:
        if isinstance(ref, dict):
            ref = ref.get("login") or ref.get("id") or ref.get("uid")
        if isinstance(ref, str) and ref in self.users:
            return self.users[ref]
        text = str(ref).removeprefix("login:")
        return self.users.get(text) or next(
            (u for u in self.users.values() if str(u.uid) == text), None
        )

    def comment(self, issue: Issue, ref: str) -> Comment:
        found = next(
            (
                c
                for c in self.comments.values()
                if c.issue == issue.key and ref in (str(c.id), c.long_id)
            ),
            None,
        )
        if found is None:
            raise ApiError(404, "not_found")
        return found

    def issue_comments(self, issue: Issue) -> list[Comment]:
        return sorted((c for c in self.comments.values() if c.issue == issue.key), key=_by_id)

    def issue_worklogs(self, issue: Issue) -> list[Worklog]:
        return sorted((w for w in self.worklogs.values() if w.issue == issue.key), key=_by_id)

    def issue_attachments(self, issue: Issue) -> list[Attachment]:
        return sorted((a for a in self.attachments.values() if a.issue == issue.key), key=_by_id)

    def spent(self, issue: Issue) -> int:
        """`spent` is derived, so it always equals the sum of the issue's work logs."""
        return sum(w.duration for w in self.issue_worklogs(issue))

    def next_issue_key(self, queue: str) -> str:
        numbers = [i.number for i in self.issues.values() if i.queue == queue]
        return f"{queue}-{max(numbers, default=0) + 1}"

    def expire_scrolls(self) -> int:
        """Let every open scroll context lapse now, as its TTL would; returns how many."""
        for context in self.scrolls.values():
            context.expires_at = float("-inf")
        return len(self.scrolls)

    # Tokens and OAuth grants ----------------------------------------------------------------

    def add_token(
        self,
        token: str,
        login: str,
        token_type: TokenType = "oauth",
        expires_at: datetime | None = None,
    ) -> None:
        self.tokens[token] = Token(login, token_type, expires_at)

    def valid_token(self, token: str) -> Token | None:
        found = self.tokens.get(token)
        if found is None or (found.expires_at is not None and found.expires_at <= self.now()):
            return None
        return found

    def expire_token(self, token: str) -> None:
        self.tokens[token].expires_at = self.now() - timedelta(seconds=1)

    def revoke_token(self, token: str) -> None:
        self.tokens.pop(token, None)
        self.refresh_tokens.pop(token, None)

    def issue_auth_code(self, login: str | None = None, client_id: str | None = None) -> str:
        """A one-time code, as Yandex ID would show it after the user allows access."""
        code = f"{secrets.randbelow(10**7):07d}"
        client = client_id or next(iter(self.oauth_clients), "")
        expiry = self.now() + timedelta(minutes=10)
        self.auth_codes[code] = AuthCode(login or self.oauth_default_login, client, expiry)
        return code

    def issue_device_code(self, client_id: str) -> tuple[str, DeviceCode]:
        code = secrets.token_hex(16)
        user_code = secrets.token_hex(4).upper()
        grant = DeviceCode(client_id, user_code, self.now() + timedelta(minutes=10))
        self.device_codes[code] = grant
        return code, grant

    def confirm_device_code(self, user_code: str, login: str | None = None) -> None:
        for grant in self.device_codes.values():
            if grant.user_code == user_code:
                grant.login = login or self.oauth_default_login

    def mint_tokens(self, login: str, client_id: str) -> tuple[str, str]:
        """A new access token (registered for the API) and a new refresh token."""
        access = "y0_" + secrets.token_urlsafe(32)
        refresh = "1:" + secrets.token_urlsafe(32)
        expiry = self.now() + timedelta(seconds=self.oauth_expires_in)
        self.tokens[access] = Token(login, "oauth", expiry, client_id)
        self.refresh_tokens[refresh] = Token(login, "oauth", None, client_id)
        return access, refresh


def _by_id(item: Comment | Worklog | Attachment) -> int:
    return item.id
