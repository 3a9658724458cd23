"""Counters one NetSuiteClient keeps about its traffic (for logs, reports, benchmarks and tests)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["ClientStats", "StatsCounter"]


@dataclass(frozen=True)
class ClientStats:
    """A snapshot: HTTP attempts sent, retries made, 429 answers, failures raised, most requests in flight."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    failures: int = 0
    peak_in_flight: int = 0


class StatsCounter:
    """Thread-safe counters behind `NetSuiteClient.stats`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._retries = 0
        self._rate_limited = 0
        self._failures = 0
        self._in_flight = 0
        self._peak = 0

    def started(self) -> None:
        with self._lock:
            self._requests += 1
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)

    def finished(self, status: int | None) -> None:
        with self._lock:
            self._in_flight -= 1
            if status == 429:
                self._rate_limited += 1

    def retried(self) -> None:
        with self._lock:
            self._retries += 1

    def failed(self) -> None:
        with self._lock:
            self._failures += 1

    def snapshot(self) -> ClientStats:
        with self._lock:
            return ClientStats(self._requests, self._retries, self._rate_limited, self._failures, self._peak)
