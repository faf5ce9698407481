"""The composition root's Tracker half: the client, the caches (in memory and on disk), the tray
and their handlers.

Owns: building them from the settings (`build`), the client's and the tray's options, and which
methods wait for this half (every one but `handlers.LOCAL`). `sidecar/app.py` imports this module
after `ready`, in a worker thread, because importing it means importing every handler module and
the Tracker client (yarl, multidict and the rest); aiohttp itself loads later still, with the
client's first session. Knows everything a handler needs; nothing imports it but `sidecar.app`
(and tests of the options).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from sidecar import __version__
from sidecar.handlers import COMMANDS, LOCAL, BoundMethod, bind
from sidecar.handlers.auth import make_refresher
from sidecar.handlers.caches import Caches
from sidecar.handlers.convert import display_keys
from sidecar.handlers.deps import Deps
from sidecar.handlers.kept import Kept
from sidecar.handlers.tray import TrackerTraySource
from sidecar.local.disk_cache import DiskCache
from sidecar.redaction import Secrets
from sidecar.settings import Settings
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.config import ClientConfig
from sidecar.tracker.retry import RetryPolicy
from sidecar.tray.changes import OwnWrites
from sidecar.tray.service import TrayOptions, TrayService

log = logging.getLogger("sidecar.app")
# Tests only: the length of the tray's minute (reminders, the wrap-up check), in seconds.
MINUTE_ENV = "YTRACKER_TRAY_MINUTE_S"


def client_config(settings: Settings) -> ClientConfig:
    return ClientConfig(
        api_base_url=settings.api_base_url,
        oauth_base_url=settings.oauth_base_url,
        ca_file=settings.ca_file,
        allow_http_loopback=settings.allow_http_loopback,
        accept_language=settings.accept_language,
        cooldown_s=settings.cooldown_ms / 1000,
        request_timeout_s=settings.request_timeout_s,
        transfer_idle_timeout_s=settings.transfer_idle_timeout_s,
        transfer_timeout_s=settings.transfer_timeout_s,
        user_agent=f"ytracker-sidecar/{__version__}",
        retry=RetryPolicy.from_env(),
    )


def tray_options(settings: Settings, env: dict[str, str]) -> TrayOptions:
    return TrayOptions(
        refresh_s=settings.tray_interval_s,
        minute_s=_minute_s(env),
        notifications=not settings.no_notifications,
    )


def _minute_s(env: dict[str, str]) -> float:
    raw = env.get(MINUTE_ENV, "").strip()
    try:
        value = float(raw) if raw else 60.0
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        log.warning("%s must be a positive number of seconds; using 60", MINUTE_ENV)
        return 60.0
    return value


def disk_cache(settings: Settings) -> DiskCache | None:
    """The per-account disk cache, unless turned off (nothing is opened before first use)."""
    if settings.no_disk_cache or settings.cache_max_mb <= 0:
        return None
    return DiskCache(settings.resolved_cache_dir(), round(settings.cache_max_mb * 1024 * 1024))


@dataclass(frozen=True)
class TrackerHalf:
    tracker: TrackerClient
    tray: TrayService
    kept: Kept
    methods: list[BoundMethod]
    """Every method that waited for this half, bound to the deps."""


def build(settings: Settings, deps: Deps, env: dict[str, str], secrets: Secrets) -> TrackerHalf:
    """The client, caches and tray, set into `deps`, and the methods that use them."""
    config = client_config(settings)
    deps.tracker = TrackerClient(config, deps.session, logger=log, secrets=secrets)
    deps.kept = Kept(
        disk_cache(settings),
        deps.session,
        deps.notify,
        answers=lambda: deps.tracker.answers,
        catalog_ttl_s=settings.catalog_ttl_s,
    )
    fresh_s, keep_s = settings.cache_fresh_s, settings.cache_ttl_s
    deps.caches = Caches.bound_to(lambda: deps.session.generation, fresh_s, keep_s)
    deps.own_writes = OwnWrites()
    deps.keys = display_keys(deps.accept_language)
    # The session refreshes through the client, which asks the session for credentials.
    deps.session.refresher = make_refresher(deps.tracker, deps.client_id, deps.client_secret)
    deps.tray = TrayService(
        TrackerTraySource(deps),
        timer=deps.timer.state,
        config=deps.config.current,  # the tray's minute ticks never wait on a disk
        own_writes=deps.own_writes,
        notify=deps.notify,
        options=tray_options(settings, env),
    )
    waiting = [name for name in COMMANDS if name not in LOCAL]
    return TrackerHalf(deps.tracker, deps.tray, deps.kept, bind(deps, waiting))
