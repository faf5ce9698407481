"""The path to `ready` stays light: heavy packages load after it (or on first use), not at import.

aiohttp (~150 ms with its TLS contexts) loads in a worker thread once `ready` is out; keyring
and cryptography load with the first keyring call. Each would add its import time to every
start of the frozen binary. Checked in a fresh interpreter, by module presence, not by timing.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("aiohttp", "keyring", "cryptography", "secretstorage", "truststore", "certifi")


def test_cli_and_app_import_no_heavy_package() -> None:
    code = (
        "import sys, sidecar.cli, sidecar.app, sidecar.handlers;"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stdout
