"""The method table: every method name and the handler that serves it.

Handlers are `async def name(deps, params, call) -> result`; the params and result types are
read from their annotations, so this table plus `sidecar/api` is the whole contract.
Must not know: the wire (the app binds `deps` and registers each entry with the rpc router).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from sidecar.handlers import auth, issues, system, users
from sidecar.handlers.deps import Call, Deps

Handler = Callable[[Deps, Any, Call], Awaitable[Any]]

COMMANDS: dict[str, Handler] = {
    "ping": system.ping,
    "version": system.version,
    # sign-in
    "get_client_credentials_info": auth.get_client_credentials_info,
    "has_session": auth.has_session,
    "exchange_code": auth.exchange_code,
    "login_with_token": auth.login_with_token,
    "logout": auth.logout,
    "get_current_user": users.get_current_user,
    # issues
    "get_issues": issues.get_issues,
    "release_scroll_context": issues.release_scroll_context,
    "get_issue": issues.get_issue,
}


@dataclass(frozen=True)
class BoundMethod:
    name: str
    handler: Callable[[Any, Call], Awaitable[Any]]
    params_type: type
    result_type: Any
    summary: str


def describe(name: str, handler: Handler) -> tuple[type, Any, str]:
    """(params type, result type, one-line summary) read from the handler itself."""
    hints = get_type_hints(handler)
    summary = (handler.__doc__ or "").strip().splitlines()[0] if handler.__doc__ else name
    return hints["params"], hints["return"], summary


def bind(deps: Deps) -> list[BoundMethod]:
    return [
        BoundMethod(name, functools.partial(fn, deps), *describe(name, fn))
        for name, fn in COMMANDS.items()
    ]
