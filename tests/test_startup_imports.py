"""The path to `ready` stays light: heavy packages load after it (or on first use), not at import.

`ready` and the LOCAL methods (`ping`, `has_session`, `get_config`, ...) need the rpc engine,
the session store, config.json and the timer. The Tracker half (every other handler, the client
with yarl and multidict, the disk cache's policy and store, the tray) loads in a worker thread
when a request needs it or shortly after `ready`, aiohttp after that, keyring and cryptography
with the first keyring call, sqlite3 on the disk cache's worker thread. Each would add its
import time to every start of the frozen binary. Checked in a fresh interpreter, by module
presence, not by timing: a real start under `python -v` (which, unlike `-X importtime`, also
reports `importlib.import_module`), cut where the app logs that the Tracker half begins to load.

`ssl` is not on the list: asyncio imports it itself (asyncio/base_events.py), so every asyncio
program pays it, the start-up floor of `bench/` included.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from sidecar.handlers import COMMANDS, LOCAL

HEAVY = ("aiohttp", "keyring", "cryptography", "secretstorage", "truststore", "certifi", "sqlite3")
# Packages, and modules of ours, that nothing before `ready` may import (a name covers its
# submodules).
DENIED = (
    *("aiohttp", "yarl", "multidict", "propcache", "frozenlist", "truststore", "certifi"),
    *("keyring", "secretstorage", "jeepney", "cryptography", "sqlite3", "_sqlite3"),
    *("logging.handlers", "pickle"),  # only with --log-file
    "dataclasses",  # ~1 ms to import, ~0.7–1 ms per class made
    *("sidecar.contract", "sidecar.sandbox", "sidecar.app_tracker", "sidecar.tray"),
    *("sidecar.tracker.client", "sidecar.tracker.transport", "sidecar.tracker.oauth"),
    *("sidecar.handlers.convert", "sidecar.handlers.scrolls", "sidecar.handlers.writes"),
    *("sidecar.handlers.issues", "sidecar.handlers.kept", "sidecar.local.disk_cache"),
    *("sidecar.local.store_file", "sidecar.local.worker"),
)
LOADING = "loading the Tracker half"


def handler_modules(names: Iterable[str]) -> set[str]:
    return {f"sidecar.handlers.{COMMANDS[name].rsplit('.', 1)[0]}" for name in names}


def denied(module: str) -> bool:
    not_local = handler_modules(set(COMMANDS) - LOCAL) - handler_modules(LOCAL)
    return module in not_local or any(module == d or module.startswith(d + ".") for d in DENIED)


def imported_before_loading(stderr: str) -> list[str]:
    """Modules `python -v` reported before the app logged that the Tracker half loads."""
    modules = []
    for line in stderr.splitlines():
        if line.startswith("import '"):
            modules.append(line.split("'")[1])
        elif line.startswith("{") and json.loads(line).get("msg") == LOADING:
            break
    return modules


@pytest.mark.parametrize("secrets", ["memory", "keyring"])
def test_nothing_denied_loads_before_ready(secrets: str, tmp_path: Path) -> None:
    """A signed-out start, as a shell makes it: `ping` at once, then the end of stdin."""
    command = [sys.executable, "-v", "-m", "sidecar", "--secrets", secrets]
    out = subprocess.run(
        [*command, "--log-level", "debug", "--config-dir", str(tmp_path)],
        input=b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n',
        capture_output=True,
        timeout=60,
    )
    stderr = out.stderr.decode()
    assert b'"result":"pong"' in out.stdout, stderr[-3000:]
    before = imported_before_loading(stderr)
    assert "sidecar.rpc.endpoint" in before and "sidecar.handlers.system" in before
    assert [m for m in before if denied(m)] == []


def test_cli_and_app_import_no_heavy_package() -> None:
    code = (
        "import sys, sidecar.cli, sidecar.app, sidecar.handlers;"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stdout


DEMO_CHECK = """
import asyncio, json, sys, urllib.request
from sidecar.demo import demo_tracker

async def main():
    async with demo_tracker() as demo:
        demo.start()
        loaded = [m for m in ("aiohttp.web", "sidecar.sandbox.app") if m in sys.modules]
        print(json.dumps(loaded))
        headers = {"Authorization": "OAuth " + demo.session.token, "X-Org-ID": demo.session.org_id}
        request = urllib.request.Request(demo.url + "/v3/myself", headers=headers)
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=30).read())
        print(json.dumps(json.loads(body)["login"]))

asyncio.run(main())
"""


def test_the_demo_tracker_is_there_before_its_sandbox_has_loaded() -> None:
    """`--demo` signs in and announces `ready` before aiohttp's web server loads; a request made
    at once waits in the listening socket and is answered when the sandbox serves."""
    out = subprocess.run(
        [sys.executable, "-c", DEMO_CHECK], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines() == ["[]", '"sam"'], out.stdout + out.stderr


GC_CHECK = """
import asyncio, gc, json, sys
import sidecar.__main__  # as every entry point starts: the cyclic collector off
from pathlib import Path
from sidecar.app import App
from sidecar.rpc import MemoryTransport
from sidecar.session.stores import MemoryStore
from sidecar.settings import Settings

async def main():
    off_at_start = not gc.isenabled()
    settings = Settings(secrets="memory", config_dir=Path(sys.argv[1]))
    app, transport = App(settings, MemoryStore(), {}), MemoryTransport()
    serving = asyncio.create_task(app.serve(transport))
    await transport.next_frame()  # ready
    await app.load()  # the Tracker half, as the first request for one of its methods loads it
    print(json.dumps([off_at_start, gc.isenabled(), gc.get_freeze_count() > 0]))
    transport.feed_eof()
    await serving

asyncio.run(main())
"""


def test_the_collector_is_off_for_the_start_and_on_again_after_it(tmp_path: Path) -> None:
    """The entry points turn the cyclic garbage collector off (the start's ~40 collections cost
    ~5 ms); loading the Tracker half ends the start and must turn it on again, or a long-lived
    sidecar would never free a reference cycle."""
    out = subprocess.run(
        [sys.executable, "-c", GC_CHECK, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(out.stdout) == [True, True, True], out.stdout + out.stderr
