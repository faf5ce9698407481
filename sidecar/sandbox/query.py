"""Issue selection: a useful subset of Tracker's query language and of `filter` maps.

Owns: turning `Assignee: me() Resolution: empty() "Sort by": Updated DESC free text` or
`{"assignee": ["me()", "bob"], "resolution": "empty()"}` into a predicate and a sort order.
Supported fields: assignee, author/createdBy, resolution, status, queue, project, priority,
type, tags, followers, key, summary; values `me()`, `empty()`, `notEmpty()`, comma lists,
quoted strings; anything else in a query is free text matched against summary and description.
Must not know: HTTP or paging.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sidecar.sandbox.errors import ApiError
from sidecar.sandbox.model import CatalogEntry, Issue
from sidecar.sandbox.state import TrackerState

Predicate = Callable[[Issue], bool]
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s:,"]+|[:,]')
_SORTS: dict[str, Callable[[Issue], Any]] = {
    "updated": lambda i: i.updated_at,
    "updatedat": lambda i: i.updated_at,
    "created": lambda i: i.created_at,
    "createdat": lambda i: i.created_at,
    "key": lambda i: (i.queue, i.number),
    "summary": lambda i: i.summary.lower(),
}


@dataclass
class Selection:
    predicates: list[Predicate]
    sort: tuple[Callable[[Issue], Any], bool] | None = None  # (key, descending)

    def apply(self, issues: list[Issue]) -> list[Issue]:
        chosen = [i for i in issues if all(p(i) for p in self.predicates)]
        chosen.sort(key=lambda i: (i.queue, i.number))
        if self.sort is not None:
            chosen.sort(key=self.sort[0], reverse=self.sort[1])
        return chosen


def from_filter(state: TrackerState, me: str, mapping: dict[str, Any], order: Any) -> Selection:
    predicates = [_field_predicate(state, me, name, _as_list(v)) for name, v in mapping.items()]
    return Selection(predicates, _order(order))


def from_query(state: TrackerState, me: str, text: str) -> Selection:
    selection = Selection([])
    words: list[str] = []
    tokens = _TOKEN.findall(text)
    pos = 0
    while pos < len(tokens):
        token = tokens[pos]
        if token in (":", ","):
            raise ApiError(400, "bad_query", detail=f"unexpected {token!r}")
        if pos + 1 < len(tokens) and tokens[pos + 1] == ":":
            pos = _clause(state, me, selection, tokens, pos)
        else:
            words.append(_unquote(token).lower())
            pos += 1
    if words:
        selection.predicates.append(_free_text(" ".join(words)))
    return selection


def _clause(state: TrackerState, me: str, sel: Selection, tokens: list[str], pos: int) -> int:
    name = _unquote(tokens[pos])
    pos += 2
    values, pos = _values(tokens, pos)
    if name.lower() == "sort by":
        descending = pos < len(tokens) and tokens[pos].upper() in ("DESC", "ASC")
        descending = descending and tokens[pos].upper() == "DESC"
        pos += 1 if pos < len(tokens) and tokens[pos].upper() in ("DESC", "ASC") else 0
        sel.sort = (_sort_key(values[0]), descending)
        return pos
    sel.predicates.append(_field_predicate(state, me, name, values, strict=True))
    return pos


def _values(tokens: list[str], pos: int) -> tuple[list[str], int]:
    if pos >= len(tokens) or tokens[pos] in (":", ","):
        raise ApiError(400, "bad_query", detail="a value is missing")
    values = [_unquote(tokens[pos])]
    pos += 1
    while pos + 1 < len(tokens) and tokens[pos] == ",":
        values.append(_unquote(tokens[pos + 1]))
        pos += 2
    return values, pos


def _unquote(token: str) -> str:
    return token[1:-1].replace('\\"', '"') if token.startswith('"') else token


def _free_text(words: str) -> Predicate:
    return lambda i: words in f"{i.summary}\n{i.description or ''}".lower()


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _order(order: Any) -> tuple[Callable[[Issue], Any], bool] | None:
    first = order[0] if isinstance(order, list) and order else order
    if not isinstance(first, str) or not first:
        return None
    return _sort_key(first.lstrip("+-")), first.startswith("-")


def _sort_key(name: str) -> Callable[[Issue], Any]:
    found = _SORTS.get(name.lower())
    if found is None:
        raise ApiError(400, "bad_query", detail=f"cannot sort by {name}")
    return found


def _field_predicate(
    state: TrackerState, me: str, name: str, wanted: list[Any], *, strict: bool = False
) -> Predicate:
    extract = _extractor(state, name)
    if extract is None:
        if strict:
            raise ApiError(400, "bad_query", detail=f"unknown field {name}")
        return lambda i: any(i.extra.get(name) == w for w in wanted)
    texts = [str(w).strip().lower() for w in wanted]
    return lambda i: _matches(extract(i), texts, me.lower())


def _matches(have: list[str], wanted: list[str], me: str) -> bool:
    for value in wanted:
        if value == "empty()" and not have:
            return True
        if value == "notempty()" and have:
            return True
        if (me if value == "me()" else value) in have:
            return True
    return False


def _extractor(state: TrackerState, name: str) -> Callable[[Issue], list[str]] | None:
    field = name.lower()
    users = ("assignee", "author", "createdby", "followers")
    if field in users:
        return lambda i: _user_names(state, _users_of(i, field))
    catalogs = {
        "status": state.statuses,
        "resolution": state.resolutions,
        "priority": state.priorities,
        "type": state.issue_types,
    }
    if field in catalogs:
        entries = catalogs[field]
        return lambda i: _entry_names(entries.get(getattr(i, field) or ""))
    others: dict[str, Callable[[Issue], list[str]]] = {
        "queue": lambda i: _queue_names(state, i.queue),
        "project": lambda i: _project_names(state, i.project),
        "tags": lambda i: [t.lower() for t in i.tags],
        "key": lambda i: [i.key.lower()],
        "summary": lambda i: [i.summary.lower()],
    }
    return others.get(field)


def _users_of(issue: Issue, field: str) -> list[str]:
    if field == "assignee":
        return [issue.assignee] if issue.assignee else []
    if field == "followers":
        return list(issue.followers)
    return [issue.created_by]


def _user_names(state: TrackerState, logins: list[str]) -> list[str]:
    names: list[str] = []
    for login in logins:
        user = state.users.get(login)
        names.append(login.lower())
        if user is not None:
            names += [str(user.uid), user.display.lower(), user.email.lower()]
    return names


def _entry_names(entry: CatalogEntry | None) -> list[str]:
    if entry is None:
        return []
    return [entry.key.lower(), str(entry.id), *(n.lower() for n in entry.names.values())]


def _queue_names(state: TrackerState, key: str) -> list[str]:
    queue = state.queues.get(key)
    return [key.lower()] + ([str(queue.id), queue.name.lower()] if queue else [])


def _project_names(state: TrackerState, project_id: int | None) -> list[str]:
    project = state.projects.get(project_id) if project_id is not None else None
    return [str(project.id), project.name.lower()] if project else []
