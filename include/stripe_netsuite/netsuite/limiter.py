"""A concurrency limiter for one NetSuite account: never more than the limit in flight, AIMD on 429."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["ConcurrencyLimiter", "Slot", "shared_limiter"]


@dataclass
class Slot:
    """One request's hold on the limiter; `generation` tells whether a 429 is news or an echo."""

    generation: int
    throttled: bool = False
    answered: bool = False

    def mark_throttled(self) -> None:
        """NetSuite answered 429: the account has less room than we assumed."""
        self.throttled = True

    def mark_answered(self) -> None:
        """NetSuite answered without a 429; only this earns back capacity (a timeout proves nothing)."""
        self.answered = True


class ConcurrencyLimiter:
    """Blocks callers while `in_flight` has reached the effective limit.

    NetSuite's limit is per account and shared with every other integration, so a 429 means the budget we
    may use is smaller than configured: the effective limit halves (min 1) and then grows back by
    1/effective per success, about one slot per window of successes, as TCP's congestion control does.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._effective = float(limit)
        self._in_flight = 0
        self._peak = 0
        self._generation = 0
        self._condition = threading.Condition()

    @property
    def effective_limit(self) -> int:
        with self._condition:
            return self._allowed()

    @property
    def in_flight(self) -> int:
        with self._condition:
            return self._in_flight

    @property
    def peak_in_flight(self) -> int:
        with self._condition:
            return self._peak

    def reset_peak(self) -> None:
        with self._condition:
            self._peak = self._in_flight

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        """Hold one of the slots for the duration of a request; mark the slot with the outcome."""
        slot = self._acquire()
        try:
            yield slot
        finally:
            self._release(slot)

    def _allowed(self) -> int:
        return max(1, math.floor(self._effective))

    def _acquire(self) -> Slot:
        with self._condition:
            while self._in_flight >= self._allowed():
                self._condition.wait()
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            return Slot(self._generation)

    def _release(self, slot: Slot) -> None:
        with self._condition:
            self._in_flight -= 1
            if slot.throttled:
                # Requests started before the last decrease were sent under the old limit: their 429s are
                # the same signal, so a burst halves the limit once, not once per rejected request.
                if slot.generation == self._generation:
                    self._effective = max(1.0, math.floor(self._effective / 2))
                    self._generation += 1
            elif slot.answered and self._effective < self.limit:
                self._effective = min(float(self.limit), self._effective + 1.0 / self._effective)
            self._condition.notify_all()


_registry: dict[tuple[str, int], ConcurrencyLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(account_key: str, limit: int) -> ConcurrencyLimiter:
    """The process-wide limiter for an account, so several clients of one account share its budget."""
    key = (account_key.lower(), limit)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = ConcurrencyLimiter(limit)
        return limiter
