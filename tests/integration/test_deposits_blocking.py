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

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import stripe
from sqlalchemy import Engine, update

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.store import session_scope
from stripe_netsuite.store.pipeline import SyncRecord
from stripe_netsuite.sync.deposit_load_run import run_deposits
from stripe_netsuite.sync.deposit_settings import DepositSettings
from tests.integration import deposit_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.deposit_world import DAG, ZONE
from tests.integration.test_sync_load import major

pytestmark = pytest.mark.slow
D = Decimal

# The world synced from Stripe and every payment loaded into NetSuite (no deposit yet), a bank account per
# payout currency, and a reports folder of the module's own.
netsuite = deposit_world.netsuite
engine = deposit_world.loaded_engine
settings = deposit_world.payout_currency_settings
reports_dir = deposit_world.reports_dir


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


@dataclass
class Scene:
    """What each test works with: the connector's state DB, client and deposit accounts, the payouts still
    free to take, and a generic NetSuite client to set the situation up and read the outcome."""

    engine: Engine
    netsuite: NetSuiteClient
    settings: DepositSettings
    payouts: Payouts
    ns: NetSuiteSandboxClient

    def take_payment(self, wanted: Any = None) -> tuple[Item, dict[str, Any]]:
        """A plain charge of an unused payout (see Payouts.take) and its payment in NetSuite."""
        (item,) = self.payouts.take(wanted)
        return item, payment_of(self.ns, item.charge.id)

    def run(self, payout_id: str, name: str, settings: DepositSettings | None = None) -> dict[str, Any]:
        accounts = self.settings if settings is None else settings
        return run_deposits(
            self.engine, self.netsuite, accounts, dag_id=DAG, run_id=name, now=datetime.now(UTC), zone=ZONE,
            payout_ids=[payout_id],
        )  # fmt: skip

    def assert_blocked(self, payout_id: str, name: str, code: str, transactions: set[str],
                       settings: DepositSettings | None = None) -> dict[str, Any]:  # fmt: skip
        """Run `name` blocks the payout with `code` at one of `transactions`, named in the report; no deposit
        written."""
        summary = self.run(payout_id, name, settings)
        assert (summary["blocked"], summary["deposited"]) == (1, 0), summary
        (problem,) = summary["problems"]
        found = (problem["payout_id"], problem["status"], problem["code"])
        assert found == (payout_id, "blocked", code), problem
        assert problem["balance_transaction"] in transactions, problem
        assert problem["balance_transaction"] in summary["note"] and code in summary["note"]
        report = Path(summary["path"])
        assert problem["balance_transaction"] in report.with_suffix(".md").read_text()
        assert deposit_of(self.ns, payout_id) is None  # all or nothing
        return problem

    def assert_deposited(self, item: Item, name: str) -> None:
        """The next run, `name`, writes the payout's deposit: Stripe's amount, on its arrival day."""
        summary = self.run(item.payout.id, name)
        assert (summary["deposited"], summary["blocked"], summary["failed"]) == (1, 0, 0), summary
        row = deposit_of(self.ns, item.payout.id)
        assert row is not None
        assert D(str(row["foreigntotal"])) == major(item.payout.amount, item.payout.currency)
        assert row["trandate"] == datetime.fromtimestamp(item.payout.arrival_date, UTC).date().isoformat()


@pytest.fixture(scope="module")
def scene(
    engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, stripe_client: stripe.StripeClient,
    ns: NetSuiteSandboxClient,
) -> Scene:
    return Scene(engine, netsuite, settings, Payouts(stripe_client), ns)


def same_currency(item: Item) -> bool:
    return bool(item.charge.currency == item.payout.currency)


def test_customer_currency_missing_the_payments_currency_removed_from_its_customer(scene: Scene) -> None:
    """A customer's extra currency removed in NetSuite (the sandbox allows it while the customer's balance in
    it is zero). First in the file: the world has one such payment, and its payout must still be free."""
    ns = scene.ns

    def removable(item: Item) -> bool:
        payment = payment_of(ns, item.charge.id)
        customer = ns.get("customer", str(payment["entity"]), expandSubResources="true")
        return str(customer["currency"]["id"]) != str(payment["currency"]) and not any(
            str(line["currency"]["id"]) == str(payment["currency"]) and D(str(line.get("balance") or 0))
            for line in customer.get("currencyList", {}).get("items", [])
        )

    item, payment = scene.take_payment(removable)
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

    problem = scene.assert_blocked(
        item.payout.id, "currency-1", "customer_currency_missing", {item.transaction}
    )
    assert f"customer {customer_id}" in problem["reason"]

    restored = ns.request(
        "PATCH", path, params={"replace": "currencyList"}, json={"currencyList": {"items": lines}}
    )
    assert restored.status_code == 204, restored.text
    scene.assert_deposited(item, "currency-2")


