"""The retry decision and delay as pure functions, and the loop that asks them."""

from __future__ import annotations

import math

import pytest

from sidecar.errors import NotAuthenticated
from sidecar.tracker import errors
from sidecar.tracker.retry import (
    RetryPolicy,
    one_attempt,
    rate_limit_pause,
    retry_delay,
    run_with_retries,
    should_retry,
)


def status(code: int, retry_after: float | None = None) -> errors.HTTPStatusError:
    return errors.class_for_status(code)(f"http {code}", status=code, retry_after_s=retry_after)


RETRIED_ALWAYS = [status(429), status(503), errors.NetworkError("x", sent=False)]
RETRIED_IF_IDEMPOTENT = [
    status(502),
    status(504),
    errors.NetworkError("reset", sent=True),
    errors.RequestTimeout("slow", sent=True),
]
NEVER = [
    status(400),
    status(401),
    status(403),
    status(404),
    status(409),
    status(412),
    status(422),
    status(500),
    status(501),
    errors.DecodeError("bad body", status=200),
    NotAuthenticated(),
    ValueError("bug"),
]


@pytest.mark.parametrize("exc", RETRIED_ALWAYS, ids=repr)
@pytest.mark.parametrize("idempotent", [True, False])
def test_retried_whatever_the_method(exc: Exception, idempotent: bool) -> None:
    assert should_retry(exc, 1, idempotent=idempotent)
    assert should_retry(exc, 3, idempotent=idempotent)
    assert not should_retry(exc, 4, idempotent=idempotent)


@pytest.mark.parametrize("exc", RETRIED_IF_IDEMPOTENT, ids=repr)
def test_retried_only_when_idempotent(exc: Exception) -> None:
    assert should_retry(exc, 1, idempotent=True)
    assert not should_retry(exc, 1, idempotent=False)
    assert not should_retry(exc, 4, idempotent=True)


@pytest.mark.parametrize("exc", NEVER, ids=repr)
@pytest.mark.parametrize("idempotent", [True, False])
def test_never_retried(exc: Exception, idempotent: bool) -> None:
    assert not should_retry(exc, 1, idempotent=idempotent)


def test_connect_timeout_counts_as_not_sent() -> None:
    assert should_retry(errors.RequestTimeout("t", sent=False), 1, idempotent=False)


def test_attempt_limit_follows_policy() -> None:
    policy = RetryPolicy(max_attempts=2)
    assert should_retry(status(503), 1, idempotent=True, policy=policy)
    assert not should_retry(status(503), 2, idempotent=True, policy=policy)


@pytest.mark.parametrize(
    ("attempt", "ceiling"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]
)
def test_backoff_is_capped_exponential_with_full_jitter(attempt: int, ceiling: float) -> None:
    assert retry_delay(status(503), attempt, rand=lambda: 1.0) == ceiling
    assert retry_delay(status(503), attempt, rand=lambda: 0.0) == 0.0
    assert retry_delay(status(503), attempt, rand=lambda: 0.5) == ceiling / 2


@pytest.mark.parametrize(("hint", "expected"), [(1.0, 1.0), (0.0, 0.0), (20, 20), (3600, 20.0)])
def test_retry_after_is_honoured_exactly_and_clamped(hint: float, expected: float) -> None:
    assert retry_delay(status(429, hint), 1, rand=lambda: 0.123) == expected
    assert retry_delay(status(503, hint), 3, rand=lambda: 0.123) == expected


@pytest.mark.parametrize("hint", [20.5, 60.0, 86400.0])
def test_a_retry_after_beyond_the_cap_is_answered_at_once(hint: float) -> None:
    """Tracker asks for a long wait: the caller hears it now (with retryAfterMs), instead of
    one call being held for minutes."""
    assert not should_retry(status(429, hint), 1, idempotent=True)
    assert not should_retry(status(503, hint), 1, idempotent=True)
    assert should_retry(status(429, 20.0), 1, idempotent=True)


