"""A refund that fails after it was loaded, end to end on both sandboxes (Stripe's test card ...5126).

The refund's records stay (customer refund, and the credit memo that keeps its invoice settled); the failure
adds a customer payment of the refund's amount into the Stripe clearing account, unapplied, carrying Stripe's
failure reason: the customer's credit stands again and nothing is deleted. Figures come from Stripe's objects
and the NetSuite seed (SEED.md), never from the mapping under test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.deposit_load_run import run_deposits
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.load import LoadResult, load_payments
from tests.integration import load_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.load_world import CLEARING, ledger_settings, stripe_sync
from tests.integration.test_sync_load_cases import applied_to, pay, payment, remaining
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
D = Decimal
CUSTOMER = "104"  # Initech, USD (SEED.md)


def major(cents: int) -> Decimal:
    return D(cents).scaleb(-2)


# An empty state DB and the connector's NetSuite client; `ns` is tests/integration/conftest.py's.
engine = load_world.engine
netsuite = load_world.netsuite


def balance(ns: NetSuiteSandboxClient) -> Decimal:
    return D(str(ns.get("customer", CUSTOMER)["balance"]))


@pytest.fixture(scope="module")
def refunded(
    stripe_client: stripe.StripeClient,
    stripe_sandbox: RunningServer,
    engine: Engine,
    netsuite: NetSuiteClient,
    ns: NetSuiteSandboxClient,
) -> dict[str, Any]:
    """Two payments by a card whose refunds fail, refunded and loaded while the refunds still succeed."""
    invoice = {"netsuite_customer_id": CUSTOMER, "netsuite_invoice_id": "1018"}
    applied = pay(stripe_client, 4525, "usd", invoice, "pm_card_refundFail")
    on_account = pay(stripe_client, 5000, "usd", {"netsuite_customer_id": CUSTOMER}, "pm_card_refundFail")
    kept = pay(stripe_client, 3000, "usd", {"netsuite_customer_id": CUSTOMER})  # an ordinary card
    refunds = {
        "applied": stripe_client.v1.refunds.create(params={"charge": applied.id, "amount": 2000}),
        "on_account": stripe_client.v1.refunds.create(params={"charge": on_account.id}),
        "kept": stripe_client.v1.refunds.create(params={"charge": kept.id, "amount": 1000}),
    }
    assert {r.status for r in refunds.values()} == {"succeeded"}
    stripe_sync(stripe_sandbox, engine, "sync-1")
    first = load_payments(engine, netsuite, stripe_client, ledger_settings(), run_id="load-1")
    assert first.having("failed") == first.retry == []
    return {"charges": {"applied": applied, "on_account": on_account, "kept": kept}, "refunds": refunds,
            "first": first, "balance": balance(ns)}  # fmt: skip


@pytest.fixture(scope="module")
def failed_run(
    refunded: dict[str, Any],
    stripe_client: stripe.StripeClient,
    stripe_sandbox: RunningServer,
    engine: Engine,
    netsuite: NetSuiteClient,
) -> LoadResult:
    """An hour later Stripe has failed the refunds of the ...5126 card and returned their money."""
    requests.post(
        f"{stripe_sandbox.url}/_sandbox/clock/advance", json={"hours": 1}, timeout=60
    ).raise_for_status()
    stripe_sync(stripe_sandbox, engine, "sync-2")
    return load_payments(engine, netsuite, stripe_client, ledger_settings(), run_id="load-2")


def returned_payments(ns: NetSuiteSandboxClient) -> dict[str, dict[str, Any]]:
    rows = ns.rows(
        "SELECT id, externalid FROM transaction WHERE type = 'CustPymt' AND externalid LIKE 'rf-%'"
    )
    return {
        str(r["externalid"])[3:]: ns.get("customerPayment", str(r["id"]), expandSubResources="true")
        for r in rows
    }


def test_the_failed_refunds_money_comes_back_as_an_unapplied_payment_into_the_clearing_account(
    refunded: dict[str, Any],
    failed_run: LoadResult,
    stripe_client: stripe.StripeClient,
    ns: NetSuiteSandboxClient,
) -> None:
    now = {key: stripe_client.v1.refunds.retrieve(r.id) for key, r in refunded["refunds"].items()}
    failed = {key: r for key, r in now.items() if r.status == "failed"}
    assert set(failed) == {"applied", "on_account"} and now["kept"].status == "succeeded"
    returned = returned_payments(ns)
    assert set(returned) == {r.id for r in failed.values()}
    for refund in failed.values():
        doc = returned[refund.id]
        assert doc["customer"]["id"] == CUSTOMER and D(str(doc["payment"])) == major(refund.amount)
        assert (doc["undepFunds"]["id"], doc["account"]["id"]) == ("F", CLEARING["USD"])
        assert applied_to(doc) == {} and D(str(doc["unapplied"])) == major(refund.amount)
        assert doc["memo"] == f"Stripe: {refund.id} refund failed: {refund.failure_reason}"
    outcomes = {(o.stripe_id, o.kind): o.status for o in failed_run.outcomes}
    assert {k: v for k, v in outcomes.items() if k[1] == "failed_refund"} == {
        (r.id, "failed_refund"): "loaded" for r in failed.values()
    }
    assert failed_run.having("failed") == failed_run.retry == []


def test_nothing_is_deleted_the_refund_and_its_credit_memo_stay_and_the_invoice_stays_settled(
    refunded: dict[str, Any], failed_run: LoadResult, ns: NetSuiteSandboxClient
) -> None:
    refunds = refunded["refunds"]
    for key in ("applied", "on_account", "kept"):
        [row] = ns.rows(f"SELECT foreigntotal FROM transaction WHERE type = 'CustRfnd' AND externalid = "
                        f"'{refunds[key].id}'")  # fmt: skip
        assert D(str(row["foreigntotal"])) == major(refunds[key].amount)
    [memo] = ns.rows(f"SELECT foreigntotal FROM transaction WHERE externalid = 'cm-{refunds['applied'].id}'")
    assert D(str(memo["foreigntotal"])) == major(refunds["applied"].amount)
    assert remaining(ns, "1018") == 0
    original = payment(ns, refunded["charges"]["applied"].id)
    assert applied_to(original) == {"1018": major(4525 - 2000)}


def test_the_customer_owes_less_by_exactly_the_refunds_that_failed(
    refunded: dict[str, Any],
    failed_run: LoadResult,
    ns: NetSuiteSandboxClient,
    stripe_client: stripe.StripeClient,
) -> None:
    failed = [
        r for r in (stripe_client.v1.refunds.retrieve(x.id) for x in refunded["refunds"].values())
        if r.status == "failed"
    ]  # fmt: skip
    assert balance(ns) == refunded["balance"] - sum(major(r.amount) for r in failed)


def test_the_refunds_keep_their_customer_refund_id_in_stripe(
    refunded: dict[str, Any],
    failed_run: LoadResult,
    ns: NetSuiteSandboxClient,
    stripe_client: stripe.StripeClient,
) -> None:
    for refund in refunded["refunds"].values():
        [row] = ns.rows(f"SELECT id FROM transaction WHERE type = 'CustRfnd' AND externalid = '{refund.id}'")
        metadata = stripe_client.v1.refunds.retrieve(refund.id).to_dict().get("metadata") or {}
        assert metadata.get("netsuite_customer_refund_id") == str(row["id"])


def test_a_rerun_writes_nothing(
    failed_run: LoadResult,
    engine: Engine,
    netsuite: NetSuiteClient,
    stripe_client: stripe.StripeClient,
    stripe_sandbox: RunningServer,
) -> None:
    stripe_sync(stripe_sandbox, engine, "sync-3")
    again = load_payments(engine, netsuite, stripe_client, ledger_settings(), run_id="load-3")
    assert again.having("loaded") == again.having("failed") == again.retry == []
    assert {o.kind for o in again.having("unchanged")} >= {"payment", "refund", "failed_refund"}


def test_the_payout_carrying_the_returned_money_is_deposited_and_the_clearing_account_nets_to_zero(
    refunded: dict[str, Any],
    failed_run: LoadResult,
    stripe_client: stripe.StripeClient,
    stripe_sandbox: RunningServer,
    engine: Engine,
    netsuite: NetSuiteClient,
    ns: NetSuiteSandboxClient,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONNECTOR_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
    for path, body in (("/clock/advance", {"days": 10}), ("/payouts/run", {})):
        requests.post(f"{stripe_sandbox.url}/_sandbox{path}", json=body, timeout=60).raise_for_status()
    stripe_sync(stripe_sandbox, engine, "sync-4")
    assert load_payments(engine, netsuite, stripe_client, ledger_settings(), run_id="load-4").retry == []
    bank = ns.create("account", {"acctNumber": "1010", "acctName": "Operating USD", "acctType": "Bank",
                                 "currency": {"id": "1"}, "subsidiary": {"id": "1"}})  # fmt: skip
    settings = DepositSettings.for_ledger(
        ledger_settings(), bank_accounts={"USD": bank}, fee_account_id="8", adjustment_account_id="8"
    )
    run = run_deposits(engine, netsuite, settings, dag_id="netsuite_deposits", run_id="deposits-1",
                       now=datetime.now(UTC), zone=ZoneInfo("America/Los_Angeles"))  # fmt: skip
    failed_ids = {r.id for r in refunded["refunds"].values() if r.id in returned_payments(ns)}
    payouts = [p for p in stripe_client.v1.payouts.list(params={"limit": 100}).auto_paging_iter()
               if p.status == "paid" and p.automatic]  # fmt: skip
    carrying = [
        p for p in payouts
        if failed_ids & {t.source for t in stripe_client.v1.balance_transactions.list(
            params={"payout": p.id, "limit": 100}).auto_paging_iter() if t.type == "refund_failure"}
    ]  # fmt: skip
    assert carrying, "no paid payout carries the refund failures"
    assert run["blocked"] == 0 and run["deposited"] == len(payouts)
    for payout in carrying:
        [row] = ns.rows(f"SELECT id, foreigntotal FROM transaction WHERE type = 'Deposit' AND externalid = "
                        f"'{payout.id}'")  # fmt: skip
        assert D(str(row["foreigntotal"])) == major(payout.amount)
        lines = ns.rows(f"SELECT memo, foreignamount FROM transactionline WHERE transaction = {row['id']}"
                        f" AND mainline = 'F' AND account = {CLEARING['USD']}")  # fmt: skip
        for refund_id in failed_ids:
            mine = sorted(
                D(str(line["foreignamount"])) for line in lines if line["memo"] == f"Stripe: {refund_id}"
            )
            assert len(mine) == 2 and sum(mine) == 0  # cash back out, other line back in
