"""Flags, env twins, defaults and the exit-2 validation of `docs/interface.md` §1."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidecar.settings import Settings, SettingsError, build_parser, from_args


def settings(argv: list[str], env: dict[str, str] | None = None) -> Settings:
    return from_args(build_parser().parse_args(argv), env or {})


def test_defaults() -> None:
    s = settings([])
    assert s.api_base_url == "https://api.tracker.yandex.net"
    assert (s.cooldown_ms, s.request_timeout_s, s.cache_ttl_s) == (350, 30.0, 300.0)
    assert 0 < s.cache_fresh_s <= 10  # a Refresh reaches Tracker after a few seconds
    assert (s.secrets, s.log_level, s.demo, s.allow_http_loopback) == (
        "keyring",
        "info",
        False,
        False,
    )


def test_the_tray_flags_and_their_env_twins() -> None:
    assert (settings([]).tray_interval_s, settings([]).no_notifications) == (300.0, False)
    s = settings(["--tray-interval-s", "0.5", "--no-notifications"])
    assert (s.tray_interval_s, s.no_notifications) == (0.5, True)
    env = {"YTRACKER_TRAY_INTERVAL_S": "0", "YTRACKER_NO_NOTIFICATIONS": "yes"}
    assert (settings([], env).tray_interval_s, settings([], env).no_notifications) == (0.0, True)
    assert settings(["--tray-interval-s", "60"], env).tray_interval_s == 60.0
    assert settings([], {"YTRACKER_NO_NOTIFICATIONS": "0"}).no_notifications is False


def test_env_twins_and_flag_precedence() -> None:
    env = {"YTRACKER_COOLDOWN_MS": "100", "YTRACKER_SECRETS": "memory", "YTRACKER_DEMO": "1"}
    s = settings(["--cooldown-ms", "0"], env)
    assert (s.cooldown_ms, s.secrets, s.demo) == (0, "memory", True)
    assert settings([], {"YTRACKER_CONFIG_DIR": "/x"}).config_dir == Path("/x")
    fresh = settings(["--cache-fresh-s", "2.5"], {"YTRACKER_CACHE_FRESH_S": "9"})
    assert (fresh.cache_fresh_s, settings([], {"YTRACKER_CACHE_FRESH_S": "0"}).cache_fresh_s) == (
        2.5,
        0.0,
    )


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--api-base-url", "http://api.tracker.yandex.net"], {}),
        (["--api-base-url", "http://127.0.0.1:1"], {}),
        (["--api-base-url", "http://example.com", "--allow-http-loopback"], {}),
        (["--oauth-base-url", "ftp://x"], {}),
        (["--cooldown-ms", "abc"], {}),
        (["--cooldown-ms", "-1"], {}),
        (["--cache-fresh-s", "soon"], {}),
        ([], {"YTRACKER_CACHE_FRESH_S": "-1"}),
        (["--log-level", "loud"], {}),
        (["--tray-interval-s", "-5"], {}),
        (["--tray-interval-s", "inf"], {}),
        ([], {"YTRACKER_TRAY_INTERVAL_S": "nan"}),
        ([], {"YTRACKER_SECRETS": "plaintext"}),
    ],
)
def test_unusable_settings_are_refused(argv: list[str], env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        settings(argv, env)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_http_loopback_needs_the_flag(host: str) -> None:
    url = f"http://{host}:8080"
    assert settings(["--api-base-url", url, "--allow-http-loopback"]).api_base_url == url
    assert settings([], {"YTRACKER_API_BASE_URL": url, "YTRACKER_ALLOW_HTTP_LOOPBACK": "1"})
