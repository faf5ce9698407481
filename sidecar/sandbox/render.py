"""Wire shapes: stored records → the JSON Tracker sends, with absolute links on the caller's host.

Owns: reference objects (`{self, id, key?, display}`), users, catalog entries, issues (with
`fields`/`expand`), comments, attachments, work logs, checklist items, transitions. Must not
know: HTTP handling or mutation; everything here is a pure function of `Ctx` and records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import quote

from sidecar.sandbox.context import Ctx
from sidecar.sandbox.model import (
    Attachment,
    CatalogEntry,
    ChecklistItem,
    Comment,
    Issue,
    Names,
    Project,
    Queue,
    Transition,
    User,
    Worklog,
)
from sidecar.sandbox.timeutil import format_duration, format_ts

_ALWAYS = ("self", "id", "key")


def pick(c: Ctx, names: Names | str) -> str:
    if isinstance(names, str):
        return names
    return names.get(c.lang) or names.get("en") or next(iter(names.values()), "")


def user_ref(c: Ctx, login: str) -> dict[str, Any]:
    user = c.state.users.get(login)
    if user is None:
        return {"self": f"{c.api}/users/{login}", "id": login, "display": login}
    ref: dict[str, Any] = {"self": f"{c.api}/users/{user.uid}", "id": str(user.uid)}
    ref["display"] = user.display
    if c.state.org.type == "cloud":
        ref |= {"cloudUid": user.cloud_uid or f"aje{user.uid}", "passportUid": user.uid}
    return ref


def user_full(c: Ctx, user: User) -> dict[str, Any]:
    body: dict[str, Any] = {
        "self": f"{c.api}/users/{user.uid}",
        "uid": user.uid,
        "login": user.login,
        "trackerUid": user.uid,
        "passportUid": user.uid,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "display": user.display,
        "email": user.email,
        "external": False,
        "hasLicense": user.has_license,
        "dismissed": user.dismissed,
        "useNewFilters": True,
        "disableNotifications": False,
    }
    if c.state.org.type == "cloud":
        body["cloudUid"] = user.cloud_uid or f"aje{user.uid}"
    return body


def catalog_ref(c: Ctx, kind: str, entry: CatalogEntry) -> dict[str, Any]:
    return {
        "self": f"{c.api}/{kind}/{entry.id}",
        "id": str(entry.id),
        "key": entry.key,
        "display": pick(c, entry.names),
    }


def catalog_entry(c: Ctx, kind: str, entry: CatalogEntry, *, localized: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "self": f"{c.api}/{kind}/{entry.id}",
        "id": entry.id,
        "key": entry.key,
        "version": 1,
        "name": pick(c, entry.names) if localized else dict(entry.names),
        "order": entry.order,
    }
    if kind != "priorities":
        body["description"] = entry.description
    if kind == "statuses" and entry.status_type is not None:
        body["type"] = entry.status_type
    return body


def queue_ref(c: Ctx, queue: Queue) -> dict[str, Any]:
    return {
        "self": f"{c.api}/queues/{queue.key}",
        "id": str(queue.id),
        "key": queue.key,
        "display": queue.name,
    }


def queue_full(c: Ctx, queue: Queue, expand: Iterable[str] = ()) -> dict[str, Any]:
    st = c.state
    body: dict[str, Any] = {
        "self": f"{c.api}/queues/{queue.key}",
        "id": queue.id,
        "key": queue.key,
        "version": 1,
        "name": queue.name,
        "description": queue.description,
        "lead": user_ref(c, queue.lead),
        "assignAuto": False,
        "defaultType": catalog_ref(c, "issuetypes", st.issue_types[queue.default_type]),
        "defaultPriority": catalog_ref(c, "priorities", st.priorities[queue.default_priority]),
        "denyVoting": False,
    }
    if {"all", "issueTypesConfig"} & set(expand):
        body["issueTypesConfig"] = [_type_config(c, queue, t) for t in queue.issue_types]
    return body


def _type_config(c: Ctx, queue: Queue, type_key: str) -> dict[str, Any]:
    st = c.state
    return {
        "issueType": catalog_ref(c, "issuetypes", st.issue_types[type_key]),
        "workflow": {"self": f"{c.api}/workflows/{queue.key.lower()}", "id": queue.key.lower()},
        "resolutions": [
            catalog_ref(c, "resolutions", st.resolutions[r]) for r in queue.resolutions
        ],
    }


def project_ref(c: Ctx, project: Project) -> dict[str, Any]:
    return {
        "self": f"{c.api}/projects/{project.id}",
        "id": str(project.id),
        "display": project.name,
    }


def project_full(c: Ctx, project: Project) -> dict[str, Any]:
    return {
        "self": f"{c.api}/projects/{project.id}",
        "id": project.id,
        "version": 1,
        "key": project.name,
        "name": project.name,
        "description": project.description,
        "lead": user_ref(c, project.lead),
        "status": project.status,
        "queues": [queue_ref(c, c.state.queues[q]) for q in project.queues if q in c.state.queues],
    }


def issue_ref(c: Ctx, issue: Issue) -> dict[str, Any]:
    return {
        "self": f"{c.api}/issues/{issue.key}",
        "id": issue.id,
        "key": issue.key,
        "display": issue.summary,
    }


def issue_full(
    c: Ctx, issue: Issue, fields: Iterable[str] = (), expand: Iterable[str] = ()
) -> dict[str, Any]:
    body = _issue_body(c, issue)
    expanded = set(expand)
    if "transitions" in expanded:
        body["transitions"] = [transition(c, issue, t) for t in _transitions(c, issue)]
    if "attachments" in expanded:
        body["attachments"] = [attachment(c, a) for a in c.state.issue_attachments(issue)]
    for name, value in issue.overrides.items():
        body.pop(name, None) if value is None else body.__setitem__(name, value)
    wanted = set(fields)
    if wanted:
        body = {k: v for k, v in body.items() if k in wanted or k in _ALWAYS}
    return body


def _issue_body(c: Ctx, issue: Issue) -> dict[str, Any]:
    st = c.state
    body: dict[str, Any] = {
        "self": f"{c.api}/issues/{issue.key}",
        "id": issue.id,
        "key": issue.key,
        "version": issue.version,
        "summary": issue.summary,
        "queue": queue_ref(c, st.queues[issue.queue]),
        "type": catalog_ref(c, "issuetypes", st.issue_types[issue.type]),
        "priority": catalog_ref(c, "priorities", st.priorities[issue.priority]),
        "createdBy": user_ref(c, issue.created_by),
        "updatedBy": user_ref(c, issue.updated_by or issue.created_by),
        "createdAt": format_ts(issue.created_at),
        "updatedAt": format_ts(issue.updated_at),
        "followers": [user_ref(c, f) for f in issue.followers],
        "tags": list(issue.tags),
        "votes": 0,
        "favorite": False,
        "commentWithoutExternalMessageCount": len(st.issue_comments(issue)),
        "commentWithExternalMessageCount": 0,
    }
    body.update(_optional_members(c, issue))
    body.update(checklist_summary(c, issue))
    body.update(issue.extra)
    return body


def _optional_members(c: Ctx, issue: Issue) -> dict[str, Any]:
    st = c.state
    members: dict[str, Any] = {}
    if issue.description is not None:
        members["description"] = issue.description
    if issue.status is not None:
        members["status"] = catalog_ref(c, "statuses", st.statuses[issue.status])
        members["statusStartTime"] = format_ts(issue.status_start_time or issue.created_at)
    if issue.resolution is not None:
        members["resolution"] = catalog_ref(c, "resolutions", st.resolutions[issue.resolution])
    if issue.resolved_at is not None:
        members["resolvedAt"] = format_ts(issue.resolved_at)
    if issue.assignee is not None:
        members["assignee"] = user_ref(c, issue.assignee)
    if issue.project is not None and issue.project in st.projects:
        members["project"] = project_ref(c, st.projects[issue.project])
    if issue.parent is not None and issue.parent in st.issues:
        members["parent"] = issue_ref(c, st.issues[issue.parent])
    members.update(_effort(c, issue))
    if issue.unique is not None:
        members["unique"] = issue.unique
    return members


def _effort(c: Ctx, issue: Issue) -> dict[str, Any]:
    members: dict[str, Any] = {}
    spent = c.state.spent(issue)
    if spent:
        members["spent"] = format_duration(spent)
    if issue.estimation is not None:
        members["estimation"] = format_duration(issue.estimation)
    if issue.deadline is not None:
        members["deadline"] = issue.deadline.isoformat()
    if issue.story_points is not None:
        members["storyPoints"] = issue.story_points
    return members


def checklist_summary(c: Ctx, issue: Issue) -> dict[str, Any]:
    if not issue.checklist:
        return {}
    return {
        "checklistItems": [checklist_item(c, item) for item in issue.checklist],
        "checklistDone": sum(item.checked for item in issue.checklist),
        "checklistTotal": len(issue.checklist),
    }


def checklist_item(c: Ctx, item: ChecklistItem) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": item.id,
        "text": item.text,
        "textHtml": item.text,
        "checked": item.checked,
        "checklistItemType": "standard",
    }
    user = c.state.users.get(item.assignee or "")
    if user is not None:
        body["assignee"] = _checklist_assignee(user)
    if item.deadline is not None:
        body["deadline"] = _deadline(c, item)
    return body


def _checklist_assignee(user: User) -> dict[str, Any]:
    # Checklist assignees are fuller than ordinary refs (`docs/tracker-api.md` §1.14).
    return {
        "id": user.uid,
        "display": user.display,
        "passportUid": user.uid,
        "login": user.login,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "trackerUid": user.uid,
    }


def _deadline(c: Ctx, item: ChecklistItem) -> dict[str, Any]:
    day: date = item.deadline  # type: ignore[assignment]
    return {
        "date": f"{day.isoformat()}T00:00:00.000+0000",
        "deadlineType": item.deadline_type,
        "isExceeded": not item.checked and day < c.state.now().date(),
    }


def _transitions(c: Ctx, issue: Issue) -> list[Transition]:
    return c.state.transitions.get(issue.status or "", [])


def transition(c: Ctx, issue: Issue, t: Transition) -> dict[str, Any]:
    return {
        "id": t.id,
        "self": f"{c.api}/issues/{issue.key}/transitions/{t.id}",
        "display": pick(c, t.names),
        "to": catalog_ref(c, "statuses", c.state.statuses[t.to]),
    }


def comment(c: Ctx, item: Comment, expand: Iterable[str] = ()) -> dict[str, Any]:
    wanted = set(expand)
    body: dict[str, Any] = {
        "self": f"{c.api}/issues/{item.issue}/comments/{item.id}",
        "id": item.id,
        "longId": item.long_id,
        "text": item.text,
        "createdBy": user_ref(c, item.created_by),
        "updatedBy": user_ref(c, item.updated_by or item.created_by),
        "createdAt": format_ts(item.created_at),
        "updatedAt": format_ts(item.updated_at),
        "version": item.version,
        "type": "standard",
        "transport": "internal",
        "summonees": [user_ref(c, login) for login in item.summonees],
        "reactionsCount": {},
    }
    if wanted & {"html", "all"}:
        body["textHtml"] = f"<p>{item.text}</p>\n"
    if wanted & {"attachments", "all"}:
        body["attachments"] = [_attachment_ref(c, a) for a in item.attachments]
    return body


def _attachment_ref(c: Ctx, attachment_id: int) -> dict[str, Any]:
    found = c.state.attachments.get(attachment_id)
    name = found.name if found else str(attachment_id)
    home = f"issues/{found.issue}/" if found and found.issue else ""
    return {
        "self": f"{c.api}/{home}attachments/{attachment_id}",
        "id": str(attachment_id),
        "display": name,
    }


def attachment(c: Ctx, item: Attachment) -> dict[str, Any]:
    home = f"{c.api}/issues/{item.issue}" if item.issue else c.api
    body: dict[str, Any] = {
        "self": f"{home}/attachments/{item.id}",
        "id": str(item.id),
        "name": item.name,
        "content": f"{home}/attachments/{item.id}/{quote(item.name)}",
        "createdBy": user_ref(c, item.created_by),
        "createdAt": format_ts(item.created_at),
        "mimetype": item.mimetype,
        "size": len(item.data),
    }
    if item.is_image:
        body["thumbnail"] = f"{home}/thumbnails/{item.id}"
    if item.image_size is not None:
        body["metadata"] = {"size": f"{item.image_size[0]}x{item.image_size[1]}"}
    return body


def worklog(c: Ctx, item: Worklog) -> dict[str, Any]:
    issue = c.state.issues.get(item.issue)
    return {
        "self": f"{c.api}/issues/{item.issue}/worklog/{item.id}",
        "id": item.id,
        "version": item.version,
        "issue": issue_ref(c, issue) if issue else {"key": item.issue},
        "comment": item.comment,
        "createdBy": user_ref(c, item.created_by),
        "updatedBy": user_ref(c, item.created_by),
        "createdAt": format_ts(item.created_at),
        "updatedAt": format_ts(item.updated_at),
        "start": format_ts(item.start),
        "duration": format_duration(item.duration),
    }
