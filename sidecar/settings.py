"""Process settings: every CLI flag of `docs/interface.md` §1 and its environment twin.

Owns: names, parsing and validation of the flags (a flag wins over its env twin) and the
defaults of the flags that drive nothing but the sidecar itself; the Tracker client's own
defaults (URLs, cooldown, time limit) are read from `ClientConfig`, never repeated here.
Must not know: what the settings drive. Invalid values raise SettingsError (the CLI exits 2).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import msgspec

from sidecar.tracker.config import ClientConfig, check_base_url


class SettingsError(Exception):
    """A flag or environment value is unusable; the message says which and why."""


_CLIENT = ClientConfig()


class Settings(msgspec.Struct, frozen=True):
    api_base_url: str = _CLIENT.api_base_url
    oauth_base_url: str = _CLIENT.oauth_base_url
    ca_file: str | None = _CLIENT.ca_file
    allow_http_loopback: bool = _CLIENT.allow_http_loopback
    secrets: Literal["keyring", "file", "memory"] = "keyring"
    config_dir: Path | None = None
    accept_language: str | None = _CLIENT.accept_language
    cooldown_ms: int = round(_CLIENT.cooldown_s * 1000)
    request_timeout_s: float = _CLIENT.request_timeout_s
    cache_fresh_s: float = 5.0
    transfer_idle_timeout_s: float = _CLIENT.transfer_idle_timeout_s
    transfer_timeout_s: float = _CLIENT.transfer_timeout_s
    cache_ttl_s: float = 300.0
    tray_interval_s: float = 300.0
    no_notifications: bool = False
    cache_dir: Path | None = None
    no_disk_cache: bool = False
    cache_max_mb: float = 64.0
    catalog_ttl_s: float = 86400.0
    log_level: str = "info"
    log_file: Path | None = None
    demo: bool = False

    def resolved_config_dir(self) -> Path:
        return self.config_dir or default_config_dir()

    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or default_cache_dir()


def default_config_dir() -> Path:
    """Where the YTracker app keeps config.json (Rust `ProjectDirs("ru","sovego","ytracker")`)."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", home / "AppData/Roaming")) / "sovego/ytracker/config"
    if sys.platform == "darwin":
        return home / "Library/Application Support/ru.sovego.ytracker"
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(xdg) / "ytracker"


def default_cache_dir() -> Path:
    """The user's cache folder for the platform, and `ytracker-sidecar` in it."""
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or str(home / "AppData/Local")
        return Path(local) / "ytracker-sidecar/cache"
    if sys.platform == "darwin":
        return home / "Library/Caches/ytracker-sidecar"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(xdg) / "ytracker-sidecar"


_ENV = {
    "api_base_url": "YTRACKER_API_BASE_URL",
    "oauth_base_url": "YTRACKER_OAUTH_BASE_URL",
    "ca_file": "YTRACKER_CA_FILE",
    "allow_http_loopback": "YTRACKER_ALLOW_HTTP_LOOPBACK",
    "secrets": "YTRACKER_SECRETS",
    "config_dir": "YTRACKER_CONFIG_DIR",
    "accept_language": "YTRACKER_ACCEPT_LANGUAGE",
    "cooldown_ms": "YTRACKER_COOLDOWN_MS",
    "request_timeout_s": "YTRACKER_REQUEST_TIMEOUT_S",
    "cache_fresh_s": "YTRACKER_CACHE_FRESH_S",
    "transfer_idle_timeout_s": "YTRACKER_TRANSFER_IDLE_TIMEOUT_S",
    "transfer_timeout_s": "YTRACKER_TRANSFER_TIMEOUT_S",
    "cache_ttl_s": "YTRACKER_CACHE_TTL_S",
    "tray_interval_s": "YTRACKER_TRAY_INTERVAL_S",
    "no_notifications": "YTRACKER_NO_NOTIFICATIONS",
    "cache_dir": "YTRACKER_CACHE_DIR",
    "no_disk_cache": "YTRACKER_NO_DISK_CACHE",
    "cache_max_mb": "YTRACKER_CACHE_MAX_MB",
    "catalog_ttl_s": "YTRACKER_CATALOG_TTL_S",
    "log_level": "YTRACKER_LOG_LEVEL",
    "log_file": "YTRACKER_LOG_FILE",
    "demo": "YTRACKER_DEMO",
}
_FLAGS = {"allow_http_loopback", "demo", "no_notifications", "no_disk_cache"}
# What may go into a header as it is: visible ASCII and spaces (no CR, LF or NUL to split it).
_HEADER_VALUE = re.compile(r"[\x20-\x7e]*")
_SECRETS = ("keyring", "file", "memory")
# Not a setting: a secret, read from the environment only (a flag would show in `ps`).
PASSPHRASE_VAR = "YTRACKER_SECRETS_PASSPHRASE"
_LEVELS = ("debug", "info", "warning", "error")


