"""Every blocking code end to end: its situation built in the sandboxes, the payout's deposit not written, the
run report naming the balance transaction; the cause fixed, the next run writes the deposit.

The seeded 30-day world is synced from Stripe and every payment loaded into NetSuite; each test then takes a
payout of its own and does to NetSuite (through the REST API, as a person would in the UI) or to the
connector's state what causes the block: a payment deposited by hand, a payment recorded to a bank account,
a payment's amount edited, two Stripe charges whose sync records name one NetSuite payment, a payout currency
without a bank account, a customer without the payment's currency. (`missing_payment` is produced over the
whole world in test_sync_deposits_load.py.) The payout amount and date expected are Stripe's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import stripe
from sqlalchemy import Engine, update

from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings
from stripe_netsuite.store import dispose_engines, get_engine, migrate, session_scope
from stripe_netsuite.store.pipeline import SyncRecord
from stripe_netsuite.sync.deposit_load_run import run_deposits
from stripe_netsuite.sync.deposit_settings import DepositSettings
from tests.conftest import STRIPE_TEST_KEY
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_deposits_faults import create_accounts, deposit_settings, payout_currencies, seed
from tests.integration.test_sync_load import major, stripe_sync
from tests.integration.test_sync_load_faults import load_until_done
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
ZONE = ZoneInfo("America/Los_Angeles")
DAG = "netsuite_deposits"
D = Decimal


@pytest.fixture(scope="module")
def stripe_api(stripe_sandbox: RunningServer) -> stripe.StripeClient:
    return stripe.StripeClient(STRIPE_TEST_KEY, base_addresses={"api": stripe_sandbox.url})


@pytest.fixture(scope="module")
def netsuite(netsuite_env: dict[str, str]) -> Iterator[NetSuiteClient]:
    settings = NetSuiteSettings.from_env(netsuite_env)
    with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as client:
        yield client


@pytest.fixture(scope="module")
def engine(
    stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer, netsuite: NetSuiteClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Engine]:
    """The world synced from Stripe and every payment loaded into NetSuite; no deposit yet."""
    seed(stripe_sandbox, netsuite_sandbox)
    path: Path = tmp_path_factory.mktemp("state") / "connector.db"
    migrate(f"sqlite:///{path}")
    engine = get_engine(f"sqlite:///{path}")
    stripe_sync(stripe_sandbox, engine, "sync-1")
    load_until_done(engine, netsuite, "load")
    yield engine
    dispose_engines()


@pytest.fixture(scope="module")
def settings(engine: Engine, netsuite_sandbox: RunningServer) -> DepositSettings:
    return deposit_settings(create_accounts(netsuite_sandbox, payout_currencies(engine)))


@pytest.fixture(scope="module")
def ns(netsuite_sandbox: RunningServer) -> NetSuiteSandboxClient:
    return NetSuiteSandboxClient(netsuite_sandbox.url)


@pytest.fixture(scope="module", autouse=True)
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONNECTOR_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
        yield


@dataclass(frozen=True)
class Item:
    """A plain charge (no refund, no dispute) of a paid automatic payout, as Stripe lists it."""

    payout: Any
    transaction: str  # its balance transaction in the payout
    charge: Any
    amount: int  # what the payout received for it (payout currency, minor units)


class Payouts:
    """Stripe's paid automatic payouts and their plain charges; each test takes payouts nobody used yet."""

    def __init__(self, api: stripe.StripeClient) -> None:
        charges = {c.id: c for c in api.v1.charges.list(params={"limit": 100}).auto_paging_iter()}
        touched = {r.charge for r in api.v1.refunds.list(params={"limit": 100}).auto_paging_iter()}
        touched |= {d.charge for d in api.v1.disputes.list(params={"limit": 100}).auto_paging_iter()}
        self.items: dict[str, list[Item]] = {}
        for payout in api.v1.payouts.list(params={"limit": 100}).auto_paging_iter():
            if payout.status != "paid" or not payout.automatic or payout.amount <= 0:
                continue
            listed = api.v1.balance_transactions.list(params={"payout": payout.id, "limit": 100})
            self.items[payout.id] = [
                Item(payout, txn.id, charges[txn.source], txn.amount)
                for txn in listed.auto_paging_iter()
                if txn.type in ("charge", "payment") and txn.source in charges and txn.source not in touched
            ]
        self.used: set[str] = set()

    def take(self, wanted: Any = None, count: int = 1) -> list[Item]:
        """`count` plain charges of one unused payout (each satisfying `wanted`), marking the payout used."""
        for payout_id, items in self.items.items():
            chosen = [item for item in items if wanted is None or wanted(item)][:count]
            if payout_id not in self.used and len(chosen) == count:
                self.used.add(payout_id)
                return chosen
        raise AssertionError("no unused payout with such charges in the world")


@pytest.fixture(scope="module")
def payouts(engine: Engine, stripe_api: stripe.StripeClient) -> Payouts:
    return Payouts(stripe_api)


