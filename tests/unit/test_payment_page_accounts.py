"""A customer's page data across currencies, and whom the page names (the Stripe account's public details)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
import stripe

from stripe_netsuite.payments.accounts import AccountNotFoundError, fetch_customer_account
from stripe_netsuite.payments.merchant import (
    MerchantProfile,
    MerchantProfileCache,
    MerchantProfileUnavailableError,
    page_brand_color,
    page_business_name,
)
from stripe_netsuite.payments.receipts import PaymentReceipt, card_label

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class FakeNetSuite:
    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows

    def suiteql(self, query: str, *, page_size: int = 1000) -> Iterable[dict[str, str]]:
        return list(self.rows)


def invoice(number: str, currency: str, amount: str, due: str) -> dict[str, str]:
    return {
        "kind": "invoice",
        "id": number,
        "name": f"INV{number}",
        "amount": amount,
        "currency": currency,
        "trandate": "2026-08-01",
        "duedate": due,
        "status": "A",
    }


ACME = [
    {"kind": "customer", "id": "102", "name": "Acme", "amount": "2900", "currency": "USD", "status": "F"},
    {"kind": "balance", "id": "1", "amount": "2900", "currency": "USD"},
    {"kind": "balance", "id": "4", "amount": "1200", "currency": "EUR"},
    {"kind": "balance", "id": "2", "amount": "0", "currency": "GBP"},
    invoice("1006", "EUR", "1200", "2026-09-11"),
    invoice("1002", "USD", "1400", "2026-09-05"),
    invoice("1001", "USD", "1500", "2026-08-31"),
]


def test_each_currency_has_its_balance_and_invoices_primary_first() -> None:
    account = fetch_customer_account(FakeNetSuite(ACME), "102", [], NOW)
    assert (account.currency, account.balance_minor) == ("USD", 290000)
    assert [i.id for i in account.invoices] == ["1001", "1002"]  # by due date, USD only
    assert [(b.currency, b.balance_minor) for b in account.balances] == [
        ("USD", 290000),
        ("EUR", 120000),
        ("GBP", 0),
    ]
    assert [b.currency for b in account.payable_balances] == ["USD", "EUR"]  # nothing owed in GBP


def test_the_same_account_seen_in_another_currency() -> None:
    account = fetch_customer_account(FakeNetSuite(ACME), "102", [], NOW)
    eur = account.in_currency("EUR")
    assert (eur.currency, eur.balance_minor, [i.id for i in eur.invoices]) == ("EUR", 120000, ["1006"])
    assert eur.primary_currency == "USD" and eur.in_currency("USD") == account
    assert account.in_currency(None) is account
    with pytest.raises(AccountNotFoundError):
        account.in_currency("JPY")


def test_an_open_invoice_in_a_currency_without_a_balance_row_still_shows() -> None:
    rows = [ACME[0], invoice("1006", "EUR", "1200", "2026-09-11")]
    account = fetch_customer_account(FakeNetSuite(rows), "102", [], NOW)
    assert [(b.currency, b.balance_minor, len(b.invoices)) for b in account.payable_balances] == [
        ("USD", 290000, 0),
        ("EUR", 0, 1),
    ]


# ------------------------------------------------------------------------------------ merchant profile


HONEYCOMB = MerchantProfile(
    name="Honeycomb Holdings Inc.", primary_color="#0a5bd3", support_email="f@h.example"
)


@pytest.mark.parametrize(
    ("explicit", "profile", "expected"),
    [
        (None, HONEYCOMB, "Honeycomb Holdings Inc."),
        ("Acme Supplies Inc.", HONEYCOMB, "Acme Supplies Inc."),
        (None, MerchantProfile(), "Payments"),
        (None, None, "Payments"),
    ],
    ids=["stripe-name", "setting-overrides", "account-without-name", "unknown"],
)
def test_business_name_precedence(
    explicit: str | None, profile: MerchantProfile | None, expected: str
) -> None:
    assert page_business_name(explicit, profile) == expected


def test_brand_colour_precedence() -> None:
    assert page_brand_color(None, HONEYCOMB, "#2f4bd6") == "#0a5bd3"
    assert page_brand_color("#635bff", HONEYCOMB, "#2f4bd6") == "#635bff"
    assert page_brand_color(None, MerchantProfile(), "#2f4bd6") == "#2f4bd6"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fetch:
    """Answers from a script: a profile, or an exception to raise."""

    def __init__(self, *answers: MerchantProfile | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self) -> MerchantProfile:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_cold_failure_is_not_retried_on_every_page() -> None:
    clock, fetch = Clock(), Fetch(stripe.APIConnectionError("down"), HONEYCOMB)
    cache = MerchantProfileCache(fetch, ttl=600, retry_after=30, clock=clock)
    with pytest.raises(stripe.APIConnectionError):
        cache.get()
    with pytest.raises(MerchantProfileUnavailableError):
        cache.get()  # within retry_after: answered at once, Stripe not asked
    assert fetch.calls == 1 and cache.peek() is None
    clock.now += 31
    assert cache.get() == HONEYCOMB and fetch.calls == 2


def test_a_failed_refresh_keeps_the_last_profile() -> None:
    renamed = MerchantProfile(name="Honeycomb Group")
    clock, fetch = Clock(), Fetch(HONEYCOMB, stripe.APIConnectionError("down"), renamed)
    cache = MerchantProfileCache(fetch, ttl=600, retry_after=30, clock=clock)
    assert cache.get() == HONEYCOMB
    clock.now += 601
    cache.refresh()  # what get() starts in the background once the profile is due
    assert cache.get() == HONEYCOMB  # kept; the refresh after retry_after picks the new name
    clock.now += 31
    cache.refresh()
    assert cache.get() == renamed and fetch.calls == 3


def test_a_due_profile_is_served_at_once_and_refreshed_in_the_background() -> None:
    renamed = MerchantProfile(name="Honeycomb Group")
    clock, fetch = Clock(), Fetch(HONEYCOMB, renamed)
    cache = MerchantProfileCache(fetch, ttl=600, clock=clock)
    cache.get()
    clock.now += 601
    assert cache.get() == HONEYCOMB  # the page does not wait for Stripe
    deadline = time.monotonic() + 5
    while cache.peek() != renamed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.peek() == renamed and fetch.calls == 2


# ------------------------------------------------------------------------------------------ "Paid" page


@pytest.mark.parametrize(
    ("brand", "last4", "expected"),
    [
        ("visa", "4242", "Visa ending in 4242"),
        ("amex", "8431", "American Express ending in 8431"),
        ("link_pay", "0005", "Link Pay ending in 0005"),  # a brand Stripe adds later still reads sensibly
        (None, None, None),  # a bank debit: no card to name
    ],
    ids=["visa", "amex", "unknown-brand", "no-card"],
)
def test_card_label(brand: str | None, last4: str | None, expected: str | None) -> None:
    receipt = PaymentReceipt(1000, "USD", NOW, brand, last4, None)
    assert card_label(receipt) == expected
