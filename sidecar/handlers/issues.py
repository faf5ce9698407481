"""Issues: the scroll-paged list, one issue, the scroll-context release, edits and creation.

Business rules of `docs/frontend-contract.md` §9.1, §9.2, §9.8: default query, `me()` rewriting in
`filter.assignee`, sorted scroll pages of 100 (or the caller's `perScroll`, which the app never
sends) with a 60 s TTL, `has_more` = a scroll id came back. First pages are cached for
--cache-ttl-s while their scroll context is still alive and has not been continued.
Edits follow §5: PATCH bodies carry only the given values (passed through untouched, empty
strings included); `create_issue` trims and requires `queue` and `summary`.
"""

from __future__ import annotations

from typing import Any

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
from sidecar.handlers import convert
from sidecar.handlers.deps import Call, Deps
from sidecar.handlers.users import current_login
from sidecar.handlers.writes import present, write
from sidecar.tracker import pagination
from sidecar.tracker.client import TrackerResponse, api_path
from sidecar.tracker.models import IssueWire

FIELDS = "key,summary,description,status,priority,type,assignee,tags,followers,spent,timeSpent"
DEFAULT_QUERY = "Assignee: me() Resolution: empty()"
PER_SCROLL = 100
SCROLL_TTL_MS = 60_000
# A cached first page is served only while its scroll context can still be continued.
SCROLL_REUSE_S = SCROLL_TTL_MS / 1000 - 10
EMPTY_QUEUE = "Queue cannot be empty"
EMPTY_SUMMARY = "Summary cannot be empty"
MISSING_SCROLL_ID = (
    "invalid args `scrollId` for command `release_scroll_context`: "
    "command release_scroll_context missing required key scrollId"
)


async def get_issues(deps: Deps, params: GetIssuesParams, call: Call) -> IssuePagePayload:
    """One page of a query or filter search (the first page when no scroll id is given)."""
    body = await search_body(deps, params.query, params.filter)
    scroll_id = params.scroll() or None
    per_scroll = params.per_scroll or PER_SCROLL
    if scroll_id is not None:  # the context moves on: its first page would now skip pages
        deps.caches.issue_lists.drop_where(lambda page: page.next_scroll_id == scroll_id)
    cache_key = _cache_key(body, per_scroll) if scroll_id is None else None
    cached = _cached_page(deps, cache_key)
    if cached is not None:
        return cached
    page = await _fetch_page(deps, body, scroll_id, per_scroll)
    if cache_key is not None:
        deps.caches.issue_lists.put(cache_key, page)
    return page


async def _fetch_page(
    deps: Deps, body: dict[str, Any], scroll_id: str | None, per_scroll: int
) -> IssuePagePayload:
    scroll = await pagination.search_scroll(
        deps.tracker,
        body,
        fields=FIELDS,
        scroll_id=scroll_id,
        item_type=IssueWire,
        per_scroll=per_scroll,
        ttl_ms=SCROLL_TTL_MS,
    )
    if scroll.scroll_id is not None:
        deps.caches.scroll_tokens[scroll.scroll_id] = scroll.scroll_token or ""
    hours, keys = deps.workday_hours(), deps.keys
    return IssuePagePayload(
        issues=[convert.issue(w, hours, keys) for w in scroll.items],
        next_scroll_id=scroll.scroll_id,
        total_count=scroll.total_count,
        has_more=scroll.scroll_id is not None,
    )


def _cache_key(body: dict[str, Any], per_scroll: int) -> bytes:
    return msgspec.json.encode([body, per_scroll], order="sorted")


def _cached_page(deps: Deps, key: bytes | None) -> IssuePagePayload | None:
    if key is None:
        return None
    page = deps.caches.issue_lists.get(key)
    age = deps.caches.issue_lists.age(key)
    if page is None or (page.has_more and (age or 0) > SCROLL_REUSE_S):
        return None
    return page


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
    """Clear a scroll context on Tracker with the documented id → token body."""
    scroll_id = params.scroll()
    if scroll_id is None:
        raise InvalidInput(MISSING_SCROLL_ID)
    if not scroll_id.strip():
        return
    if _still_cached(deps, scroll_id):
        return  # a cached first page still offers this context; Tracker expires it by TTL
    token = deps.caches.scroll_tokens.pop(scroll_id, "")
    await pagination.clear_scroll(deps.tracker, {scroll_id: token})


def _still_cached(deps: Deps, scroll_id: str) -> bool:
    return any(page.next_scroll_id == scroll_id for page in deps.caches.issue_lists.values())


async def get_issue(deps: Deps, params: IssueKeyParams, call: Call) -> Issue:
    """GET /v3/issues/<key>?fields=… → Issue."""
    path = api_path("issues", params.issue_key)
    response = await deps.tracker.request("GET", path, params={"fields": FIELDS})
    return _issue(deps, response)


def _issue(deps: Deps, response: TrackerResponse) -> Issue:
    return convert.issue(response.json(IssueWire), deps.workday_hours(), deps.keys)


async def update_issue(deps: Deps, params: UpdateIssueParams, call: Call) -> None:
    """PATCH summary and/or description (both absent sends `{}`)."""
    body = present(summary=params.summary, description=params.description)
    await write(deps, "PATCH", api_path("issues", params.issue_key), json=body)


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
    await write(deps, "PATCH", path, json=extended_patch(params))


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
    return _issue(deps, response)


async def patch_issue(deps: Deps, params: PatchIssueParams, call: Call) -> Issue:
    """PATCH a raw Tracker body; `version` is the optimistic lock (a mismatch is a conflict)."""
    query = None if params.version is None else {"version": params.version}
    path = api_path("issues", params.issue_key)
    return _issue(deps, await write(deps, "PATCH", path, json=params.patch, params=query))
