"""Deposits with two settlement currencies: the seeded 30-day world with EUR as a second payout currency.

The Stripe account has a EUR bank account beside the USD one (`settlement_currencies`), so EUR payments settle
in EUR and are paid out in EUR, while GBP, JPY and KWD payments still convert to USD. stripe_sync's functions
extract the world, the ledger loader writes every payment, the deposit loader writes the deposits; every paid
automatic payout, in USD or EUR, must be exactly one deposit in the bank account of its currency, equal to it
to the cent, on its arrival date, holding exactly its payments. Expectations come from Stripe's data
(payouts and their `?payout=` balance transactions, listed with stripe-python) and NetSuite is read through
SuiteQL with a generic client; the builder under test is never called.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import stripe

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.deposit_settings import DepositSettings
from tests.integration import deposit_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.deposit_world import create_accounts, deposit_settings, state_db, sync_load_and_deposit
from tests.integration.test_sync_load import major
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
D = Decimal
CHARGE_TYPES = ("charge", "payment")

world = deposit_world.seeded_world(settlement_currencies=["eur"])
netsuite = deposit_world.netsuite


@pytest.fixture(scope="module")
def payouts(world: RunningServer, stripe_client: stripe.StripeClient) -> list[Any]:
    return list(stripe_client.v1.payouts.list(params={"limit": 100}).auto_paging_iter())


@pytest.fixture(scope="module")
def deposited(payouts: list[Any], stripe_client: stripe.StripeClient) -> dict[str, tuple[Any, list[Any]]]:
    """Every paid automatic credit payout with its balance transactions (?payout=), by payout id."""
    return {
        p.id: (p, list(stripe_client.v1.balance_transactions.list(
            params={"payout": p.id, "limit": 100}).auto_paging_iter()))
        for p in payouts
        if p.status == "paid" and p.automatic and p.amount > 0
    }  # fmt: skip


@pytest.fixture(scope="module")
def settings(netsuite_sandbox: RunningServer) -> DepositSettings:
    """An operating bank account in USD and one in EUR, and an adjustments account, created through REST."""
    return deposit_settings(create_accounts(netsuite_sandbox, ["USD", "EUR"]))


@pytest.fixture(scope="module")
def run(
    world: RunningServer, netsuite: NetSuiteClient, stripe_client: stripe.StripeClient,
    settings: DepositSettings, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """stripe_sync, every payment loaded, then one deposits run."""
    with state_db(tmp_path_factory) as engine:
        yield sync_load_and_deposit(world, engine, netsuite, stripe_client, settings)


def deposits(ns: NetSuiteSandboxClient) -> list[dict[str, Any]]:
    """Every deposit NetSuite holds with the account its total went to (its main line)."""
    return ns.rows(
        "SELECT t.id, t.externalid, t.foreigntotal, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate,"
        " c.symbol AS currency, tl.account FROM transaction t JOIN currency c ON c.id = t.currency"
        " JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T'"
        " WHERE t.type = 'Deposit' AND t.externalid IS NOT NULL ORDER BY t.id"
    )


def test_the_world_pays_out_in_usd_and_eur(
    deposited: dict[str, tuple[Any, list[Any]]], stripe_client: stripe.StripeClient
) -> None:
    per_currency = Counter(payout.currency for payout, _ in deposited.values())
    assert per_currency["usd"] >= 15 and per_currency["eur"] >= 5, per_currency
    for payout, items in deposited.values():
        assert {txn.currency for txn in items} == {payout.currency}
    # EUR charges settled in EUR unconverted; GBP, JPY and KWD ones converted to USD.
    for payout, items in deposited.values():
        for txn in items:
            if txn.type in CHARGE_TYPES:
                charge = stripe_client.v1.charges.retrieve(str(txn.source))
                assert (charge.currency == "eur") == (payout.currency == "eur")
                if charge.currency == payout.currency:
                    assert (txn.amount, txn.exchange_rate) == (charge.amount, None)


def test_every_paid_payout_is_one_deposit_in_the_bank_account_of_its_currency(
    run: dict[str, Any], deposited: dict[str, tuple[Any, list[Any]]], ns: NetSuiteSandboxClient,
    settings: DepositSettings,
) -> None:
    rows = deposits(ns)
    assert Counter(str(row["externalid"]) for row in rows) == dict.fromkeys(deposited, 1)  # one each
    assert run["deposited"] == len(deposited) and run["blocked"] == 0 and run["failed"] == 0
    for row in rows:
        payout, _ = deposited[str(row["externalid"])]
        currency = payout.currency.upper()
        assert (row["currency"], str(row["account"])) == (currency, settings.bank_accounts[currency])
        assert D(str(row["foreigntotal"])) == major(payout.amount, payout.currency), payout.id
        assert row["trandate"] == datetime.fromtimestamp(payout.arrival_date, UTC).date().isoformat()


def test_each_deposit_holds_exactly_its_payouts_payments_at_their_settled_amounts(
    run: dict[str, Any], deposited: dict[str, tuple[Any, list[Any]]], ns: NetSuiteSandboxClient,
) -> None:
    payments = {
        str(row["externalid"]): str(row["id"])
        for row in ns.rows("SELECT t.id, t.externalid FROM transaction t WHERE t.type = 'CustPymt'")
        if row.get("externalid")
    }
    by_payout = {str(row["externalid"]): str(row["id"]) for row in deposits(ns)}
    links = ns.rows(
        "SELECT l.previousdoc, l.nextdoc, l.foreignamount FROM nexttransactionlinelink l"
        " WHERE l.linktype = 'Deposit'"
    )
    ours = set(by_payout.values())
    found = Counter((str(link["previousdoc"]), str(link["nextdoc"])) for link in links
                    if str(link["nextdoc"]) in ours)  # fmt: skip
    assert not [pair for pair, n in found.items() if n > 1]
    assert not [doc for doc, n in Counter(doc for doc, _ in found).items() if n > 1]  # each payment once
    expected = {
        (payments[str(txn.source)], by_payout[payout_id])
        for payout_id, (_, items) in deposited.items()
        for txn in items
        if txn.type in CHARGE_TYPES
    }
    assert set(found) == expected
    # Each deposit's payment lines add up to the gross Stripe settled for its charges, in its currency.
    lines: dict[str, Decimal] = {}
    for link in links:
        if str(link["nextdoc"]) in ours:
            doc = str(link["nextdoc"])
            lines[doc] = lines.get(doc, D(0)) + D(str(link["foreignamount"]))
    for payout_id, (payout, items) in deposited.items():
        gross = sum(txn.amount for txn in items if txn.type in CHARGE_TYPES)
        assert lines.get(by_payout[payout_id], D(0)) == major(gross, payout.currency), payout_id


def test_the_failed_payout_is_reported_with_what_to_do(
    run: dict[str, Any], payouts: list[Any]
) -> None:
    failed = [p for p in payouts if p.status == "failed"]
    assert failed
    manual = {p["payout_id"]: p for p in run["problems"] if p["status"] == "manual"}
    for payout in failed:
        assert "by hand" in manual[payout.id]["reason"]
