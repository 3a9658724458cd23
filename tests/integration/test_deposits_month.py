"""A month of deposits, then the books: the bank moved by exactly the payouts, the clearing accounts by 0.

The seeded 30-day world (USD settlement) is extracted by stripe_sync's functions, every payment is loaded, the
deposit loader writes every deposit. The world holds one payout the bank bounced before its deposit could be
written: the connector reports it "by hand" (its payments stay in Undeposited Funds while its money comes back
in a later payout, whose deposit credits the clearing account with it). The test does what that report tells a
user to do, through NetSuite's REST API with a generic client: a deposit of the failed payout's payments into
the clearing account, with its fees and refunds as cash back, built from the payout's balance transactions as
Stripe lists them. Then both balances are computed from NetSuite's records read back through SuiteQL:
- the bank account's net movement == the sum of the paid payouts Stripe shows;
- every Stripe clearing account nets to exactly 0, in the base currency: a refund of a CAD payment is paid
  from the CAD clearing account at Stripe's rate of its day, and comes back on the USD deposit (cash back) at
  what Stripe took.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import requests
import stripe

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.deposit_settings import DepositSettings
from tests.integration import deposit_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.deposit_world import (
    FEE_ACCOUNT,
    create_accounts,
    deposit_settings,
    state_db,
    sync_load_and_deposit,
)
from tests.integration.test_sync_load import CLEARING, major
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
D = Decimal
CENT = Decimal("0.01")

world = deposit_world.seeded_world()
netsuite = deposit_world.netsuite


@pytest.fixture(scope="module")
def settings(netsuite_sandbox: RunningServer) -> DepositSettings:
    """An operating USD bank account and an adjustments account, created through the REST API."""
    return deposit_settings(create_accounts(netsuite_sandbox, ["USD"]))


@dataclass
class Month:
    """The connector's month and what Stripe says about it."""

    run: dict[str, Any]
    payouts: list[Any]
    opening: dict[str, Decimal]  # account -> balance before the connector wrote anything (the seed's own)


def account_movements(ns: NetSuiteSandboxClient, account: str, *, in_base: bool = True) -> Decimal:
    """An account's balance (debit - credit) in the base currency, from its transaction lines.

    The sandbox's `transactionline` carries each line's amount as its record shows it: a deposit's main line
    (the account deposited into) its total, its payment lines (Undeposited Funds) and `other` lines positive,
    its `cashback` lines negative; a customer refund's main line (the account it is paid from) its total; a
    journal line its debit or credit. Which side each posts to is the record's, as in NetSuite's GL: a deposit
    debits its account and credits its other lines (so a negative cash back line is a debit), a refund credits
    the account it is paid from. Amounts are in the transaction's currency: times its exchange rate, each line
    rounded to the cent, gives the base currency (USD); `in_base=False` sums them as they are, for an account
    whose lines are all in its own currency (a EUR bank account, say).
    """
    rows = ns.rows(
        "SELECT t.id, t.type, t.exchangerate, tl.mainline, tl.foreignamount, tl.debitforeignamount,"
        " tl.creditforeignamount FROM transactionline tl JOIN transaction t ON t.id = tl.transaction"
        f" WHERE tl.account = {int(account)} ORDER BY t.id, tl.id"
    )
    balance = D(0)
    for row in rows:
        main = row["mainline"] == "T"
        if row.get("debitforeignamount") is not None or row.get("creditforeignamount") is not None:
            signed = D(str(row.get("debitforeignamount") or 0)) - D(str(row.get("creditforeignamount") or 0))
        elif row["type"] == "Deposit":
            signed = D(str(row["foreignamount"])) * (1 if main else -1)
        elif row["type"] == "CustRfnd" and main:
            signed = -D(str(row["foreignamount"]))
        elif row["type"] == "CustPymt" and main:
            signed = D(str(row["foreignamount"]))
        else:
            raise AssertionError(f"a {row['type']} line on account {account} this test cannot place: {row}")
        rate = D(str(row.get("exchangerate") or 1)) if in_base else D(1)
        balance += (signed * rate).quantize(CENT, ROUND_HALF_UP)
    return balance


def clearing_and_bank(settings: DepositSettings) -> list[str]:
    return [*settings.clearing_accounts.values(), *settings.bank_accounts.values()]


