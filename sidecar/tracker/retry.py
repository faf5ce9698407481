"""When to try a Tracker request again and how long to wait first.

Owns: the retry decision (`should_retry`) and the delay (`retry_delay`) as pure functions,
`run_with_retries`, a deliberately dumb loop that only asks those two functions, and
`one_attempt`, inside which requests are not retried (a caller with an answer to fall back
on). The knobs, `RetryPolicy` with its testing switch, live with the client's other settings in
`config.py` (which the settings read before `ready`; this module loads with the client).
Must not know: HTTP, aiohttp or the cooldown (callers wait their cooldown slot inside the
attempt, so retries queue like everything else).
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TypeVar

import msgspec

from sidecar.errors import SidecarError

from . import errors
from .config import SLEEP_SCALE_ENV, RetryPolicy

__all__ = [
    "DEFAULT_POLICY",
    "SLEEP_SCALE_ENV",
    "OneAttempt",
    "RetryPolicy",
    "one_attempt",
    "retry_delay",
    "run_with_retries",
    "should_retry",
]

T = TypeVar("T")

# 502/504 may come after Tracker acted, so only idempotent requests retry them.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
NOT_ACTED_STATUSES = frozenset({429, 503})

DEFAULT_POLICY = RetryPolicy()

# A context variable, not a parameter: the caller that knows it can fall back (a read of what
# the disk cache holds) is several layers above the request, and tasks it starts inherit it.
_ONE_ATTEMPT: ContextVar[bool] = ContextVar("ytracker_one_attempt", default=False)


class OneAttempt:
    """`with one_attempt(on):` requests made inside (when `on`) are tried once: Tracker is known
    to be unreachable and the caller has an answer to give instead, which the retries' waits
    would only delay. A class, not a generator: it runs around every read of a cached answer,
    where a generator-based manager cost ~6 Python calls more."""

    __slots__ = ("_on", "_token")

    def __init__(self, on: bool = True) -> None:
        self._on = on
        self._token: Token[bool] | None = None

    def __enter__(self) -> None:
        self._token = _ONE_ATTEMPT.set(self._on)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._token is not None
        _ONE_ATTEMPT.reset(self._token)


one_attempt = OneAttempt


def is_transient(exc: BaseException) -> bool:
    """A failure that may go away by itself: 429/502/503/504, resets, timeouts."""
    if isinstance(exc, errors.TransportError):
        return True
    return isinstance(exc, errors.HTTPStatusError) and exc.status in RETRY_STATUSES


def tracker_did_not_act(exc: BaseException) -> bool:
    """True only when the request provably had no effect, so even a POST may be re-sent."""
    if isinstance(exc, errors.TransportError):
        return not exc.sent
    return isinstance(exc, errors.HTTPStatusError) and exc.status in NOT_ACTED_STATUSES


def should_retry(
    exc: BaseException, attempt: int, *, idempotent: bool, policy: RetryPolicy = DEFAULT_POLICY
) -> bool:
    """Whether to make another attempt after attempt number `attempt` (1-based) failed.

    Never when Tracker asked for a wait longer than `max_retry_after_s`: the caller hears at
    once (with `retryAfterMs`) instead of being held for minutes.
    """
    if attempt >= policy.max_attempts or not is_transient(exc):
        return False
    hint = _hint(exc)
    if hint is not None and hint > policy.max_retry_after_s:
        return False
    return idempotent or tracker_did_not_act(exc)


def _hint(exc: BaseException) -> float | None:
    """The exception's Retry-After, when it is a usable number of seconds."""
    hint = exc.retry_after_s if isinstance(exc, SidecarError) else None
    return hint if hint is not None and math.isfinite(hint) else None


def retry_delay(
    exc: BaseException,
    attempt: int,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after attempt `attempt` failed with `exc`.

    `Retry-After` is honoured exactly (clamped); otherwise capped exponential backoff with
    full jitter, so concurrent clients do not retry in lockstep.
    """
    hint = _hint(exc)
    if hint is not None:
        delay = min(max(hint, 0.0), policy.max_retry_after_s)
    else:
        delay = rand() * _backoff_ceiling(attempt, policy)
    return delay * policy.sleep_scale


def rate_limit_pause(
    exc: BaseException, attempt: int, policy: RetryPolicy = DEFAULT_POLICY
) -> float:
    """How long every Tracker request holds off after attempt `attempt` got a 429.

    Tracker's `Retry-After` (at most `max_retry_after_s`), else the backoff ceiling of that
    attempt; scaled like every retry wait.
    """
    hint = _hint(exc)
    pause = _backoff_ceiling(attempt, policy) if hint is None else hint
    return min(max(pause, 0.0), policy.max_retry_after_s) * policy.sleep_scale


def _backoff_ceiling(attempt: int, policy: RetryPolicy) -> float:
    return min(policy.cap_s, policy.base_s * 2.0 ** max(attempt - 1, 0))


async def run_with_retries(
    attempt_fn: Callable[[int], Awaitable[T]],
    *,
    idempotent: bool,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> T:
    """Call `attempt_fn(1)`, `attempt_fn(2)`, … until it succeeds or the policy gives up.

    A plain loop: it runs around every Tracker request, and the `backoff` library that drove
    it cost ~10 µs per request to set up (a decorator built per call, for the attempt count
    its callbacks are not told), ~3 µs even when built once; this costs ~0.2 µs.
    """
    if _ONE_ATTEMPT.get():
        policy = msgspec.structs.replace(policy, max_attempts=1)
    attempt = 1
    while True:
        try:
            return await attempt_fn(attempt)
        except errors.TrackerError as exc:
            if not should_retry(exc, attempt, idempotent=idempotent, policy=policy):
                raise
            delay = retry_delay(exc, attempt, policy=policy)
        await asyncio.sleep(delay)
        attempt += 1
