"""`--help` is complete and agrees with docs/interface.md §1: every flag names its environment
twin and default, the epilog names the environment without flags and the per-platform
folders, and the documented flag table lists the same flags, twins and defaults."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sidecar.settings import default_config_dir
from tests.e2e.harness import REPO, sidecar_command

INTERFACE = REPO / "docs" / "interface.md"
TWIN = re.compile(r"\[env: (?P<env>YTRACKER_[A-Z_]+(?:=1)?); default: (?P<default>[^\]]+)\]$")
NOT_SETTINGS = {"--help", "--version"}  # they print and exit: no twin, no default


@pytest.fixture(scope="module")
def help_text() -> str:
    done = subprocess.run(
        [*sidecar_command(), "--help"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 0 and done.stderr == ""
    return done.stdout


def help_options(text: str) -> dict[str, str]:
    """Each option's whole help entry, continuation lines joined, keyed by its long flag."""
    section = text.split("\noptions:\n", 1)[1].split("\n\n", 1)[0]
    entries: dict[str, str] = {}
    flag = ""
    for line in section.splitlines():
        if found := re.match(r"^  (?:-\w, )?(--[a-z-]+)", line):
            flag = found.group(1)
            entries[flag] = line[found.end() :]
        else:
            entries[flag] += " " + line.strip()
    return {flag: " ".join(entry.split()) for flag, entry in entries.items()}


def twins_in_help(text: str) -> dict[str, tuple[str, str]]:
    found = {}
    for flag, entry in help_options(text).items():
        if flag in NOT_SETTINGS:
            continue
        match = TWIN.search(entry)
        assert match, f"{flag} does not name its environment twin and default: {entry!r}"
        found[flag] = (match["env"], match["default"])
    return found


def twins_in_docs() -> dict[str, tuple[str, str]]:
    text = INTERFACE.read_text(encoding="utf-8")
    section = text.split("### Settings", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\| `(-[^`]*)`(?:, `[^`]*`)? \| ([^|]*) \| ([^|]*) \|", line)
        if not match:
            continue
        flag = re.search(r"--[a-z-]+", line)
        assert flag is not None
        rows[flag.group(0)] = (match[2].strip().strip("`"), match[3].strip())
    return {flag: row for flag, row in rows.items() if flag not in NOT_SETTINGS}


def test_every_flag_names_its_environment_twin_and_default(help_text: str) -> None:
    flags = twins_in_help(help_text)
    assert len(flags) >= 13
    assert flags["--config-dir"][1].startswith(str(default_config_dir()))
    assert flags["--log-level"][1] == "info"


def test_the_epilog_names_the_environment_without_flags_and_the_folders(help_text: str) -> None:
    epilog = help_text.split("\noptions:\n", 1)[1].split("\n\n", 1)[1]
    for name in (
        "YTRACKER_CLIENT_ID",
        "YTRACKER_CLIENT_SECRET",
        "YTRACKER_SECRETS_PASSPHRASE",
        "YTRACKER_RETRY_SLEEP_SCALE",
        "YTRACKER_TRAY_MINUTE_S",
        "~/.config/ytracker",
        "~/Library/Application Support/ru.sovego.ytracker",
        "%APPDATA%\\sovego\\ytracker\\config",
        "app_log_dir()",
    ):
        assert name in epilog, name


def test_the_documented_flag_table_matches_help(help_text: str) -> None:
    in_help, in_docs = twins_in_help(help_text), twins_in_docs()
    assert sorted(in_docs) == sorted(in_help)
    for flag, (env, default) in in_docs.items():
        assert in_help[flag][0] == env, flag
        if flag == "--config-dir":  # the docs give the table of folders, --help this machine's
            continue
        assert in_help[flag][1] == default.strip("`"), flag


def test_the_table_is_read_at_all() -> None:
    assert Path(INTERFACE).exists() and "--log-file" in twins_in_docs()
