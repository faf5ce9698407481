"""What a handler may use: the services the app wires together, and the per-call context.

Owns: the `Deps` bundle and the `Call` protocol (request id, progress). Must not know: how
they are built (that is `sidecar/app.py`) or the wire (the rpc RequestContext satisfies `Call`).
What the handlers cache between calls is `sidecar/handlers/caches.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the Tracker half loads after `ready`: only its types are named here
    from sidecar.handlers.caches import Caches
    from sidecar.handlers.kept import Kept
    from sidecar.local.config_file import ConfigStore
    from sidecar.local.timer import Timer
    from sidecar.session.manager import SessionManager
    from sidecar.tracker.client import TrackerClient
    from sidecar.tray.changes import OwnWrites
    from sidecar.tray.service import TrayService


class Call(Protocol):
    """The current request, as far as a handler needs it."""

    @property
    def id(self) -> int | str | None: ...

    def progress(self, done: int, total: int | None) -> None: ...


@dataclass(eq=False)  # an __init__ is all it needs: each generated method costs the start
class Deps:
    """The services; those of the Tracker half are set by `sidecar/app_tracker.py` once it has
    loaded, before any handler that uses them is bound (the app's LOCAL methods never do)."""

    session: SessionManager
    config: ConfigStore
    timer: Timer
    notify: Callable[[str, Any], None]
    client_id: str | None = None
    client_secret: str | None = None
    accept_language: str | None = None
    tracker: TrackerClient = field(init=False)
    caches: Caches = field(init=False)
    kept: Kept = field(init=False)
    own_writes: OwnWrites = field(init=False)
    keys: tuple[str, ...] = field(init=False)
    """Display-dict key preference for the configured language."""
    tray: TrayService | None = None  # set once the service exists

    async def workday_hours(self) -> int:
        return (await self.config.load()).workday_hours
