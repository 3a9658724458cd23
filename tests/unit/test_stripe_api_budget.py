"""Rate budget (token bucket) and backoff with jitter for Stripe calls."""

from __future__ import annotations

import random

import pytest
import stripe

from stripe_netsuite.stripe_api.budget import Backoff, TokenBucket
from stripe_netsuite.stripe_api.client import RequestCounter, StripeSettings, make_client, transport_of
from stripe_netsuite.stripe_api.connection import settings_from_connection


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_bucket_allows_a_one_second_burst_then_paces_to_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=20, clock=clock, sleep=clock.sleep)
    for _ in range(20):
        bucket.acquire()
    assert clock.now == 0
    for _ in range(40):
        bucket.acquire()
    assert clock.now == pytest.approx(2.0)
    assert bucket.waited == pytest.approx(2.0)


def test_bucket_never_exceeds_the_rate_over_any_long_stretch() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=5, clock=clock, sleep=clock.sleep)
    for _ in range(505):
        bucket.acquire()
    # Beyond the initial burst of 5 tokens, 500 acquisitions take 100 seconds.
    assert (505 - bucket.capacity) / clock.now == pytest.approx(5.0)


@pytest.mark.parametrize("rate", [0, -1], ids=["zero", "negative"])
def test_bucket_refuses_a_non_positive_rate(rate: float) -> None:
    with pytest.raises(ValueError, match="> 0"):
        TokenBucket(rate=rate)


def test_backoff_retries_rate_limits_with_jittered_growing_delays() -> None:
    slept: list[float] = []
    calls = iter([stripe.RateLimitError("slow down"), stripe.APIConnectionError("reset"), "ok"])

    def flaky() -> str:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    backoff = Backoff(sleep=slept.append, rng=random.Random(1))
    assert backoff.call(flaky) == "ok"
    assert backoff.retried == 2
    assert 0 <= slept[0] <= 0.5 and 0 <= slept[1] <= 1.0


def test_backoff_gives_up_after_its_attempts() -> None:
    backoff = Backoff(attempts=3, sleep=lambda _: None)

    def always_limited() -> None:
        raise stripe.RateLimitError("slow down")

    with pytest.raises(stripe.RateLimitError):
        backoff.call(always_limited)
    assert backoff.retried == 2


def test_backoff_lets_client_errors_through_at_once() -> None:
    backoff = Backoff(sleep=lambda _: pytest.fail("must not sleep"))

    def bad_request() -> None:
        raise stripe.InvalidRequestError("No such charge", param="id")

    with pytest.raises(stripe.InvalidRequestError):
        backoff.call(bad_request)


def test_client_factory_uses_base_address_retries_and_the_budgeted_transport() -> None:
    counter = RequestCounter()
    settings = StripeSettings("sk_test_x", "http://127.0.0.1:9", max_network_retries=5)
    client = make_client(settings, TokenBucket(10), counter)
    options = client._requestor._options
    assert options.base_addresses["api"] == "http://127.0.0.1:9"
    assert options.max_network_retries == 5
    transport = transport_of(client)
    assert transport is not None and transport.counter is counter and transport.bucket.rate == 10


@pytest.mark.parametrize(
    ("extra", "accounts", "budget"),
    [
        ({}, ("",), 20.0),
        ({"connected_account_ids": ["acct_1", "acct_2"], "rate_budget": 8}, ("", "acct_1", "acct_2"), 8.0),
        ({"connected_account_ids": "acct_1, acct_2,"}, ("", "acct_1", "acct_2"), 20.0),
    ],
    ids=["defaults", "list-and-budget", "comma-separated"],
)
def test_settings_from_connection_extras(
    extra: dict[str, object], accounts: tuple[str, ...], budget: float
) -> None:
    settings = settings_from_connection("sk_test_x", extra)
    assert settings.accounts == accounts
    assert settings.rate_budget == budget


def test_settings_without_a_key_name_where_to_set_it() -> None:
    with pytest.raises(ValueError, match="password or STRIPE_API_KEY"):
        StripeSettings("")
