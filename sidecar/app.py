"""Composition root: builds every service from the settings, serves a transport, shuts down.

Owns: construction order, the `ready` notification, when the Tracker half loads, the demo
wiring, which events the tray follows (every `timer-tick`), and the teardown order (tray, timer,
disk cache, HTTP session, demo server). Knows everything; nothing imports it but the CLI.

`ready` goes out once the rpc engine, the session store, config.json and the timer are there:
what `handlers.LOCAL` serves. The Tracker half (`sidecar/app_tracker.py`: the client, caches in
memory and on disk, tray and every other handler module) loads in a worker thread when a request
first needs it, or `WARM_UP_DELAY_S` after `ready` when none has; a request for one of its
methods waits for it and is never refused. aiohttp and the TLS trust load after that, in threads
of their own (`TrackerClient.preload`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from sidecar import PROTOCOL_VERSION, __version__
from sidecar.api.base import NoParams
from sidecar.api.system import Ready
from sidecar.handlers import COMMANDS, LOCAL, BoundMethod, bind
from sidecar.handlers.deps import Deps
from sidecar.local.config_file import ConfigStore
from sidecar.local.timer import Timer
from sidecar.parent_watch import Watched, parent_gone, watched_process
from sidecar.redaction import Secrets
from sidecar.rpc.endpoint import Endpoint
from sidecar.rpc.protocol import DISCOVER, READY
from sidecar.rpc.router import Router
from sidecar.rpc.stdio import StdioTransport
from sidecar.rpc.transport import Transport
from sidecar.session.manager import SessionManager, off_loop
from sidecar.session.stores import MemoryStore, SessionStore
from sidecar.settings import PASSPHRASE_VAR, Settings
from sidecar.wire_errors import translate

if TYPE_CHECKING:
    from sidecar.app_tracker import TrackerHalf
    from sidecar.handlers.kept import Kept
    from sidecar.tracker.client import TrackerClient
    from sidecar.tray.service import TrayService

log = logging.getLogger("sidecar.app")
# In-flight work gets this long to finish at shutdown; with the cancel and flush grace and
# closing the HTTP session the process still exits inside the interface's 2 s.
DRAIN_TIMEOUT_S = 1.0
# When no request has needed the Tracker half by then, it loads anyway. Not at once: the thread
# that imports it competes with the loop for the interpreter, and the first answers (a `ping`
# written at spawn, `has_session`) would wait for it.
WARM_UP_DELAY_S = 0.05
# At exit, how long the store's announcement may still take: the store has usually decided by
# then (has_session asked it), and a run that ends at once must still say it kept no session.
ANNOUNCE_GRACE_S = 0.5


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
        *,
        background: Sequence[Callable[[], object]] = (),
    ) -> None:
        self.settings = settings
        self.endpoint: Endpoint | None = None
        # One record of secrets for errors and the log (the CLI hands in the log's own).
        self.secrets = Secrets() if secrets is None else secrets
        self.session = SessionManager(
            store, secrets=self.secrets, on_store_used=self._start_announcing
        )
        self.timer = Timer(self._timer_event)
        self.deps = Deps(
            session=self.session,
            config=ConfigStore(settings.resolved_config_dir()),
            timer=self.timer,
            notify=self.notify,
            client_id=env.get("YTRACKER_CLIENT_ID") or None,
            client_secret=env.get("YTRACKER_CLIENT_SECRET") or None,
            accept_language=settings.accept_language,
        )
        # Redacted everywhere, should a bug ever put one into a message or traceback.
        self.secrets.add(self.deps.client_secret, env.get(PASSPHRASE_VAR))
        self.tracker: TrackerClient | None = None  # the Tracker half, once loaded
        self.tray: TrayService | None = None
        self.kept: Kept | None = None
        self._env = env
        # Started once the Tracker half has loaded, in a real process only (not in tests that
        # run the app in process): the demo's sandbox, the removal of leftover temporary files.
        self._background = background
        self._router = self.router()
        self._loading: asyncio.Task[None] | None = None
        self._announcing: asyncio.Task[None] | None = None
        self._serving = False

    def _timer_event(self, method: str, params: Any) -> None:
        self.notify(method, params)
        if self.tray is not None:
            self.tray.timer_changed(params)

    def notify(self, method: str, params: Any) -> None:
        if self.endpoint is not None:
            self.endpoint.notify(method, params)

    def router(self) -> Router:
        """LOCAL methods bound now, every other one deferred until the Tracker half loads."""
        router = Router()
        local = {method.name: method for method in bind(self.deps, LOCAL)}
        for name in COMMANDS:
            if name in local:
                _register(router, local[name])
            else:
                router.defer(name, self.load)
        router.add(DISCOVER, _discover, NoParams, dict[str, Any], summary="The OpenRPC document")
        return router

    async def load(self) -> None:
        """Load the Tracker half and register its methods; every caller shares one load."""
        await asyncio.shield(self._start_loading())

    def _start_loading(self) -> asyncio.Task[None]:
        if self._loading is None:
            log.debug("loading the Tracker half")  # tests/test_startup_imports.py reads it
            _collect_again()
            self._loading = asyncio.get_running_loop().create_task(self._load())
            # With the Tracker half (or the first command that used the store), not at once:
            # asking the store starts a thread (and may load keyring), which would compete with
            # the first answers.
            self._start_announcing()
            self._loading.add_done_callback(_report_load_failure)
        return self._loading

    async def _load(self) -> None:
        build = await off_loop(_import_tracker_half)
        half: TrackerHalf = build(self.settings, self.deps, self._env, self.secrets)
        self.tracker, self.tray, self.kept = half.tracker, half.tray, half.kept
        for method in half.methods:
            _register(self._router, method)
        if half.kept.disk is not None:  # the index a warm start reads first
            half.kept.disk.preload()
        for start in self._background:
            start()
        half.tracker.preload()
        if self._serving:
            self.tray.start()

    async def serve(self, transport: Transport | None = None) -> int:
        """Serve `transport` (the process's stdin/stdout by default) until it ends; the exit code.

        Tests hand in a `MemoryTransport` to run the whole app in process.
        """
        # Read before `ready` goes out: an app that dies right after it must still be seen.
        parent = None if transport else watched_process()
        watch = None if transport else asyncio.create_task(self._stop_when_gone(parent))
        self.endpoint = Endpoint(
            self._router,
            transport or StdioTransport(),
            translate_error=translate,
            logger=log,
            drain_timeout_s=DRAIN_TIMEOUT_S,
        )
        self.notify(READY, Ready(version=__version__, protocol=PROTOCOL_VERSION))
        self._serving = True
        if self.tray is not None:
            self.tray.start()
        warm_up = asyncio.get_running_loop().call_later(WARM_UP_DELAY_S, self._start_loading)
        try:
            return await self.endpoint.serve()
        finally:
            self._serving = False
            warm_up.cancel()
            if watch is not None:
                watch.cancel()
            await _finish(self._announcing, ANNOUNCE_GRACE_S)
            log.debug("stopped serving; closing the disk cache and the HTTP session")
            if self.tray is not None:
                self.tray.close()
            self.timer.close()
            if self.kept is not None:
                await self.kept.close()
            if self.tracker is not None:
                await self.tracker.close()
            log.debug("HTTP session closed")

    async def _stop_when_gone(self, parent: Watched | None) -> None:
        """The app that started us has ended (stdin may live on elsewhere): stop as on EOF."""
        gone = await parent_gone(parent)
        log.info("%s has ended; stopping", gone)
        if self.endpoint is not None:
            self.endpoint.stop()

    def _start_announcing(self) -> None:
        if self._announcing is None:
            self._announcing = asyncio.get_running_loop().create_task(self._announce_store())

    async def _announce_store(self) -> None:
        """Say once, at start, when sessions cannot be kept as asked (no OS store here, a
        passphrase that does not open the file); `get_client_credentials_info` says it too."""
        info = await self.session.store_info()
        if info.warning:
            log.warning("%s", info.warning)
        else:
            where = f" ({info.location})" if info.location else ""
            log.debug("sessions are kept in %s%s", info.kind, where)


async def _finish(task: asyncio.Task[None] | None, grace_s: float) -> None:
    """Let `task` end within `grace_s`, then cancel it."""
    if task is None:
        return
    _, pending = await asyncio.wait({task}, timeout=grace_s)
    for late in pending:
        late.cancel()


def _register(router: Router, method: BoundMethod) -> None:
    router.add(
        method.name,
        method.handler,
        method.params_type,
        method.result_type,
        summary=method.summary,
    )


def _import_tracker_half() -> Callable[[Settings, Deps, dict[str, str], Secrets], TrackerHalf]:
    """`app_tracker.build`, its module imported (in a worker thread: ~30 ms of imports)."""
    from sidecar.app_tracker import build

    return build


def _collect_again() -> None:
    """The start is over: the cyclic garbage collector, off since `sidecar/__main__.py`, runs
    again, and never walks what the start built (`gc.freeze`)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _report_load_failure(loading: asyncio.Task[None]) -> None:
    if not loading.cancelled() and loading.exception() is not None:
        log.error("the Tracker half failed to load", exc_info=loading.exception())


async def _discover(params: NoParams, ctx: object) -> dict[str, Any]:
    """`rpc.discover`: the OpenRPC document, generated on the first call.

    The generator reads every handler's types and renders schemas; imported at start it cost
    every process ~70 ms before `ready` for a method few clients ever call.
    """
    from sidecar.contract import openrpc_document

    return openrpc_document()


async def run(
    settings: Settings, env: dict[str, str] | None = None, secrets: Secrets | None = None
) -> int:
    env = dict(os.environ) if env is None else env
    cleaning = partial(_clean_leftovers, settings.resolved_config_dir())
    if settings.demo:
        return await _run_demo(settings, env, secrets, cleaning)
    store = session_store(settings, env)
    return await App(settings, store, env, secrets, background=[cleaning]).serve()


def _clean_leftovers(config_dir: Path) -> None:
    """Our temporary files a killed process left, removed in a daemon thread."""
    from sidecar.local.leftovers import start_cleaning  # its imports came with the Tracker half

    start_cleaning(config_dir)


async def _run_demo(
    settings: Settings, env: dict[str, str], secrets: Secrets | None, cleaning: Callable[[], None]
) -> int:
    """The embedded sandbox Tracker on loopback, already signed in, no keyring."""
    from sidecar.demo import demo_tracker

    async with demo_tracker() as demo:
        demo_settings = msgspec.structs.replace(
            settings,
            api_base_url=demo.url,
            oauth_base_url=demo.url + "/oauth",
            allow_http_loopback=True,
            secrets="memory",
            config_dir=settings.config_dir or demo.config_dir,
            cache_dir=settings.cache_dir or demo.config_dir / "cache",
        )
        demo_env = {**demo.client_env, **env}
        background = [demo.start, cleaning]
        store = MemoryStore(demo.session)
        app = App(demo_settings, store, demo_env, secrets, background=background)
        return await app.serve()
