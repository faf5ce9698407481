"""The path to `ready` stays light: heavy packages load after it (or on first use), not at import.

aiohttp (~150 ms with its TLS contexts) loads in a worker thread once `ready` is out; keyring
and cryptography load with the first keyring call; sqlite3 loads on the disk cache's worker
thread with the first store it opens. Each would add its import time to every
start of the frozen binary. Checked in a fresh interpreter, by module presence, not by timing.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "aiohttp",
    "keyring",
    "cryptography",
    "secretstorage",
    "truststore",
    "certifi",
    "sqlite3",
)


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