LIST_POLICY = """\
Issue lists: identical get_issues calls in flight share one Tracker search, and
the same first page is answered again for --cache-fresh-s seconds (a double
effect, the start-up burst, a filter toggled back); after that every call, a
Refresh included, asks Tracker. The last good page is kept --cache-ttl-s seconds
for when Tracker cannot be reached. A write through the sidecar ends the window
at once. Load more follows the sidecar's own cursor: when Tracker has forgotten
the scroll (60 s), the search is re-opened after the rows already shown.

Disk cache: what the user saw last is kept per account under --cache-dir (first
pages, issues, comments, catalogs, the current user, transitions), so a start
answers catalogs and the user from disk for --catalog-ttl-s and reads work when
Tracker cannot be reached (each such answer announced by a cache/stale
notification). logout deletes the account's store; cache/clear empties it."""


class _Option(msgspec.Struct, frozen=True):
    """One flag as `--help` shows it; its env twin comes from `_ENV`."""

    flag: str
    metavar: str | None  # None: a switch
    help: str
    default: str
    choices: tuple[str, ...] | None = None


def _options() -> list[_Option]:
    d = Settings()
    return [
        _Option("--api-base-url", "URL", "Tracker API root", d.api_base_url),
        _Option("--oauth-base-url", "URL", "Yandex ID OAuth root", d.oauth_base_url),
        _Option(
            "--ca-file",
            "PATH",
            "an extra trusted CA bundle, added to the OS store (a corporate TLS proxy)",
            "the OS trust store",
        ),
        _Option(
            "--allow-http-loopback",
            None,
            "allow http:// base URLs on 127.0.0.1, ::1 or localhost",
            "off",
        ),
        _Option(
            "--secrets",
            None,
            "where the session lives: the OS store (memory when there is none), an "
            f"encrypted file (passphrase in {PASSPHRASE_VAR}), or memory only",
            d.secrets,
            _SECRETS,
        ),
        _Option(
            "--config-dir",
            "DIR",
            "the folder of config.json and of the --secrets file store",
            f"{default_config_dir()} (see below)",
        ),
        _Option("--accept-language", "L", "Accept-Language sent to Tracker (ru, en, …)", "none"),
        _Option(
            "--cooldown-ms",
            "N",
            "least time between the starts of two Tracker requests; 0 turns it off",
            str(d.cooldown_ms),
        ),
        _Option(
            "--request-timeout-s",
            "N",
            "limit for one attempt of one Tracker request",
            f"{d.request_timeout_s:g}",
        ),
        _Option(
            "--transfer-idle-timeout-s",
            "N",
            "an attachment transfer fails after this long without a byte",
            f"{d.transfer_idle_timeout_s:g}",
        ),
        _Option(
            "--transfer-timeout-s",
            "N",
            "limit for a whole attachment transfer or preview",
            f"{d.transfer_timeout_s:g}",
        ),
        _Option(
            "--cache-fresh-s",
            "N",
            "reuse an identical issue-list first page for N s; 0 always asks",
            f"{d.cache_fresh_s:g}",
        ),
        _Option(
            "--cache-ttl-s",
            "N",
            "keep the last good issue-list page N s; 0 disables list caching",
            f"{d.cache_ttl_s:g}",
        ),
        _Option(
            "--tray-interval-s",
            "N",
            "background refresh of the tray's issues; 0 disables it",
            f"{d.tray_interval_s:g}",
        ),
        _Option("--no-notifications", None, "send no `notify` messages", "off"),
        _Option(
            "--cache-dir",
            "DIR",
            "the folder of the per-account disk cache",
            "the platform's cache folder (below)",
        ),
        _Option("--no-disk-cache", None, "keep nothing on disk", "off"),
        _Option(
            "--cache-max-mb",
            "N",
            "size cap of each account's disk cache; 0 is --no-disk-cache",
            f"{d.cache_max_mb:g}",
        ),
        _Option(
            "--catalog-ttl-s",
            "N",
            "answer the catalogs and the current user from the disk cache for N s",
            f"{d.catalog_ttl_s:g}",
        ),
        _Option(
            "--log-level",
            "L",
            "the level of stderr and --log-file: " + ", ".join(_LEVELS),
            d.log_level,
        ),
        _Option(
            "--log-file",
            "PATH",
            "also log to this file, rotated at 5 MiB with 3 older files kept (see below)",
            "off",
        ),
        _Option("--demo", None, "serve the embedded demo Tracker, signed in, offline", "off"),
    ]