def run(engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, payout_id: str,
        name: str) -> dict[str, Any]:  # fmt: skip
    return run_deposits(
        engine, netsuite, settings, dag_id=DAG, run_id=name, now=datetime.now(UTC), zone=ZONE,
        payout_ids=[payout_id],
    )  # fmt: skip


def deposit_of(ns: NetSuiteSandboxClient, payout_id: str) -> dict[str, Any] | None:
    rows = ns.rows(
        "SELECT t.id, t.foreigntotal, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate FROM transaction t"
        f" WHERE t.type = 'Deposit' AND t.externalid = '{payout_id}'"
    )
    return rows[0] if rows else None


def payment_of(ns: NetSuiteSandboxClient, charge_id: str) -> dict[str, Any]:
    (row,) = ns.rows(
        "SELECT t.id, t.foreigntotal, t.entity, t.currency FROM transaction t"
        f" WHERE t.type = 'CustPymt' AND t.externalid = '{charge_id}'"
    )
    return row


def assert_blocked(summary: dict[str, Any], payout_id: str, code: str, transactions: set[str],
                   ns: NetSuiteSandboxClient) -> dict[str, Any]:  # fmt: skip
    """The payout is blocked with `code` at one of `transactions`, named in the report; no deposit written."""
    assert (summary["blocked"], summary["deposited"]) == (1, 0), summary
    (problem,) = summary["problems"]
    assert (problem["payout_id"], problem["status"], problem["code"]) == (payout_id, "blocked", code), problem
    assert problem["balance_transaction"] in transactions, problem
    assert problem["balance_transaction"] in summary["note"] and code in summary["note"]
    report = Path(summary["path"])
    assert problem["balance_transaction"] in report.with_suffix(".md").read_text()
    assert deposit_of(ns, payout_id) is None  # all or nothing
    return problem


def assert_deposited(summary: dict[str, Any], item: Item, ns: NetSuiteSandboxClient) -> None:
    """The next run writes the payout's deposit: Stripe's amount, on its arrival day."""
    assert (summary["deposited"], summary["blocked"], summary["failed"]) == (1, 0, 0), summary
    row = deposit_of(ns, item.payout.id)
    assert row is not None
    assert D(str(row["foreigntotal"])) == major(item.payout.amount, item.payout.currency)
    assert row["trandate"] == datetime.fromtimestamp(item.payout.arrival_date, UTC).date().isoformat()


def same_currency(item: Item) -> bool:
    return bool(item.charge.currency == item.payout.currency)


def test_customer_currency_missing_the_payments_currency_removed_from_its_customer(
    engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, payouts: Payouts,
    ns: NetSuiteSandboxClient,
) -> None:
    """A customer's extra currency removed in NetSuite (the sandbox allows it while the customer's balance in
    it is zero). First in the file: the world has one such payment, and its payout must still be free."""

    def removable(item: Item) -> bool:
        payment = payment_of(ns, item.charge.id)
        customer = ns.get("customer", str(payment["entity"]), expandSubResources="true")
        return str(customer["currency"]["id"]) != str(payment["currency"]) and not any(
            str(line["currency"]["id"]) == str(payment["currency"]) and D(str(line.get("balance") or 0))
            for line in customer.get("currencyList", {}).get("items", [])
        )

    (item,) = payouts.take(removable)
    payment = payment_of(ns, item.charge.id)
    customer_id = str(payment["entity"])
    customer = ns.get("customer", customer_id, expandSubResources="true")
    lines = [{"currency": {"id": str(line["currency"]["id"])}}
             for line in customer["currencyList"]["items"]]  # fmt: skip
    path = f"/record/v1/customer/{customer_id}"
    kept = [line for line in lines if line["currency"]["id"] != str(payment["currency"])]
    removed = ns.request(
        "PATCH", path, params={"replace": "currencyList"}, json={"currencyList": {"items": kept}}
    )
    assert removed.status_code == 204, removed.text

    problem = assert_blocked(
        run(engine, netsuite, settings, item.payout.id, "currency-1"), item.payout.id,
        "customer_currency_missing", {item.transaction}, ns,
    )  # fmt: skip
    assert f"customer {customer_id}" in problem["reason"]

    restored = ns.request(
        "PATCH", path, params={"replace": "currencyList"}, json={"currencyList": {"items": lines}}
    )
    assert restored.status_code == 204, restored.text
    assert_deposited(run(engine, netsuite, settings, item.payout.id, "currency-2"), item, ns)


