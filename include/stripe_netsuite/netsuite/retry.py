"""When to retry a failed NetSuite call and how long to wait first."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from stripe_netsuite import retries
from stripe_netsuite.netsuite.errors import (
    NetSuiteAuthError,
    NetSuiteConnectionError,
    NetSuiteError,
    NetSuiteRateLimitError,
    NetSuiteServerError,
)

__all__ = ["RetryPolicy", "parse_retry_after", "policy_for"]

MAX_RETRY_AFTER = retries.NETSUITE_MAX_RETRY_AFTER


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up per call, so a test can stand in for the clock


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


@dataclass
class RetryPolicy:
    """The one retry layer of NetSuite calls (numbers: retries.NETSUITE): exponential backoff with full
    jitter, wait uniform(0, min(cap, base * 2**retry)), or the server's Retry-After."""

    max_retries: int = retries.NETSUITE.max_retries
    base_delay: float = retries.NETSUITE.base_delay
    max_delay: float = retries.NETSUITE.max_delay
    max_auth_retries: int = retries.NETSUITE_AUTH_RETRIES
    sleep: Callable[[float], None] = field(default=lambda seconds: _sleep(seconds))
    random: Callable[[float, float], float] = field(default=random.uniform)

    def should_retry(self, error: NetSuiteError, retries: int, auth_retries: int, replayable: bool) -> bool:
        """Whether to try again after `error`, given the retries already made.

        `replayable` is False for a non-idempotent call (POST create): after a 5xx or a lost connection the
        record may exist, so only failures NetSuite rejects before processing (429, 401) are retried.
        """
        if retries >= self.max_retries:
            return False
        if isinstance(error, NetSuiteRateLimitError):
            return True
        if isinstance(error, NetSuiteAuthError):
            return error.status == 401 and auth_retries < self.max_auth_retries
        if isinstance(error, NetSuiteServerError | NetSuiteConnectionError):
            return replayable
        return False

    def delay(self, retries: int, retry_after: float | None = None) -> float:
        """Seconds before retry number `retries + 1`; a server's Retry-After wins over the jitter."""
        if retry_after is not None:
            return retry_after
        ceiling = min(self.max_delay, self.base_delay * 2**retries)
        return self.random(0.0, ceiling)


def policy_for(schedule: retries.BackoffSchedule) -> RetryPolicy:
    """A RetryPolicy following a schedule of stripe_netsuite.retries (e.g. retries.NETSUITE_PAGE)."""
    return RetryPolicy(
        max_retries=schedule.max_retries, base_delay=schedule.base_delay, max_delay=schedule.max_delay
    )
