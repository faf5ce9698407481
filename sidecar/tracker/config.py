"""The Tracker client's settings and the HTTPS-only base URL rule.

Owns: `ClientConfig` (built by the app from flags and env), `RetryPolicy` (its retry knobs),
`check_base_url`, and what makes a URL unusable (`refuse_text`, `refuse_parts`, shared with
`urls.check_url`).
Must not know: where the settings came from (CLI, env), or how a refusal becomes an exit code.
The settings check their base URLs before `ready`, so this module parses with the standard
library: yarl (~5 ms of imports) loads with the client, after `ready`. yarl splits a URL with
the same `urllib.parse.urlsplit`, so both refuse the same texts with the same words.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

import msgspec

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A host as it reaches DNS: letters, digits, `-`, `_`, `.` (IDNA-encoded first), or an IPv6
# literal.
HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+(%[\w.~-]+)?")


SLEEP_SCALE_ENV = "YTRACKER_RETRY_SLEEP_SCALE"


class RetryPolicy(msgspec.Struct, frozen=True):
    """Attempt limit and backoff shape (`retry.py` decides with them); `sleep_scale=0` makes
    tests never sleep."""

    max_attempts: int = 4
    base_s: float = 0.5
    cap_s: float = 8.0
    max_retry_after_s: float = 20.0  # a longer Retry-After is answered at once, not waited
    sleep_scale: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetryPolicy:
        """The default policy, with `YTRACKER_RETRY_SLEEP_SCALE` applied when set."""
        raw = (os.environ if environ is None else environ).get(SLEEP_SCALE_ENV, "").strip()
        if not raw:
            return cls()
        try:
            scale = float(raw)
        except ValueError:
            raise ValueError(f"{SLEEP_SCALE_ENV} must be a number, got {raw!r}") from None
        if not math.isfinite(scale):
            raise ValueError(f"{SLEEP_SCALE_ENV} must be a finite number, got {raw!r}")
        return cls(sleep_scale=max(scale, 0.0))


class ClientConfig(msgspec.Struct, frozen=True):
    """Everything `TrackerClient` needs besides credentials."""

    api_base_url: str = "https://api.tracker.yandex.net"
    oauth_base_url: str = "https://oauth.yandex.ru"
    ca_file: str | None = None
    allow_http_loopback: bool = False
    accept_language: str | None = None
    cooldown_s: float = 0.35
    request_timeout_s: float = 30.0
    connect_timeout_s: float = 10.0
    transfer_idle_timeout_s: float = 60.0
    transfer_timeout_s: float = 3600.0
    user_agent: str = "ytracker-sidecar"
    retry: RetryPolicy = msgspec.field(default_factory=RetryPolicy)


def check_base_url(url: str, allow_http_loopback: bool) -> None:
    """Refuse anything but https, or http to a loopback host when explicitly allowed, and
    anything the URL parser would reject later (`urls.check_url`: a backslash, a control
    character, a port out of range, no usable host).

    Raises:
        ValueError: with a message fit for the user (the CLI exits with code 2).
    """
    if not url.strip():
        raise ValueError(f"invalid base URL {url!r}: no host")
    parts = _split(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https":
        return
    if parts.scheme != "http":
        raise ValueError(f"invalid base URL {url!r}: only https:// is supported")
    if not allow_http_loopback:
        raise ValueError(
            f"refusing http:// base URL {url!r}: HTTPS only "
            "(--allow-http-loopback permits http to 127.0.0.1, ::1 or localhost)"
        )
    if host not in LOOPBACK_HOSTS:
        raise ValueError(
            f"refusing http:// base URL {url!r}: --allow-http-loopback permits only "
            "127.0.0.1, ::1 or localhost"
        )


def refuse_text(url: str) -> None:
    """ValueError for what no URL parser should be handed: control characters, a backslash."""
    if URL_CONTROL.search(url):
        raise ValueError(f"invalid URL {url!r}: it contains a control character")
    if "\\" in url:
        raise ValueError(f"invalid URL {url!r}: a backslash is not allowed")


def refuse_parts(url: str, port: int | None, host: str | None) -> None:
    """ValueError for a parsed URL's port out of range or a host that is not a DNS name or an
    IP literal (`host` as it reaches DNS)."""
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"invalid URL {url!r}: port {port} is out of range")
    if not host or not HOST.fullmatch(host):
        raise ValueError(f"invalid URL {url!r}: no usable host")


def _split(url: str) -> SplitResult:
    """`url` split, or ValueError naming what the URL parser would choke on, in the words of
    `urls.check_url` (the same two checks around another parser)."""
    refuse_text(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid URL {url!r}: {exc}") from None
    refuse_parts(url, port, _dns_host(parts.hostname or ""))
    return parts


def _dns_host(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")  # as yarl encodes it
    except UnicodeError:
        return ""
