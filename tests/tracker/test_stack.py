"""Loading the HTTP stack without aiohttp's two unused default SSL contexts."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sidecar.tracker.stack import _without_default_trust

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