def connector_month(
    world: RunningServer, netsuite: NetSuiteClient, stripe_client: stripe.StripeClient,
    settings: DepositSettings, ns: NetSuiteSandboxClient, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Month]:
    """The month's last payouts arrive, stripe_sync, every payment loaded, one deposits run."""
    opening = {account: account_movements(ns, account) for account in clearing_and_bank(settings)}
    with state_db(tmp_path_factory) as engine:
        # The month's last payouts are still on their way when it ends: let them arrive (nothing else
        # happens in the world after its end).
        requests.post(f"{world.url}/_sandbox/clock/advance", json={"days": 3}, timeout=600).raise_for_status()
        run = sync_load_and_deposit(world, engine, netsuite, stripe_client, settings)
        payouts = list(stripe_client.v1.payouts.list(params={"limit": 100}).auto_paging_iter())
        yield Month(run, payouts, opening)


@pytest.fixture(scope="module")
def month(
    world: RunningServer, netsuite: NetSuiteClient, stripe_client: stripe.StripeClient,
    settings: DepositSettings, ns: NetSuiteSandboxClient, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Month]:
    yield from connector_month(world, netsuite, stripe_client, settings, ns, tmp_path_factory)


def netsuite_id(ns: NetSuiteSandboxClient, external_id: str) -> str:
    (row,) = ns.rows(f"SELECT t.id FROM transaction t WHERE t.externalid = '{external_id}'")
    return str(row["id"])


def clearing_of_source(stripe_client: stripe.StripeClient, txn: Any) -> str:
    """The clearing account a refund or dispute withdrawal was paid from: its charge's currency's."""
    source = str(txn.source)
    if source.startswith("dp_"):
        charge = stripe_client.v1.disputes.retrieve(source).charge
    else:
        charge = stripe_client.v1.refunds.retrieve(source).charge
    return CLEARING[stripe_client.v1.charges.retrieve(str(charge)).currency.upper()]


def currency_id(ns: NetSuiteSandboxClient, code: str) -> str:
    (row,) = ns.rows(f"SELECT c.id FROM currency c WHERE c.symbol = '{code.upper()}'")
    return str(row["id"])


def money(minor: int, currency: str) -> str:
    return format(major(minor, currency), "f")


def items_of(stripe_client: stripe.StripeClient, payout: Any) -> list[Any]:
    """The balance transactions Stripe lists for a payout, less the payout's own."""
    listed = stripe_client.v1.balance_transactions.list(params={"payout": payout.id, "limit": 100})
    return [txn for txn in listed.auto_paging_iter() if txn.type != "payout"]


def deposit_failed_payout_by_hand(
    ns: NetSuiteSandboxClient, stripe_client: stripe.StripeClient, payout: Any
) -> None:
    """What the report says for a payout that failed before its deposit: deposit its payments (with its fees
    and refunds as cash back) into the clearing account, which its money's return later credits."""
    payments, cashback = [], []
    for txn in items_of(stripe_client, payout):
        if txn.type == "charge":
            payments.append({"id": netsuite_id(ns, str(txn.source)), "deposit": True,
                             "paymentAmount": money(txn.amount, payout.currency)})
        elif txn.type == "refund" or txn.reporting_category == "dispute":
            cashback.append({"account": {"id": clearing_of_source(stripe_client, txn)},
                             "amount": money(-txn.amount, payout.currency)})
        else:
            raise AssertionError(f"the failed payout holds a {txn.type} this test does not deposit by hand")
        if txn.fee:
            cashback.append({"account": {"id": FEE_ACCOUNT}, "amount": money(txn.fee, payout.currency)})
    ns.create("deposit", {
        "account": {"id": CLEARING[payout.currency.upper()]},
        "tranDate": datetime.fromtimestamp(payout.arrival_date, UTC).date().isoformat(),
        "memo": f"Stripe payout {payout.id} failed: its payments, deposited by hand",
        "payment": {"items": payments}, "cashback": {"items": cashback},
    })  # fmt: skip


