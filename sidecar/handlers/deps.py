"""What a handler may use: the services the app wires together, and the per-call context.

Owns: the `Deps` bundle and the `Call` protocol (request id, progress). Must not know: how
they are built (that is `sidecar/app.py`) or the wire (the rpc RequestContext satisfies `Call`).
What the handlers cache between calls is `sidecar/handlers/caches.py`.
"""

from __future__ import annotations

from collections.abc import Callable
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


class Deps:
    """The services; those of the Tracker half are set by `sidecar/app_tracker.py` once it has
    loaded, before any handler that uses them is bound (the app's LOCAL methods never do).

    A plain class: it is built before `ready`, where a dataclass (and importing `dataclasses`)
    cost ~2 ms of every start for an `__init__`.
    """

    tracker: TrackerClient
    caches: Caches
    kept: Kept
    own_writes: OwnWrites
    keys: tuple[str, ...]
    """Display-dict key preference for the configured language."""

    def __init__(
        self,
        *,
        session: SessionManager,
        config: ConfigStore,
        timer: Timer,
        notify: Callable[[str, Any], None],
        client_id: str | None = None,
        client_secret: str | None = None,
        accept_language: str | None = None,
    ) -> None:
        self.session, self.config, self.timer, self.notify = session, config, timer, notify
        self.client_id, self.client_secret = client_id, client_secret
        self.accept_language = accept_language
        self.tray: TrayService | None = None  # set once the service exists

    async def workday_hours(self) -> int:
        return (await self.config.load()).workday_hours
