"""The page cache: stale entries are served at once and refreshed in the background, expiry is spread, and
concurrent misses of one page share one NetSuite read (issue 8 item 20)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import pytest

from stripe_netsuite.payments.cache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Jobs:
    """Background jobs held until the test runs them."""

    def __init__(self) -> None:
        self.queued: list[Callable[[], None]] = []

    def __call__(self, job: Callable[[], None]) -> None:
        self.queued.append(job)

    def run_all(self) -> None:
        while self.queued:
            self.queued.pop(0)()


def test_a_stale_entry_is_served_at_once_and_refreshed_once_in_the_background() -> None:
    clock, jobs = Clock(), Jobs()
    cache: TTLCache[str] = TTLCache(ttl=30, clock=clock, jitter=0.0, run_in_background=jobs)
    cache.put("page", "v1")
    clock.now = 31.0
    loads: list[str] = []

    def load() -> str:
        loads.append("load")
        return "v2"

    assert cache.get_or_load("page", load) == "v1"  # no visitor waits for NetSuite
    assert cache.get_or_load("page", load) == "v1"
    assert loads == [] and len(jobs.queued) == 1  # one refresh per key, however many views
    jobs.run_all()
    assert loads == ["load"]
    assert cache.get_or_load("page", load) == "v2" and loads == ["load"]


def test_a_failed_refresh_keeps_the_stale_copy_and_tries_again_later() -> None:
    clock, jobs = Clock(), Jobs()
    cache: TTLCache[str] = TTLCache(
        ttl=30, clock=clock, jitter=0.2, run_in_background=jobs, random=lambda: 0.0
    )
    cache.put("page", "v1")
    clock.now = 31.0

    def broken() -> str:
        raise ConnectionError("NetSuite is down")

    assert cache.get_or_load("page", broken) == "v1"
    jobs.run_all()
    assert cache.get_or_load("page", broken) == "v1" and not jobs.queued  # not retried on every view
    clock.now = 31.0 + 30 * 0.2 + 0.1
    assert cache.get_or_load("page", broken) == "v1" and len(jobs.queued) == 1


def test_an_entry_older_than_max_stale_is_loaded_in_the_request() -> None:
    clock, jobs = Clock(), Jobs()
    cache: TTLCache[str] = TTLCache(ttl=30, max_stale=300, clock=clock, run_in_background=jobs)
    cache.put("page", "v1")
    clock.now = 301.0
    assert cache.get_or_load("page", lambda: "v2") == "v2" and not jobs.queued


def test_entries_loaded_together_do_not_go_stale_together() -> None:
    clock = Clock()
    cache: TTLCache[int] = TTLCache(ttl=30, clock=clock, jitter=0.2, random=random.Random(7).random)
    for key in range(100):
        cache.put(key, key)
    clock.now = 27.0  # within 24-30 s each entry goes stale at its own moment
    fresh = sum(cache.get(key) is not None for key in range(100))
    assert 20 < fresh < 80
    clock.now = 24.0
    assert all(cache.get(key) is not None for key in range(100))
    clock.now = 30.01
    assert all(cache.get(key) is None for key in range(100))


def test_concurrent_misses_of_one_page_share_one_load() -> None:
    cache: TTLCache[str] = TTLCache(ttl=30)
    loads: list[int] = []
    barrier = threading.Barrier(8)
    results: list[str] = []

    def load() -> str:
        loads.append(1)
        time.sleep(0.3)  # NetSuite's latency
        return "page"

    def view() -> None:
        barrier.wait()
        results.append(cache.get_or_load("customer-102", load))

    threads = [threading.Thread(target=view) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == ["page"] * 8 and len(loads) == 1


def test_a_failed_first_load_reaches_every_waiting_request() -> None:
    cache: TTLCache[str] = TTLCache(ttl=30)

    def load() -> str:
        raise LookupError("no such customer")

    with pytest.raises(LookupError):
        cache.get_or_load("customer-999", load)
    assert cache.get("customer-999") is None


class Shared:
    """The shared level as a dict of (value, age)."""

    def __init__(self) -> None:
        self.items: dict[object, tuple[str, float]] = {}

    def get(self, key: object) -> tuple[str, float] | None:
        return self.items.get(key)

    def put(self, key: object, value: str) -> None:
        self.items[key] = (value, 0.0)


def test_a_process_without_a_copy_takes_the_shared_one_and_refreshes_it_if_stale() -> None:
    clock, jobs, shared = Clock(), Jobs(), Shared()
    cache: TTLCache[str] = TTLCache(ttl=30, clock=clock, jitter=0.0, run_in_background=jobs, shared=shared)
    shared.items["fresh"] = ("F", 10.0)
    shared.items["stale"] = ("S", 45.0)
    loads: list[str] = []

    def load() -> str:
        loads.append("load")
        return "NEW"

    assert cache.get_or_load("fresh", load) == "F" and not jobs.queued
    assert cache.get_or_load("stale", load) == "S" and len(jobs.queued) == 1 and loads == []
    jobs.run_all()
    assert cache.get_or_load("stale", load) == "NEW" and shared.items["stale"] == ("NEW", 0.0)
    assert cache.get_or_load("missing", load) == "NEW" and shared.items["missing"] == ("NEW", 0.0)


def test_a_stale_copy_is_replaced_by_a_fresher_shared_one_before_netsuite_is_asked() -> None:
    clock, jobs, shared = Clock(), Jobs(), Shared()
    cache: TTLCache[str] = TTLCache(ttl=30, clock=clock, jitter=0.0, run_in_background=jobs, shared=shared)
    cache.put("page", "mine")
    clock.now = 31.0
    shared.items["page"] = ("sibling's", 2.0)  # another worker read NetSuite 2 s ago

    def load() -> str:
        raise AssertionError("NetSuite must not be asked")

    assert cache.get_or_load("page", load) == "mine"
    jobs.run_all()
    assert cache.get_or_load("page", load) == "sibling's" and not jobs.queued
