"""sidecar/log.py: the JSON line format, the redaction every line goes through, and the
private rotating log file."""

from __future__ import annotations

import io
import json
import logging
import stat
import sys
from pathlib import Path

import pytest

from sidecar import log
from sidecar.redaction import Secrets


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Authorization: OAuth y0_AgAAAAAA-secret", "Authorization: OAuth [redacted]"),
        ("Bearer t1.9euelZqNj5KSk5OTnY2PiZ", "Bearer [redacted]"),
        ("saw y0_AgAAAAAAbbbbbbbbbbbbbbbbbbbb in a message", "saw [redacted] in a message"),
        ("iam t1.9euelZqNj5KSk5OTnY2PiZqKkQ.x", "iam [redacted]"),
        (
            "refresh_token=1:abc&client_secret=s3cr3t",
            "refresh_token=[redacted]&client_secret=[redacted]",
        ),
        (
            '{"access_token": "abc", "expires_in": 10}',
            '{"access_token": "[redacted]", "expires_in": 10}',
        ),
        ('{\\"refresh_token\\": \\"1:abc\\"}', '{\\"refresh_token\\": \\"[redacted]\\"}'),
        ("http 404 Not Found: TEST-1, org 1234567", "http 404 Not Found: TEST-1, org 1234567"),
        ("OAuth app credentials are missing", "OAuth app credentials are missing"),
    ],
)
def test_credential_shaped_values_are_masked_and_nothing_else(text: str, shown: str) -> None:
    assert Secrets().redact(text, shapes=True) == shown


def test_registered_values_are_masked_longest_first_and_short_ones_ignored() -> None:
    secrets = Secrets()
    secrets.add("plain-secret-value", "plain-secret-value-longer", "short", None)
    assert secrets.redact("a plain-secret-value-longer b") == "a [redacted] b"
    assert secrets.redact("c plain-secret-value d") == "c [redacted] d"
    assert secrets.redact("short stays") == "short stays"


def record(message: str, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("sidecar.x", logging.ERROR, __file__, 1, message, (), exc_info)


def test_a_traceback_is_masked_like_the_message() -> None:
    secrets = Secrets()
    secrets.add("token-in-a-bug-1234")
    try:
        raise RuntimeError("failed with token-in-a-bug-1234")
    except RuntimeError as exc:
        line = log.JsonLineFormatter(secrets).format(record("boom token-in-a-bug-1234", exc))
    entry = json.loads(line)
    assert entry["msg"] == "boom [redacted]"
    assert entry["traceback"].endswith("RuntimeError: failed with [redacted]")


def test_the_log_file_rotates_and_every_file_is_private(tmp_path: Path) -> None:
    handler = log.open_log_file(tmp_path / "logs" / "sidecar.log")
    handler.maxBytes = 2_000  # the stdlib handler's own setting, small for the test
    handler.setFormatter(log.JsonLineFormatter(Secrets()))
    try:
        for n in range(200):
            handler.emit(record(f"line {n} " + "x" * 60))
    finally:
        handler.close()
    names = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert names == ["sidecar.log", "sidecar.log.1", "sidecar.log.2", "sidecar.log.3"]
    if sys.platform != "win32":
        assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700
        for name in names:
            assert stat.S_IMODE((tmp_path / "logs" / name).stat().st_mode) == 0o600
    last = (tmp_path / "logs" / "sidecar.log").read_text().splitlines()[-1]
    assert json.loads(last)["msg"].startswith("line 199 ")


class FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


def test_a_log_file_that_fails_later_says_so_once_and_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = log.open_log_file(tmp_path / "sidecar.log")
    handler.setFormatter(log.JsonLineFormatter(Secrets()))
    handler.emit(record("first"))
    handler.stream.close()
    handler.stream = FullDisk()  # the stdlib handler's stream, as a full disk would leave it
    for _ in range(3):
        handler.emit(record("lost"))
    handler.close()
    err = capsys.readouterr().err
    assert err.count("ytracker-sidecar: cannot write the log file") == 1
    assert "No space left on device" in err and "logging to it stops" in err
    lines = (tmp_path / "sidecar.log").read_text().splitlines()
    assert [json.loads(line)["msg"] for line in lines] == ["first"]