def test_already_deposited_a_payment_deposited_by_hand_in_netsuite(scene: Scene) -> None:
    item, payment = scene.take_payment(same_currency)
    bank = scene.settings.bank_accounts[item.payout.currency.upper()]
    by_hand = scene.ns.create("deposit", {
        "account": {"id": bank}, "tranDate": "2026-11-02", "memo": "deposited by hand",
        "payment": {"items": [{"id": str(payment["id"]), "deposit": True,
                               "paymentAmount": str(payment["foreigntotal"])}]},
    })  # fmt: skip

    problem = scene.assert_blocked(item.payout.id, "already-1", "already_deposited", {item.transaction})
    assert f"already in deposit {by_hand}" in problem["reason"]

    assert scene.ns.request("DELETE", f"/record/v1/deposit/{by_hand}").status_code == 204
    scene.assert_deposited(item, "already-2")


def test_undep_funds_account_mismatch_a_payment_recorded_to_the_bank_account(scene: Scene) -> None:
    item, payment = scene.take_payment(same_currency)
    bank = scene.settings.bank_accounts[item.payout.currency.upper()]
    path = f"/record/v1/customerPayment/{payment['id']}"
    moved = scene.ns.request("PATCH", path, json={"undepFunds": {"id": "F"}, "account": {"id": bank}})
    assert moved.status_code == 204, moved.text

    problem = scene.assert_blocked(
        item.payout.id, "undep-1", "undep_funds_account_mismatch", {item.transaction}
    )
    assert f"posts to account {bank}" in problem["reason"]

    back = scene.ns.request("PATCH", path, json={"undepFunds": {"id": "T"}})
    assert back.status_code == 204, back.text
    scene.assert_deposited(item, "undep-2")


def test_unequal_amounts_a_payment_amount_edited_in_netsuite(scene: Scene) -> None:
    item, payment = scene.take_payment(same_currency)
    path = f"/record/v1/customerPayment/{payment['id']}"
    original = D(str(payment["foreigntotal"]))
    edited = scene.ns.request("PATCH", path, json={"payment": str(original + 1)})
    assert edited.status_code == 204, edited.text

    problem = scene.assert_blocked(item.payout.id, "unequal-1", "unequal_amounts", {item.transaction})
    assert item.charge.id in problem["reason"]

    restored = scene.ns.request("PATCH", path, json={"payment": str(original)})
    assert restored.status_code == 204, restored.text
    scene.assert_deposited(item, "unequal-2")


def test_duplicate_netsuite_record_two_charges_of_the_payout_naming_one_payment(scene: Scene) -> None:
    first, second = scene.payouts.take(count=2)
    kept = str(payment_of(scene.ns, first.charge.id)["id"])
    own = str(payment_of(scene.ns, second.charge.id)["id"])

    def point_second_at(internal_id: str) -> None:  # what a mistaken correction of the sync records does
        with session_scope(scene.engine) as session:
            session.execute(
                update(SyncRecord)
                .where(SyncRecord.netsuite_record_type == "customerPayment",
                       SyncRecord.external_id == second.charge.id)
                .values(netsuite_internal_id=internal_id)
            )  # fmt: skip

    point_second_at(kept)
    problem = scene.assert_blocked(
        first.payout.id, "duplicate-1", "duplicate_netsuite_record_in_payout",
        {first.transaction, second.transaction},
    )  # fmt: skip
    other = ({first.transaction, second.transaction} - {problem["balance_transaction"]}).pop()
    assert f"payment {kept}" in problem["reason"] and other in problem["reason"]

    point_second_at(own)
    scene.assert_deposited(first, "duplicate-2")


def test_payout_currency_account_missing_no_bank_account_for_the_payout_currency(scene: Scene) -> None:
    (item,) = scene.payouts.take()
    currency = item.payout.currency.upper()
    settings = scene.settings
    unmapped = DepositSettings(
        bank_accounts={c: a for c, a in settings.bank_accounts.items() if c != currency},
        fee_account_id=settings.fee_account_id, adjustment_account_id=settings.adjustment_account_id,
        clearing_accounts=settings.clearing_accounts,
        undeposited_funds_account_id=settings.undeposited_funds_account_id,
    )  # fmt: skip

    problem = scene.assert_blocked(
        item.payout.id, "bank-1", "payout_currency_account_missing", {item.payout.balance_transaction},
        settings=unmapped,
    )  # fmt: skip
    assert currency in problem["reason"]

    scene.assert_deposited(item, "bank-2")
