"""Hypothesis settings for the hostile suite, chosen by `YTRACKER_FUZZ_PROFILE`.

Each fuzz test takes a share of the profile's example budget, so the profile fixes the total:

    ci    (default)  ~3,000 examples in all, derandomized so CI is reproducible, no database
    dev              ~10,000 examples, random, with the example database (replays failures)
    long             ~120,000 examples, random: `scripts/fuzz_long.sh` (see README.md here)

Profiles are applied per test (`fuzz(share)`), never loaded globally, so other suites that use
hypothesis keep their own settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings

F = TypeVar("F", bound=Callable[..., Any])

PROFILE_ENV = "YTRACKER_FUZZ_PROFILE"
TOTALS = {"ci": 3_000, "dev": 10_000, "long": 120_000}

_COMMON: dict[str, Any] = {
    "deadline": None,  # timing belongs to benchmarks; a slow example is not a failure
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("hostile-ci", derandomize=True, database=None, **_COMMON)
settings.register_profile("hostile-dev", **_COMMON)
settings.register_profile("hostile-long", **_COMMON)


def profile_name() -> str:
    name = os.environ.get(PROFILE_ENV, "ci").strip() or "ci"
    if name not in TOTALS:
        raise ValueError(f"{PROFILE_ENV} must be one of {', '.join(TOTALS)}, got {name!r}")
    return name


def examples(share: float, cap: int | None = None) -> int:
    """This test's slice of the profile's total example budget (at least 10, at most `cap`)."""
    count = max(10, round(TOTALS[profile_name()] * share))
    return count if cap is None else min(count, cap)


def fuzz(share: float, *, cap: int | None = None, **overrides: Any) -> Callable[[F], F]:
    """`@settings` with the active profile and `share` of its example budget (capped for
    tests whose examples are slow, such as those through a spawned process)."""
    parent = settings.get_profile(f"hostile-{profile_name()}")
    return settings(parent, max_examples=examples(share, cap), **overrides)