_EPILOG = f"""\
A flag wins over its environment twin; an empty variable counts as unset; a switch's twin is
on for 1, true, yes or on.

environment without a flag:
  YTRACKER_CLIENT_ID, YTRACKER_CLIENT_SECRET
                        the OAuth app's credentials, for exchange_code and token refresh;
                        never stored, logged or sent anywhere but the OAuth token endpoint
  {PASSPHRASE_VAR}
                        the passphrase of --secrets file
  YTRACKER_RETRY_SLEEP_SCALE
                        a factor on every retry wait (tests set 0)
  YTRACKER_TRAY_MINUTE_S
                        the length of the tray's minute in seconds (tests shorten it)

the config folder by platform (the YTracker app's own):
  Linux                 $XDG_CONFIG_HOME/ytracker, else ~/.config/ytracker
  macOS                 ~/Library/Application Support/ru.sovego.ytracker
  Windows               %APPDATA%\\sovego\\ytracker\\config

the disk cache folder by platform:
  Linux                 $XDG_CACHE_HOME/ytracker-sidecar, else ~/.cache/ytracker-sidecar
  macOS                 ~/Library/Caches/ytracker-sidecar
  Windows               %LOCALAPPDATA%\\ytracker-sidecar\\cache

the log file: a path in the app's log folder, e.g. <folder>/sidecar.log, where <folder> is
Tauri's app_log_dir() or Electron's app.getPath("logs"):
  Linux                 ~/.local/share/ru.sovego.YTracker/logs
  macOS                 ~/Library/Logs/ru.sovego.YTracker
  Windows               %LOCALAPPDATA%\\ru.sovego.YTracker\\logs
"""


