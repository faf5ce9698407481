"""Issues: the scroll-paged list, one issue, the scroll-context release, edits and creation.

Business rules of `docs/frontend-contract.md` §9.1, §9.2, §9.8: default query, `me()` rewriting in
`filter.assignee`, sorted scroll pages of 100 (or the caller's `perScroll`, which the app never
sends), `has_more` = a cursor came back. The list policy (protocol/README.md): identical
first-page calls in flight share one search; a first page is reused for --cache-fresh-s and kept
as the last good page for --cache-ttl-s (`deps.caches.issue_lists.last_good(list_key(...))`);
writes end the window at once. The disk cache keeps each first page too (`StoredList`): after
a restart it answers inside the same freshness window, and whatever its age when Tracker cannot
be reached (after the last good page in memory), with `cache/stale`. `next_scroll_id` is the
sidecar's own cursor (`scrolls.py`), so Load more survives Tracker forgetting the scroll, and a
page read back from disk continues in page mode.
Edits follow §5: PATCH bodies carry only the given values (passed through untouched, empty
strings included); `create_issue` trims and requires `queue` and `summary`.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import msgspec

from sidecar.api.issues import (
    CreateIssueParams,
    GetIssuesParams,
    Issue,
    IssueKeyParams,
    IssuePagePayload,
    PatchIssueParams,
    ReleaseScrollParams,
    UpdateIssueExtendedParams,
    UpdateIssueParams,
)
from sidecar.errors import InvalidInput
from sidecar.handlers import convert, scrolls
from sidecar.handlers.caches import ListEntry
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.kept import ISSUE, LIST_PREFIX, Mark, Stored, entry_key, unreachable
from sidecar.handlers.users import current_login
from sidecar.handlers.writes import present, write
from sidecar.tracker import pagination
from sidecar.tracker.client import TrackerResponse, api_path
from sidecar.tracker.errors import TrackerError
from sidecar.tracker.models import IssueWire

FIELDS = "key,summary,description,status,priority,type,assignee,tags,followers,spent,timeSpent"
DEFAULT_QUERY = "Assignee: me() Resolution: empty()"
PER_SCROLL = 100
EDITED = (ISSUE,)  # what an edit changes in the disk cache (the lists go stale anyway)
EMPTY_QUEUE = "Queue cannot be empty"
EMPTY_SUMMARY = "Summary cannot be empty"
MISSING_SCROLL_ID = (
    "invalid args `scrollId` for command `release_scroll_context`: "
    "command release_scroll_context missing required key scrollId"
)


class StoredList(msgspec.Struct, frozen=True):
    """A first page as the disk cache keeps it: the page (no cursor) and the search behind it."""

    page: IssuePagePayload
    body: dict[str, Any]
    per_scroll: int


async def get_issues(deps: Deps, params: GetIssuesParams, call: Call) -> IssuePagePayload:
    """One page of a query or filter search (the first page when no scroll id is given)."""
    cursor = params.scroll() or None
    if cursor is not None:
        with deps.kept.watching():  # no stored answer to fall back on: retried as ever
            return await _load_more(deps, cursor)
    since = deps.session.generation  # what this request finds is kept for this session only
    with deps.kept.reading():
        body = await search_body(deps, params.query, params.filter)
    per_scroll = params.per_scroll or PER_SCROLL
    wanted = _Wanted(list_key(body, per_scroll), body, per_scroll, params)
    try:
        with deps.kept.reading():
            entry = await _first_page(deps, wanted, since)
    except TrackerError as exc:
        found = await _offline_page(deps, call, wanted, exc)
        if found is None:
            raise
        entry = found
    deps.kept.first_list_answered()
    return _served(deps, entry)


def list_key(body: dict[str, Any], per_scroll: int) -> bytes:
    """What makes two first-page calls identical: the search body and the page size."""
    return msgspec.json.encode([body, per_scroll], order="sorted")


class _Wanted(NamedTuple):
    """A first page asked for: its key in memory, its search, and how the disk keeps it."""

    key: bytes
    body: dict[str, Any]
    per_scroll: int
    params: GetIssuesParams

    @property
    def stored(self) -> Stored[StoredList]:
        name = LIST_PREFIX + hashlib.sha256(self.key).hexdigest()[:32]
        return Stored("get_issues", self.params, name, StoredList)


async def _first_page(deps: Deps, wanted: _Wanted, since: int) -> ListEntry:
    caches = deps.caches
    fresh = caches.issue_lists.fresh(wanted.key)
    if fresh is not None:
        return fresh
    hit = await deps.kept.fresh(wanted.stored, caches.issue_lists.fresh_s)
    if hit is not None:  # after a restart, inside the same window
        entry = _entry_of(deps, wanted.key, hit.value)
        caches.issue_lists.put(wanted.key, entry, since=since, age_s=hit.age_s)
        return entry
    marks = (caches.list_generation, since)
    kept_mark = deps.kept.mark()
    return await caches.list_calls.run(
        (wanted.key, marks), lambda: _search(deps, wanted, marks, kept_mark)
    )


async def _search(
    deps: Deps, wanted: _Wanted, marks: tuple[int, int], kept_mark: Mark
) -> ListEntry:
    search, rows = await scrolls.open_search(
        deps.tracker, wanted.key, wanted.body, wanted.per_scroll, fields=FIELDS, item_type=IssueWire
    )
    page = await _payload(deps, rows, None)
    current = marks[1] == deps.session.generation  # else: an answer for the previous session
    entry = ListEntry(page, search if rows.has_more and current else None)
    if entry.search is not None:
        deps.caches.searches.open(entry.search)
    if marks[0] == deps.caches.list_generation:  # no write meanwhile
        deps.caches.issue_lists.put(wanted.key, entry, since=marks[1])
        if deps.caches.issue_lists.keep_s > 0:
            saved = StoredList(entry.page, wanted.body, wanted.per_scroll)
            deps.kept.store(wanted.stored, saved, kept_mark)
    return entry


def _entry_of(deps: Deps, key: bytes, saved: StoredList) -> ListEntry:
    """A page read back from disk; Load more re-opens its search in page mode after it."""
    if not saved.page.has_more:
        return ListEntry(saved.page, None)
    total = saved.page.total_count
    search = scrolls.Search(
        key, saved.body, saved.per_scroll, total, position=len(saved.page.issues)
    )
    deps.caches.searches.open(search)
    return ListEntry(saved.page, search)


async def _offline_page(
    deps: Deps, call: Call, wanted: _Wanted, exc: TrackerError
) -> ListEntry | None:
    """Tracker cannot be reached: the last good page in memory, else the one on disk."""
    if not unreachable(exc):
        return None
    last = deps.caches.issue_lists.last_good(wanted.key)
    if last is not None:
        deps.kept.answered_stale(call, wanted.stored, last[1])
        return last[0]
    hit = await deps.kept.offline(call, wanted.stored, exc)
    return None if hit is None else _entry_of(deps, wanted.key, hit.value)


def _served(deps: Deps, entry: ListEntry) -> IssuePagePayload:
    if entry.search is None:
        return entry.page
    cursor = deps.caches.searches.cursor(entry.search, len(entry.page.issues))
    return msgspec.structs.replace(entry.page, next_scroll_id=cursor)


async def _load_more(deps: Deps, cursor: str) -> IssuePagePayload:
    search, offset = deps.caches.searches.find(cursor)
    rows = await scrolls.rows_after(
        deps.tracker, search, offset, fields=FIELDS, item_type=IssueWire
    )
    following = offset + len(rows.items)
    next_id = deps.caches.searches.cursor(search, following) if rows.has_more else None
    return await _payload(deps, rows, next_id)


async def _payload(
    deps: Deps, rows: scrolls.Rows[IssueWire], next_id: str | None
) -> IssuePagePayload:
    hours, keys = await deps.workday_hours(), deps.keys
    return IssuePagePayload(
        issues=[convert.issue(w, hours, keys) for w in rows.items],
        next_scroll_id=next_id,
        total_count=rows.total,
        has_more=rows.has_more,
    )


async def search_body(deps: Deps, query: str | None, filter_: Any) -> dict[str, Any]:
    """`{query}` and/or `{filter}`; the default query when neither is usable."""
    text = (query or "").strip() or None
    filter_map = filter_ if isinstance(filter_, dict) and filter_ else None
    if text is None and filter_map is None:
        return {"query": DEFAULT_QUERY}
    body: dict[str, Any] = {}
    if text is not None:
        body["query"] = text
    if filter_map is not None:
        body["filter"] = await rewrite_me(deps, filter_map)
    return body


def _is_me(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() == "me()"


async def rewrite_me(deps: Deps, filter_map: dict[str, Any]) -> dict[str, Any]:
    """`me()` in `filter.assignee` (string or list) becomes the login; lists are de-duplicated."""
    assignee = filter_map.get("assignee")
    values = assignee if isinstance(assignee, list) else [assignee]
    if not any(_is_me(v) for v in values):
        return filter_map
    login = await current_login(deps)
    if not isinstance(assignee, list):
        return {**filter_map, "assignee": login}
    replaced = [login if _is_me(v) else v for v in assignee]
    return {**filter_map, "assignee": _dedupe(replaced)}


def _dedupe(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


async def release_scroll_context(deps: Deps, params: ReleaseScrollParams, call: Call) -> None:
    """Drop the search a cursor continues and clear its scroll on Tracker (id → token body)."""
    scroll_id = params.scroll()
    if scroll_id is None:
        raise InvalidInput(MISSING_SCROLL_ID)
    search = deps.caches.searches.release(scroll_id)
    if search is None:
        return
    async with search.lock:  # a Load more still running on it finishes first
        if _offered_fresh(deps, search):
            return
        tokens = search.take_scroll()
    if tokens:
        await pagination.clear_scroll(deps.tracker, tokens)


def _offered_fresh(deps: Deps, search: scrolls.Search) -> bool:
    """A fresh cached first page still offers this scroll where it stands, so a Refresh inside
    the window continues it; left alone, Tracker expires it by its TTL."""
    return any(
        entry.search is search and search.position == len(entry.page.issues)
        for entry in deps.caches.issue_lists.fresh_values()
    )


async def get_issue(deps: Deps, params: IssueKeyParams, call: Call) -> Issue:
    """GET /v3/issues/<key>?fields=… → Issue."""

    async def load() -> Issue:
        path = api_path("issues", params.issue_key)
        return await _issue(
            deps, await deps.tracker.request("GET", path, params={"fields": FIELDS})
        )

    stored = Stored("get_issue", params, entry_key(ISSUE, params.issue_key), Issue)
    return await deps.kept.read(call, stored, load)


async def _issue(deps: Deps, response: TrackerResponse) -> Issue:
    return convert.issue(response.json(IssueWire), await deps.workday_hours(), deps.keys)


async def update_issue(deps: Deps, params: UpdateIssueParams, call: Call) -> None:
    """PATCH summary and/or description (both absent sends `{}`)."""
    body = present(summary=params.summary, description=params.description)
    path = api_path("issues", params.issue_key)
    await write(deps, "PATCH", path, json=body, issue=params.issue_key, changes=EDITED)


def _list_change(add: list[str] | None, remove: list[str] | None) -> dict[str, Any] | None:
    return present(add=add, remove=remove) or None


def extended_patch(params: UpdateIssueExtendedParams) -> dict[str, Any]:
    """The PATCH body of `update_issue_extended` (`docs/frontend-contract.md` §5)."""
    return present(
        summary=params.summary,
        description=params.description,
        priority=None if params.priority is None else {"key": params.priority},
        type=None if params.issue_type is None else {"key": params.issue_type},
        assignee=params.assignee,
        tags=_list_change(params.tags_add, params.tags_remove),
        followers=_list_change(params.followers_add, params.followers_remove),
    )


async def update_issue_extended(deps: Deps, params: UpdateIssueExtendedParams, call: Call) -> None:
    """PATCH the detail pane's fields: text, priority, type, assignee, tags, followers."""
    path = api_path("issues", params.issue_key)
    await write(
        deps, "PATCH", path, json=extended_patch(params), issue=params.issue_key, changes=EDITED
    )


