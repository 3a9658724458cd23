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

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.deposit_settings import DepositSettings
from tests.integration import deposit_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.deposit_world import create_accounts, deposit_settings
from tests.integration.test_deposits_month import (
    Month,
    account_movements,
    clearing_and_bank,
    close_by_hand,
    connector_month,
)
from tests.integration.test_sync_load import major
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
D = Decimal
OWN_CURRENCY = ("EUR",)  # accounts measured in their own currency: every line on them is in it

world = deposit_world.seeded_world(settlement_currencies=["eur"])
netsuite = deposit_world.netsuite


@pytest.fixture(scope="module")
def settings(netsuite_sandbox: RunningServer) -> DepositSettings:
    """An operating bank account in USD and one in EUR, and an adjustments account, created through REST."""
    return deposit_settings(create_accounts(netsuite_sandbox, ["USD", "EUR"]))


def movements(ns: NetSuiteSandboxClient, settings: DepositSettings) -> dict[str, Decimal]:
    own = {settings.bank_accounts[c] for c in OWN_CURRENCY}
    own |= {settings.clearing_accounts[c] for c in OWN_CURRENCY}
    return {
        account: account_movements(ns, account, in_base=account not in own)
        for account in clearing_and_bank(settings)
    }


@pytest.fixture(scope="module")
def month(
    world: RunningServer, netsuite: NetSuiteClient, stripe_client: stripe.StripeClient,
    settings: DepositSettings, ns: NetSuiteSandboxClient, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Month]:
    opening = movements(ns, settings)
    for month in connector_month(world, netsuite, stripe_client, settings, ns, tmp_path_factory):
        yield Month(month.run, month.payouts, opening)


@pytest.fixture(scope="module")
def closed(
    month: Month, ns: NetSuiteSandboxClient, stripe_client: stripe.StripeClient, settings: DepositSettings
) -> dict[str, Decimal]:
    close_by_hand(ns, stripe_client, month.payouts, settings)
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
