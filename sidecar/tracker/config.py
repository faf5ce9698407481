"""The Tracker client's settings and the HTTPS-only base URL rule.

Owns: `ClientConfig` (built by the app from flags and env) and `check_base_url`.
Must not know: where the settings came from (CLI, env), or how a refusal becomes an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .retry import RetryPolicy
from .urls import check_url

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class ClientConfig:
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
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def check_base_url(url: str, allow_http_loopback: bool) -> None:
    """Refuse anything but https, or http to a loopback host when explicitly allowed, and
    anything the URL parser would reject later (`urls.check_url`: a backslash, a control
    character, a port out of range, no usable host).

    Raises:
        ValueError: with a message fit for the user (the CLI exits with code 2).
    """
    if not url.strip():
        raise ValueError(f"invalid base URL {url!r}: no host")
    parts = check_url(url)
    host = (parts.host or "").lower()
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
