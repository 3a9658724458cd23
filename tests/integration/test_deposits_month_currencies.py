"""The month's books with two settlement currencies: each bank moved by its payouts, clearing nets to 0.

The seeded 30-day world with EUR as a second settlement currency (EUR payments settle and are paid out
in EUR): the same month as test_deposits_month.py (the last payouts arrive, stripe_sync, every payment
loaded, one deposits run, then what the report asks of a person), with a USD and a EUR bank account. Read
back from NetSuite through SuiteQL: the USD bank account moved by exactly the paid USD payouts and the EUR
one by exactly the paid EUR payouts, each in its own currency; every Stripe clearing account nets to 0 (the
EUR one, whose refunds and cash back are all in EUR, in EUR; the others, which hold USD cash back against
refunds in their currency, in the base currency).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import stripe

from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings
from stripe_netsuite.sync.deposit_settings import DepositSettings
from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_deposits_month import (
    FEES,
    Month,
    account_movements,
    clearing_and_bank,
    close_by_hand,
    connector_month,
    currency_id,
)
from tests.integration.test_sync_load import ledger_settings, major
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
D = Decimal
OWN_CURRENCY = ("EUR",)  # accounts measured in their own currency: every line on them is in it


@pytest.fixture(scope="module")
def stripe_api(stripe_sandbox: RunningServer) -> stripe.StripeClient:
    return stripe.StripeClient(STRIPE_TEST_KEY, base_addresses={"api": stripe_sandbox.url})


@pytest.fixture(scope="module")
def world(stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer) -> RunningServer:
    from world_seeder import seed_world

    seed_world(
        stripe_sandbox.url, STRIPE_TEST_KEY, netsuite_sandbox.url + "/services/rest", NETSUITE_TEST_ENV,
        days=30, seed=42, threads=2, settlement_currencies=["eur"],
    )  # fmt: skip
    return stripe_sandbox


@pytest.fixture(scope="module")
def netsuite(netsuite_env: dict[str, str]) -> Iterator[NetSuiteClient]:
    settings = NetSuiteSettings.from_env(netsuite_env)
    with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as client:
        yield client


@pytest.fixture(scope="module")
def ns(netsuite_sandbox: RunningServer) -> NetSuiteSandboxClient:
    return NetSuiteSandboxClient(netsuite_sandbox.url)


@pytest.fixture(scope="module")
def settings(ns: NetSuiteSandboxClient) -> DepositSettings:
    """An operating bank account in USD and one in EUR, and an adjustments account, created through REST."""
    banks = {}
    for currency, number in (("USD", "10010"), ("EUR", "10020")):
        banks[currency] = ns.create("account", {
            "acctNumber": number, "acctName": f"Operating {currency}", "acctType": "Bank",
            "currency": {"id": currency_id(ns, currency)}, "subsidiary": {"id": "1"},
        })  # fmt: skip
    adjustments = ns.create(
        "account",
        {"acctNumber": "6150", "acctName": "Stripe Adjustments", "acctType": "Expense",
         "subsidiary": {"id": "1"}},
    )  # fmt: skip
    return DepositSettings.for_ledger(
        ledger_settings(), bank_accounts=banks, fee_account_id=FEES, adjustment_account_id=adjustments
    )


def movements(ns: NetSuiteSandboxClient, settings: DepositSettings) -> dict[str, Decimal]:
    own = {settings.bank_accounts[c] for c in OWN_CURRENCY}
    own |= {settings.clearing_accounts[c] for c in OWN_CURRENCY}
    return {
        account: account_movements(ns, account, in_base=account not in own)
        for account in clearing_and_bank(settings)
    }


@pytest.fixture(scope="module")
def month(
    world: RunningServer, netsuite: NetSuiteClient, stripe_api: stripe.StripeClient,
    settings: DepositSettings, ns: NetSuiteSandboxClient, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Month]:
    opening = movements(ns, settings)
    for month in connector_month(world, netsuite, stripe_api, settings, ns, tmp_path_factory):
        yield Month(month.run, month.payouts, opening)


@pytest.fixture(scope="module")
def closed(
    month: Month, ns: NetSuiteSandboxClient, stripe_api: stripe.StripeClient, settings: DepositSettings
) -> dict[str, Decimal]:
    close_by_hand(ns, stripe_api, month.payouts, settings)
    return {account: moved - month.opening[account] for account, moved in movements(ns, settings).items()}


def test_the_month_deposits_every_paid_payout_in_both_currencies(month: Month) -> None:
    paid = [p for p in month.payouts if p.status == "paid" and p.automatic and p.amount > 0]
    assert {p.currency for p in paid} == {"usd", "eur"}
    assert (month.run["deposited"], month.run["blocked"], month.run["failed"]) == (len(paid), 0, 0)
    by_hand: list[Any] = [p for p in month.payouts if p.status == "failed" or p.amount < 0]
    assert by_hand and {p["payout_id"] for p in month.run["problems"]} == {p.id for p in by_hand}


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_each_bank_account_moved_by_exactly_its_paid_payouts(
    closed: dict[str, Decimal], month: Month, settings: DepositSettings, currency: str
) -> None:
    paid = [p for p in month.payouts if p.status == "paid" and p.currency.upper() == currency]
    expected = sum((major(p.amount, p.currency) for p in paid), D(0))
    assert closed[settings.bank_accounts[currency]] == expected


def test_every_stripe_clearing_account_nets_to_zero(
    closed: dict[str, Decimal], settings: DepositSettings
) -> None:
    moved = {code: closed[account] for code, account in settings.clearing_accounts.items()}
    assert moved == dict.fromkeys(settings.clearing_accounts, D(0))
