"""Client-side rate budget (a token bucket) and the jittered exponential backoff of Stripe reads."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import stripe

from stripe_netsuite import retries
from stripe_netsuite.config.sections import DEFAULT_RATE_BUDGET

__all__ = ["DEFAULT_RATE_BUDGET", "Backoff", "TokenBucket"]

T = TypeVar("T")


class TokenBucket:
    """At most `rate` acquisitions per second on average, bursts up to `capacity`; thread-safe."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE_BUDGET,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate budget must be > 0 operations per second")
        self.rate = rate
        # A one-second burst at most: Stripe counts requests over short windows.
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting for tokens (reported in the run's counts)

    def acquire(self) -> None:
        """Take one token, sleeping until one is available."""
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1 - 1e-9:  # float refills can land a hair under a whole token
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                wait = (1 - self._tokens) / self.rate
            self.waited += wait
            self._sleep(wait)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up per call, so a test can stand in for the clock


def _transient(error: stripe.StripeError) -> bool:
    """429, 409 (a lock timeout), 5xx and lost connections: failures a later identical read may not meet."""
    if isinstance(error, stripe.RateLimitError | stripe.APIConnectionError):
        return True
    status = error.http_status or 0
    return status == 409 or status >= 500


@dataclass
class Backoff:
    """The one retry layer of transient Stripe failures on reads (retries.STRIPE; stripe-python's are off)."""

    attempts: int = retries.STRIPE.attempts
    base: float = retries.STRIPE.base_delay
    cap: float = retries.STRIPE.max_delay
    sleep: Callable[[float], None] = field(default=lambda seconds: _sleep(seconds))
    rng: random.Random = field(default_factory=random.Random)
    retried: int = 0

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)], so parallel workers spread out."""
        return self.rng.uniform(0, min(self.cap, self.base * 2**attempt))

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()`, retried with backoff on transient failures (see _transient); other errors propagate."""
        for attempt in range(self.attempts):
            try:
                return fn()
            except stripe.StripeError as error:
                if not _transient(error) or attempt == self.attempts - 1:
                    raise
                self.retried += 1
                self.sleep(self.delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover
