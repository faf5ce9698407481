"""Loading the HTTP stack without aiohttp's two unused default SSL contexts."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sidecar.tracker.stack import _without_default_trust, preload

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import json, ssl
from sidecar.tracker.stack import load_transport
load_transport()
import aiohttp.connector as connector
print(json.dumps({
    "aiohttp": connector._SSL_CONTEXT_VERIFIED.cert_store_stats()["x509_ca"],
    "later": ssl.create_default_context().cert_store_stats()["x509_ca"],
    "restored": "set_default_verify_paths" not in vars(ssl.SSLContext),
}))
"""


def default_cas() -> int:
    return ssl.create_default_context().cert_store_stats()["x509_ca"]


def test_aiohttp_loads_without_reading_the_system_bundle(ca_file: str, tmp_path: Path) -> None:
    """A fresh process: aiohttp's own contexts trust nothing (never used: the client gives its
    connector a context), and contexts made afterwards read the store as ever."""
    env = {"SSL_CERT_FILE": ca_file, "SSL_CERT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout  # fmt: skip
    assert json.loads(out) == {"aiohttp": 0, "later": 1, "restored": True}


def test_only_the_importing_thread_skips_the_default_trust(
    monkeypatch: pytest.MonkeyPatch, ca_file: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    loaders = {name: vars(ssl.SSLContext).get(name) for name in vars(ssl.SSLContext)}
    elsewhere: list[int] = []
    with _without_default_trust():
        here = default_cas()
        other = threading.Thread(target=lambda: elsewhere.append(default_cas()))
        other.start()
        other.join()
    assert (here, elsewhere, default_cas()) == (0, [1], 1)
    assert {name: vars(ssl.SSLContext).get(name) for name in vars(ssl.SSLContext)} == loaders


STALLED_IMPORT = """
import asyncio, importlib.machinery, json, sys, threading
stalled, released, seen = threading.Event(), threading.Event(), {}

class Stall:
    '''Holds the preload's import of aiohttp, inside its module lock (not the global import
    lock, which `find_spec` runs under), until the loop says so.'''
    def find_spec(self, name, path=None, target=None):
        if name != "aiohttp" or threading.current_thread() is threading.main_thread():
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        real = spec.loader

        class Held:
            def create_module(self, spec):
                return real.create_module(spec)

            def exec_module(self, module):
                stalled.set()
                seen["released by the loop"] = released.wait(10)
                real.exec_module(module)

        spec.loader = Held()
        return spec

sys.meta_path.insert(0, Stall())
from sidecar.tracker.auth import Credentials
from sidecar.tracker.client import TrackerClient
from sidecar.tracker.config import ClientConfig
import logging

class Signed:
    async def require(self): pass
    async def current(self): return Credentials("y0_token", "oauth", "42", "yandex360")
    async def refreshed(self, stale): return None

async def main():
    config = ClientConfig(api_base_url="https://127.0.0.1:9", cooldown_s=0)
    client = TrackerClient(config, Signed(), logger=logging.getLogger("probe"))
    client.preload()
    await asyncio.to_thread(stalled.wait, 10)
    request = asyncio.create_task(client.request("GET", "issues/TEST-1"))
    await asyncio.sleep(0.1)  # the request runs until it waits for the HTTP stack
    released.set()  # reached only if the loop was not stuck behind the import
    request.cancel()
    await asyncio.gather(request, return_exceptions=True)
    await client.close()

asyncio.run(main())
print(json.dumps(seen))
"""


def test_the_loop_runs_on_while_the_preload_imports_aiohttp() -> None:
    """A first request made while the preload is importing aiohttp waits for it off the loop
    (an `import aiohttp` on the loop would wait for the import lock, every request with it)."""
    out = subprocess.run(
        [sys.executable, "-c", STALLED_IMPORT], cwd=REPO, capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout  # fmt: skip
    assert json.loads(out) == {"released by the loop": True}


def test_an_exit_waits_for_the_ssl_context_but_not_for_aiohttp(ca_file: str) -> None:
    """Exiting while OpenSSL parses a bundle in a daemon thread crashed the interpreter (7 of
    80 in-process starts that ended at once, under load): that thread is not a daemon."""
    threads = preload(ca_file, tls=True)
    assert [(t.name, t.daemon) for t in threads] == [("preload-http", True), ("preload-tls", False)]
    for thread in threads:
        thread.join(10)
    assert [t.name for t in preload(None, tls=False)] == ["preload-http"]
