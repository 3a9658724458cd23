"""ConcurrencyLimiter: never more than the limit in flight, halves on 429 once per burst, recovers slowly."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from stripe_netsuite.netsuite import ConcurrencyLimiter, shared_limiter


def test_many_threads_never_exceed_the_limit() -> None:
    limiter = ConcurrencyLimiter(5)
    lock = threading.Lock()
    current = peak = 0

    def work(_: int) -> None:
        nonlocal current, peak
        with limiter.slot():
            with lock:
                current += 1
                peak = max(peak, current)
            time.sleep(0.002)
            with lock:
                current -= 1

    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(work, range(400)))
    assert peak <= 5
    assert limiter.peak_in_flight == peak
    assert peak == 5  # 40 threads do fill every slot
    assert limiter.in_flight == 0


def throttle(limiter: ConcurrencyLimiter) -> None:
    with limiter.slot() as slot:
        slot.mark_throttled()


def succeed(limiter: ConcurrencyLimiter, times: int = 1) -> None:
    for _ in range(times):
        with limiter.slot() as slot:
            slot.mark_answered()


def test_429_halves_the_effective_limit_down_to_one() -> None:
    limiter = ConcurrencyLimiter(10)
    throttle(limiter)
    assert limiter.effective_limit == 5
    throttle(limiter)
    assert limiter.effective_limit == 2
    throttle(limiter)
    throttle(limiter)
    assert limiter.effective_limit == 1


def test_a_burst_of_429s_from_one_window_halves_once() -> None:
    limiter = ConcurrencyLimiter(8)
    slots = [limiter.slot() for _ in range(4)]
    held = [context.__enter__() for context in slots]
    for slot in held:
        slot.mark_throttled()
    for context in slots:
        context.__exit__(None, None, None)
    assert limiter.effective_limit == 4


def test_successes_recover_toward_the_configured_limit_but_not_beyond() -> None:
    limiter = ConcurrencyLimiter(6)
    throttle(limiter)
    assert limiter.effective_limit == 3
    succeed(limiter, 2)
    assert limiter.effective_limit == 3  # additive increase: about one slot per window of successes
    succeed(limiter, 25)
    assert limiter.effective_limit == 6
    succeed(limiter, 50)
    assert limiter.effective_limit == 6


def test_unanswered_requests_do_not_restore_capacity() -> None:
    limiter = ConcurrencyLimiter(4)
    throttle(limiter)
    for _ in range(20):
        with limiter.slot():
            pass  # e.g. a timeout: no evidence the account has room again
    assert limiter.effective_limit == 2


def test_lowered_limit_blocks_new_requests_until_slots_free() -> None:
    limiter = ConcurrencyLimiter(4)
    throttle(limiter)  # effective 2
    first, second = limiter.slot(), limiter.slot()
    first.__enter__()
    second.__enter__()
    entered = threading.Event()

    def third() -> None:
        with limiter.slot():
            entered.set()

    thread = threading.Thread(target=third)
    thread.start()
    assert not entered.wait(0.1)
    first.__exit__(None, None, None)
    assert entered.wait(2)
    second.__exit__(None, None, None)
    thread.join()


def test_shared_limiter_is_one_per_account_and_limit() -> None:
    a = shared_limiter("https://acct-a.example/services/rest", 5)
    assert shared_limiter("HTTPS://ACCT-A.example/services/rest", 5) is a
    assert shared_limiter("https://acct-b.example/services/rest", 5) is not a


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ConcurrencyLimiter(0)
