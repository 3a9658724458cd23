"""Client-side rate budget (a token bucket) and jittered exponential backoff for Stripe calls."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import stripe

T = TypeVar("T")

# Stripe's test mode allows 25 operations/s and live mode 100; 20 leaves room for the webapp and webhooks.
DEFAULT_RATE_BUDGET = 20.0


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


@dataclass
class Backoff:
    """Retries on 429 and connection errors, which stripe-python's own retries leave (429) or exhaust."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    retried: int = 0

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)], so parallel workers spread out."""
        return self.rng.uniform(0, min(self.cap, self.base * 2**attempt))

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()`, retried with backoff on RateLimitError and APIConnectionError; other errors propagate."""
        for attempt in range(self.attempts):
            try:
                return fn()
            except (stripe.RateLimitError, stripe.APIConnectionError):
                if attempt == self.attempts - 1:
                    raise
                self.retried += 1
                self.sleep(self.delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover
