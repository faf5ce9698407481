"""TLS trust: the SSL context every Tracker and OAuth connection is verified with.

Owns: `make_ssl_context` (the OS trust store, certifi's bundle when the system has none, plus
an extra CA file), which store backs it on which system, and `shared_ssl_context`, the one
context per CA file a process makes. Must not know: aiohttp (this loads beside it, in a thread
of its own: OpenSSL parses a CA bundle without holding the GIL), HTTP, Tracker.
"""

from __future__ import annotations

import os
import re
import ssl
import sys
import threading

import certifi
import truststore

from sidecar.errors import LocalIOError

# Where Linux distributions keep their bundle when OpenSSL's compiled-in paths are empty
# (a frozen binary carries the build machine's paths); truststore's list, in its order.
_LINUX_CA_FILES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
_HASHED_NAME = re.compile(r"[0-9a-fA-F]{8}\.[0-9]")

_lock = threading.Lock()
_shared: dict[str | None, ssl.SSLContext] = {}


def shared_ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """`make_ssl_context(ca_file)`, made once per process (the preload's and the first
    request's calls share it). Blocks on the file system: call it off the loop.

    Raises:
        LocalIOError: `ca_file` cannot be loaded (nothing is kept: the next call tries again).
    """
    with _lock:
        made = _shared.get(ca_file)
        if made is None:
            made = _shared[ca_file] = make_ssl_context(ca_file)
        return made


def make_ssl_context(
    ca_file: str | None, *, bundles: tuple[str, ...] = _LINUX_CA_FILES
) -> ssl.SSLContext:
    """OS trust store (certifi when it is empty), plus `ca_file`'s CAs when given; `bundles`
    are where Linux keeps the store when OpenSSL's own locations hold none.

    Raises:
        LocalIOError: `ca_file`, or the system bundle found in `bundles`, cannot be loaded.
    """
    ctx = _os_trust_context(bundles)
    if ctx is None:  # a system with no CAs at all (a bare container): certifi's bundle
        ctx = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise LocalIOError(f"io error: cannot load CA file {ca_file}: {exc}") from exc
    return ctx


def _os_trust_context(bundles: tuple[str, ...]) -> ssl.SSLContext | None:
    """The OS trust store; None when it holds no CAs.

    Windows and macOS: truststore, which asks the system's own verifier. Linux and the BSDs:
    the locations truststore would use there, in its order (OpenSSL's defaults when they hold
    CAs, else the first bundle file found), loaded once. truststore loads them again for every
    new connection: ~20–40 ms of parsing the system bundle per connection with OpenSSL 3, and
    with OpenSSL 3.0–3.3 (Debian 12, Ubuntu 22.04/24.04, RHEL 9) each reload adds one more
    directory lookup that every later verification goes through (truststore issue #212). A CA
    installed while the sidecar runs is trusted from its next start.
    """
    if sys.platform in ("win32", "darwin"):
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the certificate and the host name
    paths = ssl.get_default_verify_paths()
    if paths.cafile or (paths.capath and _holds_hashed_certs(paths.capath)):
        ctx.set_default_verify_paths()
        return ctx
    bundle = next((f for f in bundles if os.path.isfile(f)), None)
    if bundle is None:
        return None
    try:
        ctx.load_verify_locations(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:  # truststore raised it at each connection instead
        raise LocalIOError(f"io error: cannot load the system's CA bundle {bundle}: {exc}") from exc
    return ctx


def _holds_hashed_certs(folder: str) -> bool:
    """Whether OpenSSL's hashed lookup would find anything in `folder` (`<hash>.<n>` names)."""
    try:
        return any(_HASHED_NAME.fullmatch(name) for name in os.listdir(folder))
    except OSError:
        return False
