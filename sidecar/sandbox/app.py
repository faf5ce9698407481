"""`create_app(state)`: the sandbox Tracker as one aiohttp application.

Owns: the middleware order (record → faults → errors → auth), mounting every endpoint module
under `/v2` and `/v3`, the OAuth stub under `/oauth`, and JSON error bodies for unknown routes.
Must not know: sockets, TLS or threads (see `server.py` and the test fixture).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from sidecar.sandbox import (
    api_attachments,
    api_catalogs,
    api_changelog,
    api_checklists,
    api_comments,
    api_issues,
    api_search,
    api_transitions,
    api_users,
    api_worklog,
    oauth,
)
from sidecar.sandbox.auth import auth_middleware
from sidecar.sandbox.context import STATE_KEY, json_response, language
from sidecar.sandbox.errors import ApiError, error_body
from sidecar.sandbox.faults import fault_middleware
from sidecar.sandbox.recording import recorder
from sidecar.sandbox.routing import Route
from sidecar.sandbox.state import TrackerState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_MODULES = (
    api_users,
    api_catalogs,
    api_search,  # before api_issues: `/issues/_search` must not read as an issue key
    api_issues,
    api_transitions,
    api_comments,
    api_attachments,
    api_worklog,
    api_checklists,
    api_changelog,
)
_MAX_BODY = 256 * 1024 * 1024  # the per-state upload limit answers 413 well below this


def create_app(state: TrackerState) -> web.Application:
    app = web.Application(
        client_max_size=_MAX_BODY,
        middlewares=[
            recorder(lambda: state.log),
            fault_middleware(lambda: state.faults),
            _error_middleware,
            auth_middleware,
        ],
    )
    app[STATE_KEY] = state
    for module in _MODULES:
        for route in module.ROUTES:
            _mount(app, route)
    app.router.add_get(r"/ajax/v2/attachments/{id}", api_attachments.ajax_inline)
    oauth.add_routes(app)
    return app


def _mount(app: web.Application, route: Route) -> None:
    app.router.add_route(route.method, "/{ver:v[23]}" + route.path, route.handler)


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    lang = language(request, request.app[STATE_KEY])
    try:
        return await handler(request)
    except ApiError as error:
        return json_response(error_body(error, lang), status=error.status)
    except web.HTTPNotFound:
        return json_response(error_body(ApiError(404, "no_route"), lang), status=404)
    except web.HTTPMethodNotAllowed:
        return json_response(error_body(ApiError(405, "method"), lang), status=405)
