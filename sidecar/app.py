"""Composition root: builds every service from the settings, serves a transport, shuts down.

Owns: construction order, the `ready` notification, the demo wiring, which events the tray
follows (every `timer-tick`), and the teardown order (tray, timer, disk cache, HTTP session, demo
server). Knows everything; nothing imports it but the CLI.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import math
import os
import threading
from dataclasses import replace
from typing import Any

from sidecar import PROTOCOL_VERSION, __version__
from sidecar.api.base import NoParams
from sidecar.api.system import Ready
from sidecar.handlers import bind
from sidecar.handlers.auth import make_refresher
from sidecar.handlers.deps import Caches, Deps
from sidecar.handlers.kept import Kept
from sidecar.handlers.tray import TrackerTraySource
from sidecar.local.config_file import ConfigStore
from sidecar.local.disk_cache import DiskCache
from sidecar.local.leftovers import start_cleaning
from sidecar.local.timer import Timer
from sidecar.parent_watch import Watched, parent_gone, watched_process
from sidecar.redaction import Secrets
from sidecar.rpc.endpoint import Endpoint
from sidecar.rpc.protocol import DISCOVER, READY
from sidecar.rpc.router import Router
from sidecar.rpc.stdio import StdioTransport
from sidecar.rpc.transport import Transport
from sidecar.session.manager import SessionManager
from sidecar.session.stores import MemoryStore, SessionStore
from sidecar.settings import PASSPHRASE_VAR, Settings
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.config import ClientConfig
from sidecar.tracker.retry import RetryPolicy
from sidecar.tray.service import TrayOptions, TrayService
from sidecar.wire_errors import translate

log = logging.getLogger("sidecar.app")
# In-flight work gets this long to finish at shutdown; with the cancel and flush grace and
# closing the HTTP session the process still exits inside the interface's 2 s.
DRAIN_TIMEOUT_S = 1.0
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


def session_store(settings: Settings, env: dict[str, str]) -> SessionStore:
    """The store `--secrets` names; the keyring modules load only when used."""
    if settings.secrets == "memory":
        return MemoryStore()
    if settings.secrets == "file":
        from sidecar.session.file_store import FILE_NAME, EncryptedFileStore

        path = settings.resolved_config_dir() / FILE_NAME
        return EncryptedFileStore(path, env[PASSPHRASE_VAR])
    from sidecar.session.fallback import KeyringOrMemory

    return KeyringOrMemory()


class App:
    """Everything one sidecar process owns."""

    def __init__(
        self,
        settings: Settings,
        store: SessionStore,
        env: dict[str, str],
        secrets: Secrets | None = None,
    ) -> None:
        self.settings = settings
        self.endpoint: Endpoint | None = None
        # One record of secrets for errors and the log (the CLI hands in the log's own).
        self.secrets = Secrets() if secrets is None else secrets
        self.session = SessionManager(store, secrets=self.secrets)
        self.tracker = TrackerClient(
            client_config(settings), self.session, logger=log, secrets=self.secrets
        )
        self.timer = Timer(self._timer_event)
        self.kept = Kept(
            disk_cache(settings), self.session, self.notify, catalog_ttl_s=settings.catalog_ttl_s
        )
        self.deps = Deps(
            tracker=self.tracker,
            session=self.session,
            config=ConfigStore(settings.resolved_config_dir()),
            timer=self.timer,
            caches=Caches.bound_to(
                lambda: self.session.generation, settings.cache_fresh_s, settings.cache_ttl_s
            ),
            kept=self.kept,
            notify=self.notify,
            client_id=env.get("YTRACKER_CLIENT_ID") or None,
            client_secret=env.get("YTRACKER_CLIENT_SECRET") or None,
            accept_language=settings.accept_language,
        )
        # Redacted everywhere, should a bug ever put one into a message or traceback.
        self.secrets.add(self.deps.client_secret, env.get(PASSPHRASE_VAR))
        # The session refreshes through the client, which asks the session for credentials.
        self.session.refresher = make_refresher(
            self.tracker, self.deps.client_id, self.deps.client_secret
        )
        self.tray = TrayService(
            TrackerTraySource(self.deps),
            timer=self.timer.state,
            config=self.deps.config.current,  # the tray's minute ticks never wait on a disk
            own_writes=self.deps.own_writes,
            notify=self.notify,
            options=tray_options(settings, env),
        )
        self.deps.tray = self.tray

    def _timer_event(self, method: str, params: Any) -> None:
        self.notify(method, params)
        self.tray.timer_changed(params)

    def notify(self, method: str, params: Any) -> None:
        if self.endpoint is not None:
            self.endpoint.notify(method, params)

    def router(self) -> Router:
        router = Router()
        for method in bind(self.deps):
            router.add(
                method.name,
                method.handler,
                method.params_type,
                method.result_type,
                summary=method.summary,
            )
        router.add(DISCOVER, _discover, NoParams, dict[str, Any], summary="The OpenRPC document")
        router.freeze()
        return router

    async def serve(self, transport: Transport | None = None) -> int:
        """Serve `transport` (the process's stdin/stdout by default) until it ends; the exit code.

        Tests hand in a `MemoryTransport` to run the whole app in process.
        """
        # Read before `ready` goes out: an app that dies right after it must still be seen.
        parent = None if transport else watched_process()
        watch = None if transport else asyncio.create_task(self._stop_when_gone(parent))
        self.endpoint = Endpoint(
            self.router(),
            transport or StdioTransport(),
            translate_error=translate,
            logger=log,
            drain_timeout_s=DRAIN_TIMEOUT_S,
        )
        self.notify(READY, Ready(version=__version__, protocol=PROTOCOL_VERSION))
        _preload_http_stack()
        if self.kept.disk is not None:
            self.kept.disk.preload()
        self.tray.start()
        announce = asyncio.create_task(self._announce_store())
        try:
            return await self.endpoint.serve()
        finally:
            announce.cancel()
            if watch is not None:
                watch.cancel()
            log.debug("stopped serving; closing the disk cache and the HTTP session")
            self.tray.close()
            self.timer.close()
            await self.kept.close()
            await self.tracker.close()
            log.debug("HTTP session closed")

    async def _stop_when_gone(self, parent: Watched | None) -> None:
        """The app that started us has ended (stdin may live on elsewhere): stop as on EOF."""
        gone = await parent_gone(parent)
        log.info("%s has ended; stopping", gone)
        if self.endpoint is not None:
            self.endpoint.stop()

    async def _announce_store(self) -> None:
        """Say once, at start, when sessions cannot be kept as asked (no OS store here, a
        passphrase that does not open the file); `get_client_credentials_info` says it too."""
        info = await self.session.store_info()
        if info.warning:
            log.warning("%s", info.warning)
        else:
            where = f" ({info.location})" if info.location else ""
            log.debug("sessions are kept in %s%s", info.kind, where)


async def _discover(params: NoParams, ctx: object) -> dict[str, Any]:
    """`rpc.discover`: the OpenRPC document, generated on the first call.

    The generator reads every handler's types and renders schemas; imported at start it cost
    every process ~70 ms before `ready` for a method few clients ever call.
    """
    from sidecar.contract import openrpc_document

    return openrpc_document()


def _preload_http_stack() -> None:
    """Import aiohttp and the TLS modules in a daemon thread once `ready` is out.

    They cost ~150 ms, so the client defers them; loading them early spares the first Tracker
    call that wait. A daemon thread, not the loop's executor, so an early EOF never waits
    for it.
    """
    name = "sidecar.tracker.transport"
    threading.Thread(target=importlib.import_module, args=(name,), daemon=True).start()


async def run(
    settings: Settings, env: dict[str, str] | None = None, secrets: Secrets | None = None
) -> int:
    env = dict(os.environ) if env is None else env
    start_cleaning(settings.resolved_config_dir())  # a process only: never an in-process test
    if settings.demo:
        return await _run_demo(settings, env, secrets)
    return await App(settings, session_store(settings, env), env, secrets).serve()


async def _run_demo(settings: Settings, env: dict[str, str], secrets: Secrets | None) -> int:
    """The embedded sandbox Tracker on loopback, already signed in, no keyring."""
    from sidecar.demo import demo_tracker

    async with demo_tracker() as demo:
        demo_settings = replace(
            settings,
            api_base_url=demo.url,
            oauth_base_url=demo.url + "/oauth",
            allow_http_loopback=True,
            secrets="memory",
            config_dir=settings.config_dir or demo.config_dir,
            cache_dir=settings.cache_dir or demo.config_dir / "cache",
        )
        demo_env = {**demo.client_env, **env}
        return await App(demo_settings, MemoryStore(demo.session), demo_env, secrets).serve()
