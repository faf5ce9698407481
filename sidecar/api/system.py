"""System methods and sidecar notifications: ping, version, ready, progress."""

from __future__ import annotations

from sidecar.api.base import Dto


class VersionInfo(Dto):
    """Result of `version`."""

    name: str
    version: str
    protocol: str


class Ready(Dto):
    """Payload of the `ready` notification, sent once at start."""

    version: str
    protocol: str


class Progress(Dto):
    """Payload of `$/progress` during attachment transfers."""

    id: int | str
    done: int
    total: int | None
