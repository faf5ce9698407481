"""Loading the HTTP stack (`transport.py`, aiohttp under it): once, off the event loop, and
without the two SSL contexts aiohttp builds at import for nobody here.

Owns: `load_transport()`, the one way the client imports `transport.py`; `preload()`, which
starts it and the TLS trust (`trust.py`) in two daemon threads, so that OpenSSL parses the CA
bundle on the other core while aiohttp is imported (the bundle ~20–40 ms, aiohttp ~50 ms);
and `_without_default_trust()`. `aiohttp.connector` makes `_SSL_CONTEXT_VERIFIED` and
`_SSL_CONTEXT_UNVERIFIED` when it is imported, and each loads the system's CA bundle: with
OpenSSL 3 on Linux ~35–40 ms apiece (the Windows store enumeration on Windows), measured as
the transport import going from 142–199 ms to 91–102 ms. aiohttp uses them only for a
connector given no context of its own, and `transport.make_session` always gives one. So while
aiohttp is imported, `load_default_certs` and `set_default_verify_paths` do nothing in the
importing thread: those two contexts trust no CA at all, and should one ever be used it would
refuse every certificate (failing closed, never open). Other threads get the real methods
meanwhile, and one lock lets one thread at a time install and remove the stand-ins.

Must not know: aiohttp's API, Tracker. Imports nothing heavy at module level (the client
imports it; ssl alone would cost ~6 ms).
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

TRANSPORT = "sidecar.tracker.transport"
TRUST = "sidecar.tracker.trust"
_TRUST_LOADERS = ("load_default_certs", "set_default_verify_paths")
_lock = threading.Lock()


def load_transport() -> ModuleType:
    """`sidecar.tracker.transport`, imported on the first call. Blocks: call it off the loop."""
    with _lock:
        if "aiohttp.connector" in sys.modules:  # its contexts exist already, or never will
            return importlib.import_module(TRANSPORT)
        with _without_default_trust():
            return importlib.import_module(TRANSPORT)


def preload(ca_file: str | None, *, tls: bool) -> list[threading.Thread]:
    """Load the HTTP stack, and with `tls` the SSL context for `ca_file`, in threads of their
    own; the threads started.

    aiohttp's import runs in a daemon thread. The SSL context's does not: an interpreter that
    exits while OpenSSL parses a bundle in another thread crashes (libcrypto's exit handler
    frees what that thread is using: 7 of 80 in-process runs that ended right after the start,
    under load), so a normal exit waits for it, tens of milliseconds. The sidecar itself ends
    with `os._exit`, which waits for no thread and runs no exit handler.
    """
    started = [threading.Thread(target=load_transport, daemon=True, name="preload-http")]
    if tls:
        started.append(threading.Thread(target=_trust, args=(ca_file,), name="preload-tls"))
    for thread in started:
        thread.start()
    return started


def load_trust(ca_file: str | None) -> ssl.SSLContext:
    """`trust.shared_ssl_context(ca_file)`, its module imported on the first call. Blocks.

    Raises:
        LocalIOError: `ca_file` cannot be loaded.
    """
    context: ssl.SSLContext = importlib.import_module(TRUST).shared_ssl_context(ca_file)
    return context


def _trust(ca_file: str | None) -> None:
    # A CA file that cannot be loaded is reported by the first request's own call, which
    # tries again; here it would only be a traceback on stderr.
    with suppress(Exception):
        load_trust(ca_file)


@contextmanager
def _without_default_trust() -> Iterator[None]:
    """Inside, SSL contexts made in this thread load no default CAs; in others they do."""
    import ssl

    owner = threading.get_ident()
    saved = {name: ssl.SSLContext.__dict__.get(name) for name in _TRUST_LOADERS}
    for name in _TRUST_LOADERS:
        setattr(ssl.SSLContext, name, _skipped_in(owner, getattr(ssl.SSLContext, name)))
    try:
        yield
    finally:
        for name, own in saved.items():
            if own is None:  # inherited from `_ssl._SSLContext`: uncover it again
                delattr(ssl.SSLContext, name)
            else:
                setattr(ssl.SSLContext, name, own)


def _skipped_in(owner: int, method: Callable[..., Any]) -> Callable[..., Any]:
    def stand_in(self: Any, *args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == owner:
            return None
        return method(self, *args, **kwargs)

    return stand_in