def test_already_deposited_a_payment_deposited_by_hand_in_netsuite(
    engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, payouts: Payouts,
    ns: NetSuiteSandboxClient,
) -> None:
    (item,) = payouts.take(same_currency)
    payment = payment_of(ns, item.charge.id)
    bank = settings.bank_accounts[item.payout.currency.upper()]
    by_hand = ns.create("deposit", {
        "account": {"id": bank}, "tranDate": "2026-11-02", "memo": "deposited by hand",
        "payment": {"items": [{"id": str(payment["id"]), "deposit": True,
                               "paymentAmount": str(payment["foreigntotal"])}]},
    })  # fmt: skip

    problem = assert_blocked(
        run(engine, netsuite, settings, item.payout.id, "already-1"), item.payout.id, "already_deposited",
        {item.transaction}, ns,
    )  # fmt: skip
    assert f"already in deposit {by_hand}" in problem["reason"]

    assert ns.request("DELETE", f"/record/v1/deposit/{by_hand}").status_code == 204
    assert_deposited(run(engine, netsuite, settings, item.payout.id, "already-2"), item, ns)


def test_undep_funds_account_mismatch_a_payment_recorded_to_the_bank_account(
    engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, payouts: Payouts,
    ns: NetSuiteSandboxClient,
) -> None:
    (item,) = payouts.take(same_currency)
    payment = payment_of(ns, item.charge.id)
    bank = settings.bank_accounts[item.payout.currency.upper()]
    path = f"/record/v1/customerPayment/{payment['id']}"
    moved = ns.request("PATCH", path, json={"undepFunds": {"id": "F"}, "account": {"id": bank}})
    assert moved.status_code == 204, moved.text

    problem = assert_blocked(
        run(engine, netsuite, settings, item.payout.id, "undep-1"), item.payout.id,
        "undep_funds_account_mismatch", {item.transaction}, ns,
    )  # fmt: skip
    assert f"posts to account {bank}" in problem["reason"]

    back = ns.request("PATCH", path, json={"undepFunds": {"id": "T"}})
    assert back.status_code == 204, back.text
    assert_deposited(run(engine, netsuite, settings, item.payout.id, "undep-2"), item, ns)


def test_unequal_amounts_a_payment_amount_edited_in_netsuite(
    engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, payouts: Payouts,
    ns: NetSuiteSandboxClient,
) -> None:
    (item,) = payouts.take(same_currency)
    payment = payment_of(ns, item.charge.id)
    path = f"/record/v1/customerPayment/{payment['id']}"
    original = D(str(payment["foreigntotal"]))
    edited = ns.request("PATCH", path, json={"payment": str(original + 1)})
    assert edited.status_code == 204, edited.text

    problem = assert_blocked(
        run(engine, netsuite, settings, item.payout.id, "unequal-1"), item.payout.id, "unequal_amounts",
        {item.transaction}, ns,
    )  # fmt: skip
    assert item.charge.id in problem["reason"]

    restored = ns.request("PATCH", path, json={"payment": str(original)})
    assert restored.status_code == 204, restored.text
    assert_deposited(run(engine, netsuite, settings, item.payout.id, "unequal-2"), item, ns)


def test_duplicate_netsuite_record_two_charges_of_the_payout_naming_one_payment(
    engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, payouts: Payouts,
    ns: NetSuiteSandboxClient,
) -> None:
    first, second = payouts.take(count=2)
    kept = str(payment_of(ns, first.charge.id)["id"])
    own = str(payment_of(ns, second.charge.id)["id"])

    def point_second_at(internal_id: str) -> None:  # what a mistaken correction of the sync records does
        with session_scope(engine) as session:
            session.execute(
                update(SyncRecord)
                .where(SyncRecord.netsuite_record_type == "customerPayment",
                       SyncRecord.external_id == second.charge.id)
                .values(netsuite_internal_id=internal_id)
            )  # fmt: skip

    point_second_at(kept)
    problem = assert_blocked(
        run(engine, netsuite, settings, first.payout.id, "duplicate-1"), first.payout.id,
        "duplicate_netsuite_record_in_payout", {first.transaction, second.transaction}, ns,
    )  # fmt: skip
    other = ({first.transaction, second.transaction} - {problem["balance_transaction"]}).pop()
    assert f"payment {kept}" in problem["reason"] and other in problem["reason"]

    point_second_at(own)
    assert_deposited(run(engine, netsuite, settings, first.payout.id, "duplicate-2"), first, ns)


def test_payout_currency_account_missing_no_bank_account_for_the_payout_currency(
    engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, payouts: Payouts,
    ns: NetSuiteSandboxClient,
) -> None:
    (item,) = payouts.take()
    currency = item.payout.currency.upper()
    unmapped = DepositSettings(
        bank_accounts={c: a for c, a in settings.bank_accounts.items() if c != currency},
        fee_account_id=settings.fee_account_id, adjustment_account_id=settings.adjustment_account_id,
        clearing_accounts=settings.clearing_accounts,
        undeposited_funds_account_id=settings.undeposited_funds_account_id,
    )  # fmt: skip

    problem = assert_blocked(
        run(engine, netsuite, unmapped, item.payout.id, "bank-1"), item.payout.id,
        "payout_currency_account_missing", {item.payout.balance_transaction}, ns,
    )  # fmt: skip
    assert currency in problem["reason"]

    assert_deposited(run(engine, netsuite, settings, item.payout.id, "bank-2"), item, ns)
