"""When to retry a failed NetSuite call and how long to wait first."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from stripe_netsuite.netsuite.errors import (
    NetSuiteAuthError,
    NetSuiteConnectionError,
    NetSuiteError,
    NetSuiteRateLimitError,
    NetSuiteServerError,
)

__all__ = ["RetryPolicy", "parse_retry_after"]

MAX_RETRY_AFTER = 120.0  # a broken proxy's "Retry-After: 86400" must not park a worker for a day


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
    """Exponential backoff with full jitter: wait uniform(0, min(cap, base * 2**retry))."""

    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    # NetSuite sometimes answers a burst with INVALID_LOGIN; a truly bad login fails again: once is enough.
    max_auth_retries: int = 1
    sleep: Callable[[float], None] = time.sleep
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
