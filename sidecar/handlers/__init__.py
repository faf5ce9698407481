"""The method table: every method name and the handler that serves it.

Handlers are `async def name(deps, params, call) -> result`; the params and result types are
read from their annotations, so this table plus `sidecar/api` is the whole contract. The table
names each handler as `module.function` under this package, so reading it imports no handler:
most of them pull in the Tracker client, which loads after `ready` (`sidecar/app.py`).
Must not know: the wire (the app binds `deps` and registers each entry with the rpc router).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, get_type_hints

import msgspec

from sidecar.handlers.deps import Call, Deps

Handler = Callable[[Deps, Any, Call], Awaitable[Any]]

COMMANDS: dict[str, str] = {
    "ping": "system.ping",
    "version": "system.version",
    "cache/clear": "system.cache_clear",
    # sign-in
    "get_client_credentials_info": "auth.get_client_credentials_info",
    "has_session": "auth.has_session",
    "exchange_code": "auth.exchange_code",
    "login_with_token": "auth.login_with_token",
    "logout": "auth.logout",
    "get_current_user": "users.get_current_user",
    # local state
    "get_config": "local.get_config",
    "save_config": "local.save_config",
    "start_timer": "local.start_timer",
    "stop_timer": "local.stop_timer",
    "get_timer_state": "local.get_timer_state",
    # the tray (the old app's native menu and notifications)
    "get_tray_state": "tray.get_tray_state",
    "tray_refresh": "tray.tray_refresh",
    "tray_start_timer": "tray.tray_start_timer",
    "tray_stop_timer": "tray.tray_stop_timer",
    # issues
    "get_issues": "issues.get_issues",
    "release_scroll_context": "issues.release_scroll_context",
    "get_issue": "issues.get_issue",
    "update_issue": "issues.update_issue",
    "update_issue_extended": "issues.update_issue_extended",
    "create_issue": "issues.create_issue",
    "patch_issue": "issues.patch_issue",
    # comments
    "get_comments": "comments.get_comments",
    "add_comment": "comments.add_comment",
    "update_comment": "comments.update_comment",
    "delete_comment": "comments.delete_comment",
    # work
    "get_issue_worklogs": "worklogs.get_issue_worklogs",
    "log_work": "worklogs.log_work",
    "get_today_logged_seconds_for_issues": "worklogs.get_today_logged_seconds_for_issues",
    # attachments
    "get_attachments": "attachments.get_attachments",
    "download_attachment": "attachments.download_attachment",
    "preview_attachment": "attachments.preview_attachment",
    "preview_inline_image": "attachments.preview_inline_image",
    "upload_attachment": "attachments.upload_attachment",
    "upload_temp_attachment": "attachments.upload_temp_attachment",
    # checklists
    "get_checklist": "checklists.get_checklist",
    "add_checklist_item": "checklists.add_checklist_item",
    "edit_checklist_item": "checklists.edit_checklist_item",
    "delete_checklist": "checklists.delete_checklist",
    "delete_checklist_item": "checklists.delete_checklist_item",
    # catalogs
    "get_statuses": "catalogs.get_statuses",
    "get_resolutions": "catalogs.get_resolutions",
    "get_priorities": "catalogs.get_priorities",
    "get_issue_types": "catalogs.get_issue_types",
    "get_queues": "catalogs.get_queues",
    "get_projects": "catalogs.get_projects",
    "get_users": "catalogs.get_users",
    # transitions
    "get_transitions": "transitions.get_transitions",
    "execute_transition": "transitions.execute_transition",
}

# Served before the Tracker half of the app has loaded: they touch only the session store,
# config.json and the timer's state, and their modules import nothing of the Tracker client
# (`tests/test_startup_imports.py`). Starting or stopping the timer waits, as the tray follows it.
LOCAL = frozenset(
    {
        "ping",
        "version",
        "has_session",
        "get_client_credentials_info",
        "get_config",
        "save_config",
        "get_timer_state",
    }
)


class BoundMethod(msgspec.Struct, frozen=True):
    name: str
    handler: Callable[[Any, Call], Awaitable[Any]]
    params_type: type
    result_type: Any
    summary: str


def describe(name: str, fn: Handler) -> tuple[type, Any, str]:
    """(params type, result type, one-line summary) read from the handler itself."""
    hints = get_type_hints(fn)
    summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else name
    return hints["params"], hints["return"], summary


def handler(name: str) -> Handler:
    """The function that serves method `name`, its module imported: a module named without a
    dot is one of this package's, a dotted one is imported as named."""
    module, function = COMMANDS[name].rsplit(".", 1)
    if "." not in module:
        module = f"{__name__}.{module}"
    served: Handler = getattr(importlib.import_module(module), function)
    return served


def commands() -> dict[str, Handler]:
    """Every method and its handler (imports every handler module)."""
    return {name: handler(name) for name in COMMANDS}


def bind(deps: Deps, names: Iterable[str]) -> list[BoundMethod]:
    bound = []
    for name in names:
        fn = handler(name)
        bound.append(BoundMethod(name, functools.partial(fn, deps), *describe(name, fn)))
    return bound
