"""Human durations → ISO 8601: every answer the old parser got right, and its fixed wrong ones."""

from __future__ import annotations

import pytest

from sidecar.errors import InvalidInput
from sidecar.handlers.durations import parse_human_duration, tracker_seconds

# Inputs the old backend answered correctly keep their exact output (no normalisation).
OLD_RIGHT = [
    ("1w 2d 4h 30m", "P1W2DT4H30M"),
    ("90", "PT90M"),
    ("1.5", "PT1H30M"),
    ("0.25", "PT15M"),
    ("90m", "PT90M"),
    ("2d", "P2D"),
    ("2 hours", "PT2H"),
    ("3 days", "P3D"),
    ("1H", "PT1H"),
    ("  45m ", "PT45M"),
    ("1h 5m", "PT1H5M"),
    ("1w", "P1W"),
    ("1h 2h", "PT3H"),
]

# The old parser's wrong answers, now right.
FIXED = [
    ("1.5h", "PT1H30M"),  # was PT5H
    ("1h30", "PT1H30M"),  # was PT1H
    ("0.5d", "PT4H"),
    ("1,5h", "PT1H30M"),
    ("1h and 30m", "PT1H30M"),
    ("2ч 15м", "PT2H15M"),
]


@pytest.mark.parametrize(("text", "iso"), OLD_RIGHT + FIXED)
def test_parse(text: str, iso: str) -> None:
    assert parse_human_duration(text) == iso


def test_fractional_days_use_the_configured_workday() -> None:
    assert parse_human_duration("1.5d", workday_hours=6) == "P1DT3H"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Duration cannot be empty"),
        ("   ", "Duration cannot be empty"),
        ("0", "Duration resolves to zero"),
        ("0h 0m", "Duration resolves to zero"),
        ("abc", "Invalid duration value"),
        ("1 month", "Invalid duration value"),  # was PT1M
        ("2h foo", "Invalid duration value"),
        ("-1h", "Invalid duration value"),
        ("1m30", "Invalid duration value"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_human_duration(text)
    assert info.value.message == message
    assert info.value.kind == "invalid"


def test_tracker_seconds_ignores_bool_and_negative_numbers() -> None:
    assert tracker_seconds(True, 8, numbers_are_seconds=True) is None
    assert tracker_seconds(-1, 8, numbers_are_seconds=True) is None
    assert tracker_seconds(1.5, 8, numbers_are_seconds=True) is None
    assert tracker_seconds(["", "PT1M"], 8, numbers_are_seconds=False) == 60
