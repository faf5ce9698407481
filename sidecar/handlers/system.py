"""System methods: `ping`, `version`, and `cache/clear`."""

from __future__ import annotations

from sidecar import PROTOCOL_VERSION, __version__
from sidecar.api.base import NoParams
from sidecar.api.system import VersionInfo
from sidecar.handlers.deps import Call, Deps


async def ping(deps: Deps, params: NoParams, call: Call) -> str:
    """Liveness check: answers "pong" without touching Tracker."""
    return "pong"


async def version(deps: Deps, params: NoParams, call: Call) -> VersionInfo:
    """The sidecar's name, version and protocol version."""
    return VersionInfo(name="ytracker-sidecar", version=__version__, protocol=PROTOCOL_VERSION)


async def cache_clear(deps: Deps, params: NoParams, call: Call) -> None:
    """Forget every cached answer of the signed-in account, in memory and on disk."""
    deps.caches.forget_answers()
    await deps.kept.clear()
