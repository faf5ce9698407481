"""System methods and sidecar notifications: ping, version, ready, progress."""

from __future__ import annotations

from typing import Any

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


class CacheStale(Dto, rename="camel"):
    """Payload of `cache/stale`, sent just before an answer that comes from the disk cache (or
    the last good page in memory) because Tracker could not be reached: the request's `id`,
    `method` and `params` (as the sidecar read them, null members left out) and `ageMs`, how
    long ago that answer was fetched from Tracker."""

    id: int | str | None
    method: str
    params: dict[str, Any]
    age_ms: int


class Reachability(Dto):
    """Payload of `offline` and `online`: Tracker stopped (or started again) being reachable."""
