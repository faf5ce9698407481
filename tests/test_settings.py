"""Flags, env twins, defaults and the exit-2 validation of `docs/interface.md` §1."""

from __future__ import annotations

import sys
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


def test_the_disk_cache_flags_and_their_env_twins(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings([])
    assert (s.cache_dir, s.no_disk_cache, s.cache_max_mb, s.catalog_ttl_s) == (
        None,
        False,
        64.0,
        86400.0,
    )
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    if sys.platform.startswith("linux"):
        assert s.resolved_cache_dir() == Path("/xdg/ytracker-sidecar")
    flags = ["--cache-dir", "~/c", "--no-disk-cache", "--cache-max-mb", "8", "--catalog-ttl-s", "0"]
    s = settings(flags)
    assert (s.cache_dir, s.no_disk_cache, s.cache_max_mb, s.catalog_ttl_s) == (
        Path("~/c").expanduser(),
        True,
        8.0,
        0.0,
    )
    env = {
        "YTRACKER_CACHE_DIR": "/c",
        "YTRACKER_NO_DISK_CACHE": "yes",
        "YTRACKER_CACHE_MAX_MB": "1.5",
        "YTRACKER_CATALOG_TTL_S": "60",
    }
    s = settings([], env)
    assert (s.resolved_cache_dir(), s.no_disk_cache, s.cache_max_mb, s.catalog_ttl_s) == (
        Path("/c"),
        True,
        1.5,
        60.0,
    )
    for bad in (["--cache-max-mb", "lots"], ["--catalog-ttl-s", "-1"]):
        with pytest.raises(SettingsError):
            settings(bad)


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


NUMBER_FLAGS = [
    "--cooldown-ms",
    "--request-timeout-s",
    "--transfer-idle-timeout-s",
    "--transfer-timeout-s",
    "--cache-ttl-s",
]


@pytest.mark.parametrize("flag", NUMBER_FLAGS)
@pytest.mark.parametrize("value", ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400"])
def test_non_finite_numbers_are_refused(flag: str, value: str) -> None:
    """nan passes every comparison (`nan < 0` is False), so it slipped past the range checks."""
    with pytest.raises(SettingsError, match=f"^{flag} must be a "):
        settings([f"{flag}={value}"])
    env = {"YTRACKER_" + flag[2:].replace("-", "_").upper(): value}
    with pytest.raises(SettingsError, match=f"^{flag} must be a "):
        settings([], env)


def test_transfer_limits_have_flags_and_env_twins() -> None:
    s = settings([])
    assert (s.transfer_idle_timeout_s, s.transfer_timeout_s) == (60.0, 3600.0)
    s = settings(["--transfer-idle-timeout-s", "0.5", "--transfer-timeout-s", "90"])
    assert (s.transfer_idle_timeout_s, s.transfer_timeout_s) == (0.5, 90.0)
    env = {"YTRACKER_TRANSFER_IDLE_TIMEOUT_S": "5", "YTRACKER_TRANSFER_TIMEOUT_S": "7"}
    assert (settings([], env).transfer_idle_timeout_s, settings([], env).transfer_timeout_s) == (
        5.0,
        7.0,
    )
    for flag in ("--transfer-idle-timeout-s", "--transfer-timeout-s"):
        with pytest.raises(SettingsError, match=f"^{flag} must be greater than 0$"):
            settings([flag, "0"])


@pytest.mark.parametrize(
    "url",
    [
        "https://api\\tracker.yandex.net",
        "https://api.tracker.yandex.net\\v3",
        "https://api.tracker.yandex.net:99999",
        "https://api.tracker.yandex.net:0",
        "https://api.tracker\x00.yandex.net",
        "https://api.tracker.yandex.net/\r\n",
        "https://[::1",
        "https://api tracker.yandex.net",
    ],
)
@pytest.mark.parametrize("flag", ["--api-base-url", "--oauth-base-url"])
def test_base_urls_the_parser_would_choke_on_are_refused(flag: str, url: str) -> None:
    with pytest.raises(SettingsError, match=f"^{flag}: invalid URL"):
        settings([flag, url])


@pytest.mark.parametrize("value", ["ru\r\nX-Evil: 1", "ru\n", "ru\x00", "русский"])
def test_an_accept_language_that_cannot_be_a_header_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^--accept-language must be printable ASCII"):
        settings(["--accept-language", value])