@pytest.mark.parametrize("hint", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_hint_is_never_a_wait(hint: float) -> None:
    """Defence in depth: `parse_retry_after` never yields these, and they must not reach a
    sleep (NaN in the event loop's timer heap stalls every other timer)."""
    delay = retry_delay(status(429, hint), 1, rand=lambda: 1.0)
    assert math.isfinite(delay) and 0 <= delay <= 0.5
    assert math.isfinite(rate_limit_pause(status(429, hint), 1))
    assert status(429, hint).data().retry_after_ms is None


@pytest.mark.parametrize(
    ("hint", "attempt", "pause"), [(3.0, 1, 3.0), (None, 1, 0.5), (None, 3, 2.0), (500, 1, 20.0)]
)
def test_a_429_pauses_everyone_for_its_retry_after_or_the_backoff_ceiling(
    hint: float | None, attempt: int, pause: float
) -> None:
    assert rate_limit_pause(status(429, hint), attempt) == pause
    assert rate_limit_pause(status(429, hint), attempt, RetryPolicy(sleep_scale=0)) == 0


def test_sleep_scale_zero_never_sleeps() -> None:
    policy = RetryPolicy(sleep_scale=0)
    assert retry_delay(status(429, 30), 1, policy=policy) == 0
    assert retry_delay(status(503), 3, policy=policy, rand=lambda: 1.0) == 0


def test_policy_from_env() -> None:
    assert RetryPolicy.from_env({}) == RetryPolicy()
    assert RetryPolicy.from_env({"YTRACKER_RETRY_SLEEP_SCALE": "0"}).sleep_scale == 0
    assert RetryPolicy.from_env({"YTRACKER_RETRY_SLEEP_SCALE": "0.5"}).sleep_scale == 0.5
    with pytest.raises(ValueError, match="YTRACKER_RETRY_SLEEP_SCALE"):
        RetryPolicy.from_env({"YTRACKER_RETRY_SLEEP_SCALE": "fast"})
    for value in ("nan", "inf", "-inf"):
        with pytest.raises(ValueError, match="must be a finite number"):
            RetryPolicy.from_env({"YTRACKER_RETRY_SLEEP_SCALE": value})


class Script:
    """Raises the scripted exceptions in turn, then returns "ok"; records attempt numbers."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.attempts: list[int] = []

    async def __call__(self, attempt: int) -> str:
        self.attempts.append(attempt)
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


QUICK = RetryPolicy(sleep_scale=0)


async def test_loop_retries_until_success() -> None:
    script = Script(status(429), status(503), errors.NetworkError("reset"))
    assert await run_with_retries(script, idempotent=True, policy=QUICK) == "ok"
    assert script.attempts == [1, 2, 3, 4]


async def test_loop_gives_up_after_four_attempts() -> None:
    script = Script(*(status(503) for _ in range(5)))
    with pytest.raises(errors.ServerError):
        await run_with_retries(script, idempotent=True, policy=QUICK)
    assert script.attempts == [1, 2, 3, 4]


@pytest.mark.parametrize(("on", "attempts"), [(True, [1]), (False, [1, 2, 3, 4])])
async def test_inside_one_attempt_a_transient_failure_is_not_retried(
    on: bool, attempts: list[int]
) -> None:
    script = Script(*(errors.NetworkError("refused", sent=False) for _ in range(5)))
    with one_attempt(on), pytest.raises(errors.NetworkError):
        await run_with_retries(script, idempotent=True, policy=QUICK)
    assert script.attempts == attempts


async def test_one_attempt_ends_with_its_block() -> None:
    with one_attempt():
        pass
    script = Script(status(503), status(503))
    assert await run_with_retries(script, idempotent=True, policy=QUICK) == "ok"
    assert script.attempts == [1, 2, 3]


async def test_loop_does_not_retry_post_on_502() -> None:
    script = Script(status(502))
    with pytest.raises(errors.ServerError):
        await run_with_retries(script, idempotent=False, policy=QUICK)
    assert script.attempts == [1]


async def test_loop_passes_non_tracker_errors_straight_through() -> None:
    script = Script(NotAuthenticated())
    with pytest.raises(NotAuthenticated):
        await run_with_retries(script, idempotent=True, policy=QUICK)
    assert script.attempts == [1]


async def test_loop_sleeps_what_retry_delay_says(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("asyncio.sleep", fake_sleep)
    script = Script(status(429, 2.5), status(503, 0.7))
    assert await run_with_retries(script, idempotent=False) == "ok"
    assert slept == [2.5, 0.7]
