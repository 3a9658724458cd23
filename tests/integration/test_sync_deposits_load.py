"""Deposits over the seeded 30-day world: one deposit per paid automatic payout, equal to it, on its arrival.

Both sandboxes run as real servers; stripe_sync's functions extract and itemise the world, LOADER's loader
writes the payments, then the deposit loader writes the deposits. Expectations are computed here from
Stripe's data (payouts and `?payout=` balance transactions listed with stripe-python) and read back from
NetSuite through SuiteQL with a generic client, never by calling the builder under test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.deposit_load_run import run_deposits
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.load import load_payments
from stripe_netsuite.sync.load_run import sync_status
from tests.integration import load_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.conftest import ns as ns  # test_reports_world and test_ledger_audit take it from here
from tests.integration.deposit_world import DAG, ZONE, create_accounts, deposit_settings
from tests.integration.load_world import ledger_settings, major, state_engine, stripe_sync
from tests.integration.test_sync_load import is_write, last_requests
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
D = Decimal
CHARGE_TYPES = ("charge", "payment")

stripe_api = load_world.stripe_api
world = load_world.world  # the seeded 30-day world
netsuite = load_world.netsuite  # the connector's client


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, world: RunningServer) -> Iterator[Engine]:
    """A new state DB with the world synced from Stripe (payouts itemised)."""
    with state_engine(tmp_path_factory) as engine:
        stripe_sync(world, engine, "sync-1")
        yield engine


@dataclass
class Payouts:
    """What Stripe says: every payout, and the balance transactions of each paid automatic one."""

    all: list[Any]
    items: dict[str, list[Any]]  # payout id -> its balance transactions (?payout=)

    @property
    def deposited(self) -> list[Any]:
        return [p for p in self.all if p.status == "paid" and p.automatic and p.amount > 0]


@pytest.fixture(scope="module")
def payouts(world: RunningServer, stripe_api: stripe.StripeClient) -> Payouts:
    listed = list(stripe_api.v1.payouts.list(params={"limit": 100}).auto_paging_iter())
    items = {
        p.id: list(
            stripe_api.v1.balance_transactions.list(params={"payout": p.id, "limit": 100}).auto_paging_iter()
        )
        for p in listed
        if p.status == "paid" and p.automatic
    }
    return Payouts(listed, items)


@pytest.fixture(scope="module")
def settings(netsuite_sandbox: RunningServer, payouts: Payouts) -> DepositSettings:
    """An operating bank account per payout currency and an adjustments account, created through the API."""
    currencies = sorted({p.currency.upper() for p in payouts.all})
    return deposit_settings(create_accounts(netsuite_sandbox, currencies))


@dataclass
class Held:
    charge_id: str
    payout_id: str
    transaction: str


@pytest.fixture(scope="module")
def held(payouts: Payouts, stripe_api: stripe.StripeClient) -> Held:
    """A charge of a paid payout, without refunds or disputes, that stays unloaded at first."""
    refunded = {r.charge for r in stripe_api.v1.refunds.list(params={"limit": 100}).auto_paging_iter()}
    refunded |= {d.charge for d in stripe_api.v1.disputes.list(params={"limit": 100}).auto_paging_iter()}
    for payout in payouts.deposited:
        for txn in payouts.items[payout.id]:
            if txn.type in CHARGE_TYPES and txn.source not in refunded:
                return Held(str(txn.source), payout.id, txn.id)
    raise AssertionError("the world has no plain charge in a paid payout")


@pytest.fixture(scope="module")
def first_run(
    engine: Engine, netsuite: NetSuiteClient, stripe_api: stripe.StripeClient, settings: DepositSettings,
    held: Held, tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """Every payment loaded except `held`, then deposits."""
    monkeypatch_module.setenv("CONNECTOR_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
    charges = [c.id for c in stripe_api.v1.charges.list(params={"limit": 100}).auto_paging_iter()]
    load_payments(
        engine, netsuite, None, ledger_settings(), run_id="load-1",
        stripe_ids=[c for c in charges if c != held.charge_id],
    )  # fmt: skip
    return run_deposits(
        engine, netsuite, settings, dag_id=DAG, run_id="deposits-1", now=datetime.now(UTC), zone=ZONE
    )


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def deposits_in_netsuite(ns: NetSuiteSandboxClient) -> dict[str, dict[str, Any]]:
    rows = ns.rows(
        "SELECT t.id, t.externalid, t.foreigntotal, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate,"
        " c.symbol AS currency FROM transaction t JOIN currency c ON c.id = t.currency"
        " WHERE t.type = 'Deposit' ORDER BY t.id"
    )
    return {str(row["externalid"]): row for row in rows if row.get("externalid")}


def deposit_links(ns: NetSuiteSandboxClient) -> list[dict[str, Any]]:
    return ns.rows(
        "SELECT l.previousdoc, l.nextdoc FROM nexttransactionlinelink l WHERE l.linktype = 'Deposit'"
        " ORDER BY l.nextdoc, l.previousdoc"
    )


def test_a_payout_holding_an_unloaded_payment_is_blocked_with_its_balance_transaction(
    first_run: dict[str, Any], held: Held, ns: NetSuiteSandboxClient, engine: Engine
) -> None:
    blocked = {p["payout_id"]: p for p in first_run["problems"] if p["status"] == "blocked"}
    assert blocked[held.payout_id]["code"] == "missing_payment"
    assert blocked[held.payout_id]["balance_transaction"] == held.transaction
    assert held.charge_id in blocked[held.payout_id]["reason"]
    assert held.payout_id not in deposits_in_netsuite(ns)  # all or nothing: no partial deposit
    (record,) = sync_status(engine, held.payout_id)
    assert record["status"] == "blocked" and held.charge_id in record["last_error"]


def test_every_other_paid_payout_is_one_deposit_equal_to_it_on_its_arrival_day(
    first_run: dict[str, Any], payouts: Payouts, held: Held, ns: NetSuiteSandboxClient,
    settings: DepositSettings,
) -> None:
    found = deposits_in_netsuite(ns)
    expected = [p for p in payouts.deposited if p.id != held.payout_id]
    assert len(expected) >= 15  # a month of daily payouts (weekdays, after the first funds are available)
    assert first_run["deposited"] == len(expected) and first_run["failed"] == 0
    for payout in expected:
        row = found[payout.id]
        currency = payout.currency.upper()
        assert row["currency"] == currency
        assert D(str(row["foreigntotal"])) == major(payout.amount, payout.currency), payout.id
        assert row["trandate"] == datetime.fromtimestamp(payout.arrival_date, UTC).date().isoformat()
    # Every non-plain payout is in the report with what to do, none silently skipped.
    others = {p.id for p in payouts.all if p.status in ("failed", "canceled") or not p.automatic}
    reported = {p["payout_id"] for p in first_run["problems"] if p["status"] == "manual"}
    assert others <= reported
    assert set(found) == {p.id for p in expected}
    # A handful of NetSuite requests per payout (lookups batched per 500 ids, one PUT), whatever its size.
    processed = first_run["deposited"] + first_run["blocked"] + first_run["manual"]
    print(f"NetSuite requests: {first_run['requests']} for {processed} payouts")
    assert first_run["requests"] <= 8 * processed


def test_each_payment_is_deposited_once_in_its_payouts_deposit(
    first_run: dict[str, Any], payouts: Payouts, held: Held, ns: NetSuiteSandboxClient
) -> None:
    payments = {
        str(row["externalid"]): str(row["id"])
        for row in ns.rows("SELECT t.id, t.externalid FROM transaction t WHERE t.type = 'CustPymt'")
        if row.get("externalid")
    }
    found = deposits_in_netsuite(ns)
    ours = {str(row["id"]) for row in found.values()}
    links = [link for link in deposit_links(ns) if str(link["nextdoc"]) in ours]  # not the seed's deposit
    assert not [doc for doc, n in Counter(str(link["previousdoc"]) for link in links).items() if n > 1]
    in_deposit = {(str(link["previousdoc"]), str(link["nextdoc"])) for link in links}
    expected = {
        (payments[str(txn.source)], str(found[payout.id]["id"]))
        for payout in payouts.deposited
        if payout.id != held.payout_id
        for txn in payouts.items[payout.id]
        if txn.type in CHARGE_TYPES
    }
    assert in_deposit == expected


def test_the_blocked_payout_unblocks_once_its_payment_loads_and_a_rerun_writes_nothing(
    first_run: dict[str, Any], engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings,
    held: Held, payouts: Payouts, ns: NetSuiteSandboxClient, netsuite_sandbox: RunningServer,
) -> None:
    load_payments(engine, netsuite, None, ledger_settings(), run_id="load-2", stripe_ids=[held.charge_id])
    second = run_deposits(
        engine, netsuite, settings, dag_id=DAG, run_id="deposits-2", now=datetime.now(UTC), zone=ZONE
    )
    assert second["deposited"] == 1 and second["blocked"] == 0
    payout = next(p for p in payouts.deposited if p.id == held.payout_id)
    row = deposits_in_netsuite(ns)[held.payout_id]
    assert D(str(row["foreigntotal"])) == major(payout.amount, payout.currency)
    assert len(deposits_in_netsuite(ns)) == len(payouts.deposited)

    before = netsuite.stats.requests
    third = run_deposits(
        engine, netsuite, settings, dag_id=DAG, run_id="deposits-3", now=datetime.now(UTC), zone=ZONE
    )
    assert (third["deposited"], third["reversed"], third["blocked"]) == (0, 0, 0)
    sent = netsuite.stats.requests - before
    assert sent > 0 and not [e for e in last_requests(netsuite_sandbox, sent) if is_write(e)]
    assert "netsuite_deposits: deposited 0" in third["note"]


def test_a_payout_that_fails_after_its_deposit_is_reversed_into_the_clearing_account_once(
    first_run: dict[str, Any], engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings,
    payouts: Payouts, ns: NetSuiteSandboxClient, world: RunningServer, held: Held,
) -> None:
    payout = next(p for p in payouts.deposited if p.id != held.payout_id)
    deposit_id = str(deposits_in_netsuite(ns)[payout.id]["id"])
    response = requests.post(f"{world.url}/_sandbox/payouts/{payout.id}/fail", timeout=60)
    assert response.ok, response.text
    stripe_sync(world, engine, "sync-2")  # the payout.failed event and its payout_failure transaction

    run = run_deposits(
        engine, netsuite, settings, dag_id=DAG, run_id="deposits-4", now=datetime.now(UTC), zone=ZONE
    )

    assert run["reversed"] == 1 and run["failed"] == 0
    (written,) = [d for d in run["deposits"] if d["payout_id"] == payout.id]
    lines = ns.rows(
        "SELECT tl.account, tl.debitforeignamount, tl.creditforeignamount FROM transactionline tl"
        f" WHERE tl.transaction = {int(written['internal_id'])} AND tl.mainline = 'F' ORDER BY tl.id"
    )
    amount = major(payout.amount, payout.currency)
    currency = payout.currency.upper()
    moves = {  # SuiteQL leaves null columns out of a row
        (str(r["account"]), D(str(r.get("debitforeignamount") or 0)),
         D(str(r.get("creditforeignamount") or 0)))
        for r in lines
    }
    assert moves == {
        (settings.clearing_accounts[currency], amount, D(0)),
        (settings.bank_accounts[currency], D(0), amount),
    }
    assert str(deposits_in_netsuite(ns)[payout.id]["id"]) == deposit_id  # the deposit itself stands
    again = run_deposits(
        engine, netsuite, settings, dag_id=DAG, run_id="deposits-5", now=datetime.now(UTC), zone=ZONE
    )
    assert again["reversed"] == 0
    journals = ns.rows(f"SELECT t.id FROM transaction t WHERE t.externalid = 'rev-{payout.id}'")
    assert len(journals) == 1


def test_month_end_the_bank_account_holds_exactly_the_paid_payouts(
    first_run: dict[str, Any], settings: DepositSettings, ns: NetSuiteSandboxClient,
    stripe_api: stripe.StripeClient,
) -> None:
    """After the reversal test: the bank holds what Stripe says reached it, read from NetSuite's lines."""
    paid = [
        p for p in stripe_api.v1.payouts.list(params={"limit": 100}).auto_paging_iter()
        if p.status == "paid" and p.automatic and p.amount > 0
    ]  # fmt: skip
    bank = settings.bank_accounts["USD"]
    rows = ns.rows(
        "SELECT tl.transaction, tl.mainline, tl.foreignamount, tl.debitforeignamount, tl.creditforeignamount"
        f" FROM transactionline tl WHERE tl.account = {int(bank)}"
    )
    balance = Decimal(0)
    for row in rows:  # a deposit's bank line is its mainline amount; a journal line is debit - credit
        if row.get("debitforeignamount") is not None or row.get("creditforeignamount") is not None:
            balance += D(str(row.get("debitforeignamount") or 0))
            balance -= D(str(row.get("creditforeignamount") or 0))
        else:
            balance += D(str(row["foreignamount"]))
    assert balance == sum((major(p.amount, p.currency) for p in paid), Decimal(0))