def create_body(params: CreateIssueParams) -> dict[str, Any]:
    """The POST body of `create_issue`; raises the backend's messages for a blank queue/summary."""
    queue, summary = params.queue.strip(), params.summary.strip()
    if not queue:
        raise InvalidInput(EMPTY_QUEUE)
    if not summary:
        raise InvalidInput(EMPTY_SUMMARY)
    return {
        "queue": queue,
        "summary": summary,
        **present(
            description=params.description,
            type=params.issue_type,
            priority=params.priority,
            assignee=params.assignee,
            project=params.project,
            attachmentIds=params.attachment_ids,
        ),
    }


async def create_issue(deps: Deps, params: CreateIssueParams, call: Call) -> Issue:
    """POST a new issue → the created Issue."""
    response = await write(deps, "POST", api_path("issues"), json=create_body(params))
    return await _issue(deps, response)


async def patch_issue(deps: Deps, params: PatchIssueParams, call: Call) -> Issue:
    """PATCH a raw Tracker body; `version` is the optimistic lock (a mismatch is a conflict)."""
    query = None if params.version is None else {"version": params.version}
    path = api_path("issues", params.issue_key)
    response = await write(
        deps, "PATCH", path, json=params.patch, params=query, issue=params.issue_key, changes=EDITED
    )
    return await _issue(deps, response)