def _help_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter at the terminal's width (or $COLUMNS), found without `shutil`.

    argparse builds a formatter for every flag it is given, only to check it; left to itself,
    each asks `shutil.get_terminal_size`, and importing shutil cost every start ~2 ms.
    """
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() else 0
    if width <= 0:
        try:
            width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            width = 80
    return argparse.RawDescriptionHelpFormatter(prog, width=width - 2)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ytracker-sidecar",
        description="Yandex Tracker backend for the YTracker desktop app:\n"
        "JSON-RPC 2.0 over stdin/stdout, one JSON message per line.",
        epilog=LIST_POLICY + "\n\n" + _EPILOG,
        formatter_class=_help_formatter,
    )
    for option in _options():
        dest = option.flag[2:].replace("-", "_")
        twin = _ENV[dest] + ("=1" if dest in _FLAGS else "")
        text = f"{option.help} [env: {twin}; default: {option.default}]".replace("%", "%%")
        if option.metavar is None and option.choices is None:
            parser.add_argument(option.flag, action="store_true", default=None, help=text)
        else:
            parser.add_argument(
                option.flag, metavar=option.metavar, choices=option.choices, help=text
            )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def from_args(ns: argparse.Namespace, env: dict[str, str] | None = None) -> Settings:
    """Merge parsed flags over their env twins over the defaults, then validate."""
    env = dict(os.environ) if env is None else env
    raw = {name: _pick(getattr(ns, name, None), env.get(var), name) for name, var in _ENV.items()}
    values = {k: v for k, v in raw.items() if v is not None}
    settings = msgspec.structs.replace(Settings(), **_convert(values))
    validate(settings)
    if settings.secrets == "file" and not env.get(PASSPHRASE_VAR, "").strip():
        raise SettingsError(f"--secrets file needs a passphrase in {PASSPHRASE_VAR}")
    return settings


def _pick(flag: object, env_value: str | None, name: str) -> object:
    if flag is not None:
        return flag
    if env_value is None or env_value == "":
        return None
    if name in _FLAGS:
        return env_value.strip().lower() in ("1", "true", "yes", "on")
    return env_value


def _convert(values: dict[str, object]) -> dict[str, Any]:
    converters: dict[str, Callable[[object], object]] = {
        "cooldown_ms": lambda v: _number(v, "--cooldown-ms", int),
        "request_timeout_s": lambda v: _number(v, "--request-timeout-s", float),
        "cache_fresh_s": lambda v: _number(v, "--cache-fresh-s", float),
        "transfer_idle_timeout_s": lambda v: _number(v, "--transfer-idle-timeout-s", float),
        "transfer_timeout_s": lambda v: _number(v, "--transfer-timeout-s", float),
        "cache_ttl_s": lambda v: _number(v, "--cache-ttl-s", float),
        "tray_interval_s": lambda v: _number(v, "--tray-interval-s", float),
        "cache_max_mb": lambda v: _number(v, "--cache-max-mb", float),
        "catalog_ttl_s": lambda v: _number(v, "--catalog-ttl-s", float),
        "config_dir": lambda v: Path(str(v)).expanduser(),
        "log_file": lambda v: Path(str(v)).expanduser(),
        "cache_dir": lambda v: Path(str(v)).expanduser(),
        "log_level": lambda v: str(v).lower(),
        "api_base_url": lambda v: str(v).rstrip("/"),
        "oauth_base_url": lambda v: str(v).rstrip("/"),
    }
    return {k: converters[k](v) if k in converters else v for k, v in values.items()}


def _number(value: object, flag: str, kind: type[int] | type[float]) -> int | float:
    try:
        number = kind(str(value))
    except ValueError:
        raise SettingsError(f"{flag} must be a number, got {value!r}") from None
    if not math.isfinite(number):  # nan would pass every comparison below
        raise SettingsError(f"{flag} must be a finite number, got {value!r}")
    if number < 0:
        raise SettingsError(f"{flag} must not be negative, got {value!r}")
    return number


def validate(settings: Settings) -> None:
    if settings.secrets not in _SECRETS:
        raise SettingsError(f"--secrets must be keyring, file or memory, got {settings.secrets!r}")
    if settings.log_level not in _LEVELS:
        raise SettingsError(f"--log-level must be one of {', '.join(_LEVELS)}")
    for flag, limit in (
        ("--request-timeout-s", settings.request_timeout_s),
        ("--transfer-idle-timeout-s", settings.transfer_idle_timeout_s),
        ("--transfer-timeout-s", settings.transfer_timeout_s),
    ):
        if limit <= 0:
            raise SettingsError(f"{flag} must be greater than 0")
    language = settings.accept_language
    if language is not None and not _HEADER_VALUE.fullmatch(language):
        raise SettingsError(f"--accept-language must be printable ASCII, got {language!r}")
    if not math.isfinite(settings.tray_interval_s):
        raise SettingsError("--tray-interval-s must be a finite number of seconds")
    for flag, url in (
        ("--api-base-url", settings.api_base_url),
        ("--oauth-base-url", settings.oauth_base_url),
    ):
        try:
            check_base_url(url, settings.allow_http_loopback)
        except ValueError as exc:
            raise SettingsError(f"{flag}: {exc}") from None