def record_debit_payout_by_hand(
    ns: NetSuiteSandboxClient, stripe_client: stripe.StripeClient, payout: Any, bank: str
) -> None:
    """What the report says for a debit payout: a journal entry crediting the bank with what Stripe took and
    debiting the clearing and fee accounts of the transactions Stripe lists for it."""
    debits: list[dict[str, Any]] = []
    for txn in items_of(stripe_client, payout):
        if txn.type == "refund" or txn.reporting_category == "dispute":
            debits.append({"account": {"id": clearing_of_source(stripe_client, txn)},
                           "debit": money(-txn.amount, payout.currency)})
        else:
            raise AssertionError(f"the debit payout holds a {txn.type} this test does not record by hand")
        if txn.fee:
            debits.append({"account": {"id": FEE_ACCOUNT}, "debit": money(txn.fee, payout.currency)})
    ns.create("journalEntry", {
        "currency": {"id": currency_id(ns, payout.currency)},
        "tranDate": datetime.fromtimestamp(payout.arrival_date, UTC).date().isoformat(),
        "memo": f"Stripe debit payout {payout.id}",
        "line": {"items": [
            *debits, {"account": {"id": bank}, "credit": money(-payout.amount, payout.currency)},
        ]},
    })  # fmt: skip


def close_by_hand(
    ns: NetSuiteSandboxClient, stripe_client: stripe.StripeClient, payouts: list[Any],
    settings: DepositSettings,
) -> None:
    """What the deposits report asks of a person for the payouts it cannot deposit."""
    for payout in payouts:
        if payout.status == "failed":
            deposit_failed_payout_by_hand(ns, stripe_client, payout)
        elif payout.status == "paid" and payout.amount < 0:
            bank = settings.bank_accounts[payout.currency.upper()]
            record_debit_payout_by_hand(ns, stripe_client, payout, bank)


@pytest.fixture(scope="module")
def closed(
    month: Month, ns: NetSuiteSandboxClient, stripe_client: stripe.StripeClient, settings: DepositSettings
) -> dict[str, Decimal]:
    """The month closed: the steps the report asks of a person, then each account's movement."""
    close_by_hand(ns, stripe_client, month.payouts, settings)
    return {
        account: account_movements(ns, account) - month.opening[account]
        for account in clearing_and_bank(settings)
    }


def test_every_payout_is_deposited_or_reported_by_hand(month: Month) -> None:
    assert month.run["failed"] == 0 and month.run["blocked"] == 0
    paid = [p for p in month.payouts if p.status == "paid" and p.automatic and p.amount > 0]
    assert month.run["deposited"] == len(paid) >= 20
    manual = {p["payout_id"] for p in month.run["problems"] if p["status"] == "manual"}
    by_hand = {p.id for p in month.payouts if p.status == "failed" or (p.status == "paid" and p.amount < 0)}
    assert by_hand and manual == by_hand  # the world's failed payout and its debit payout
    assert {p.status for p in month.payouts} == {"paid", "failed"}  # every payout of the month arrived


def test_the_bank_account_moved_by_exactly_the_payouts(
    closed: dict[str, Decimal], month: Month, settings: DepositSettings
) -> None:
    paid = [p for p in month.payouts if p.status == "paid"]
    assert closed[settings.bank_accounts["USD"]] == sum((major(p.amount, p.currency) for p in paid), D(0))


def test_every_stripe_clearing_account_nets_to_zero(
    closed: dict[str, Decimal], settings: DepositSettings, ns: NetSuiteSandboxClient
) -> None:
    moved = {code: closed[account] for code, account in settings.clearing_accounts.items()}
    assert moved == dict.fromkeys(settings.clearing_accounts, D(0))


def test_a_refund_of_a_converted_charge_is_booked_at_stripes_rate_of_its_day(
    month: Month, ns: NetSuiteSandboxClient, stripe_client: stripe.StripeClient
) -> None:
    """What the clearing account needs: the customer refund at the rate Stripe converted the refund at."""
    booked = {
        str(row["externalid"]): D(str(row["exchangerate"]))
        for row in ns.rows("SELECT t.externalid, t.exchangerate FROM transaction t WHERE t.type = 'CustRfnd'")
        if row.get("externalid")
    }
    converted = 0
    for refund in stripe_client.v1.refunds.list(params={"limit": 100}).auto_paging_iter():
        txn = stripe_client.v1.balance_transactions.retrieve(str(refund.balance_transaction))
        if txn.exchange_rate is not None:
            converted += 1
            assert booked[refund.id] == D(str(txn.exchange_rate)), refund.id
    assert converted >= 2  # the world's CAD refunds
