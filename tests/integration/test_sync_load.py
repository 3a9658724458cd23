"""Loading the seeded 30-day world into NetSuite: every payment once, refunds and disputes, refusals, re-runs.

Both sandboxes run as real servers; stripe_sync's own functions extract and validate the world, then the
loader writes it. Expectations are computed here from Stripe's data (charges, refunds, disputes as Stripe
lists them) and read back from NetSuite through SuiteQL with a generic client, never through the mapping
under test.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.load import LoadResult, load_payments
from stripe_netsuite.sync.load_run import replay, sync_status
from tests.integration import load_world
from tests.integration.conftest import NetSuiteSandboxClient

# CLEARING and LEDGER_ENV: modules elsewhere (tests/dags, reports, audit) still import them from here.
from tests.integration.load_world import CLEARING as CLEARING
from tests.integration.load_world import LEDGER_ENV as LEDGER_ENV
from tests.integration.load_world import UNALLOCATED, every_row, ledger_settings, major, stripe_sync
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
D = Decimal


# ---- fixtures ---------------------------------------------------------------------------------------

stripe_api = load_world.stripe_api
world = load_world.world  # the seeded 30-day world
engine = load_world.engine  # an empty state DB
netsuite = load_world.netsuite  # the connector's client


@pytest.fixture(scope="module")
def synced(world: RunningServer, engine: Engine) -> Engine:
    stripe_sync(world, engine, "sync-1")
    return engine


def list_all(client: stripe.StripeClient, service: Any) -> list[Any]:
    return list(service.list(params={"limit": 100}).auto_paging_iter())


@pytest.fixture(scope="module")
def stripe_data(world: RunningServer, stripe_api: stripe.StripeClient) -> dict[str, list[Any]]:
    """What Stripe holds, listed through the API as any client would (before the loader writes metadata)."""
    v1 = stripe_api.v1
    return {
        "charges": list_all(stripe_api, v1.charges),
        "refunds": list_all(stripe_api, v1.refunds),
        "disputes": list_all(stripe_api, v1.disputes),
        "intents": list_all(stripe_api, v1.payment_intents),
        "customers": list_all(stripe_api, v1.customers),
    }


def last_requests(server: RunningServer, count: int) -> list[dict[str, Any]]:
    """The last `count` REST requests the sandbox answered (its log keeps the newest 2,000)."""
    assert 0 < count <= 2000
    entries = requests.get(f"{server.url}/_sandbox/requests", params={"limit": count}, timeout=60).json()
    return list(entries["requests"])


def is_write(entry: dict[str, Any]) -> bool:
    return entry["method"] in ("PUT", "PATCH", "POST", "DELETE") and "/query/" not in entry["path"]


# ---- what NetSuite holds, read with a generic client ---------------------------------------------


def ledger_rows(ns: NetSuiteSandboxClient, kind: str) -> list[dict[str, Any]]:
    return every_row(ns,
        "SELECT t.id, t.externalid, t.entity, t.foreigntotal, t.memo, c.symbol AS currency"
        " FROM transaction t JOIN currency c ON c.id = t.currency"
        f" WHERE t.type = '{kind}' AND t.externalid IS NOT NULL ORDER BY t.id",
    )  # fmt: skip


def links(ns: NetSuiteSandboxClient, linktype: str) -> list[dict[str, Any]]:
    return every_row(ns,
        "SELECT l.previousdoc, l.nextdoc, l.foreignamount FROM nexttransactionlinelink l"
        f" WHERE l.linktype = '{linktype}' ORDER BY l.nextdoc, l.previousdoc",
    )  # fmt: skip


def expected_customer(charge: Any, intents: dict[str, Any], customers: dict[str, Any]) -> str:
    """The documented order: charge metadata, its PaymentIntent's, its Stripe customer's, else catch-all."""
    for obj in (charge, intents.get(charge.payment_intent or ""), customers.get(charge.customer or "")):
        if obj is not None and metadata_of(obj).get("netsuite_customer_id"):
            return str(obj.metadata["netsuite_customer_id"])
    return UNALLOCATED


def metadata_of(obj: Any) -> dict[str, str]:
    return dict(obj.metadata.to_dict()) if obj.metadata else {}


def withdrawn(dispute: Any) -> bool:
    return any(bt.amount < 0 for bt in dispute.balance_transactions)


# ---- in order: a refusal, its replay, the invariants, a re-run ----------------------------------------


@pytest.fixture(scope="module")
def first_run(
    synced: Engine,
    netsuite: NetSuiteClient,
    stripe_api: stripe.StripeClient,
    stripe_data: dict[str, list[Any]],
) -> LoadResult:
    # CAD refunds name account 8 (an expense account) as their clearing account: NetSuite refuses them.
    return load_payments(synced, netsuite, stripe_api, ledger_settings(CAD="8"), run_id="load-1")


def test_a_netsuite_refusal_fails_that_record_with_netsuites_message_and_the_rest_load(
    first_run: LoadResult, stripe_data: dict[str, list[Any]], synced: Engine
) -> None:
    refused = {
        r.id for r in stripe_data["refunds"] if r.currency == "cad" and r.status in ("succeeded", "pending")
    }
    assert refused, "the world has CAD refunds"
    failed = {o.stripe_id: o.reason for o in first_run.having("failed")}
    assert refused <= set(failed)
    assert all("Account 8 is not a bank account" in (failed[i] or "") for i in refused)
    assert first_run.retry == []
    paid = {c.id for c in stripe_data["charges"] if c.status in ("succeeded", "pending")}
    assert {o.stripe_id for o in first_run.outcomes if o.kind == "payment" and o.status == "loaded"} == paid
    record = sync_status(synced, sorted(refused)[0])
    assert record[0]["status"] == "failed" and "Account 8" in record[0]["last_error"]


def test_loading_never_exceeds_the_accounts_concurrency_limit(
    first_run: LoadResult, netsuite_sandbox: RunningServer
) -> None:
    stats = requests.get(f"{netsuite_sandbox.url}/_sandbox/stats", timeout=30).json()
    assert stats["rejected_429"] == 0
    assert 1 < stats["peak_concurrency"] <= stats["config"]["concurrency_limit"] == 5


def test_a_replayed_record_loads_once_its_cause_is_fixed(
    first_run: LoadResult, synced: Engine, netsuite: NetSuiteClient, stripe_api: stripe.StripeClient
) -> None:
    failed = [o.stripe_id for o in first_run.having("failed")]
    for stripe_id in failed:
        assert replay(synced, stripe_id) == 1
    second = load_payments(
        synced, netsuite, stripe_api, ledger_settings(), run_id="load-2", stripe_ids=failed
    )
    assert {o.stripe_id for o in second.having("loaded")} >= set(failed)
    assert second.having("failed") == second.retry == []


def test_every_succeeded_charge_is_exactly_one_customer_payment_on_the_right_customer(
    first_run: LoadResult, stripe_data: dict[str, list[Any]], ns: NetSuiteSandboxClient
) -> None:
    intents = {i.id: i for i in stripe_data["intents"]}
    customers = {c.id: c for c in stripe_data["customers"]}
    paid = [c for c in stripe_data["charges"] if c.status in ("succeeded", "pending")]
    assert len(paid) > 30
    rows = ledger_rows(ns, "CustPymt")
    assert Counter(r["externalid"] for r in rows).most_common(1)[0][1] == 1  # no duplicate
    by_charge = {r["externalid"]: r for r in rows}
    assert set(by_charge) == {c.id for c in paid}
    for charge in paid:
        row = by_charge[charge.id]
        amount = charge.amount_captured if charge.captured and charge.amount_captured else charge.amount
        assert str(row["entity"]) == expected_customer(charge, intents, customers), charge.id
        assert row["currency"] == charge.currency.upper(), charge.id
        assert D(str(row["foreigntotal"])) == major(amount, charge.currency), charge.id


def test_payments_settle_the_invoices_they_name_and_nothing_else(
    first_run: LoadResult, stripe_data: dict[str, list[Any]], ns: NetSuiteSandboxClient
) -> None:
    payments = {r["externalid"]: r for r in ledger_rows(ns, "CustPymt")}
    memos = {r["externalid"]: r for r in ledger_rows(ns, "CustCred")}
    applied: dict[str, list[tuple[str, Decimal]]] = {}
    for link in links(ns, "Payment") + links(ns, "Credit Memo Application"):
        applied.setdefault(str(link["nextdoc"]), []).append(
            (str(link["previousdoc"]), abs(D(str(link["foreignamount"]))))
        )
    intents = {i.id: i for i in stripe_data["intents"]}
    refunds_of: dict[str, list[Any]] = {}
    for refund in stripe_data["refunds"]:
        refunds_of.setdefault(refund.charge, []).append(refund)
    for dispute in stripe_data["disputes"]:
        if withdrawn(dispute):
            refunds_of.setdefault(dispute.charge, []).append(dispute)
    checked = 0
    for charge in stripe_data["charges"]:
        if charge.id not in payments:
            continue
        intent = intents.get(charge.payment_intent or "")
        metadata = {**(metadata_of(intent) if intent else {}), **metadata_of(charge)}
        named = metadata.get("netsuite_invoice_id")
        row = payments[charge.id]
        docs = list(applied.get(str(row["id"]), []))
        for reversal in refunds_of.get(charge.id, []):
            memo = memos.get(f"cm-{reversal.id}")
            docs += applied.get(str(memo["id"]), []) if memo else []
        if not named:
            assert docs == [], charge.id  # auto-apply is off: a payment on account stays unapplied
            continue
        if str(row["memo"]).startswith("Stripe Payment Error: could not apply to invoice"):
            assert applied.get(str(row["id"]), []) == [], charge.id
            continue
        assert row["memo"] == f"Stripe: {charge.id}"
        # Applied as asked: what the payment still applies plus the credit memos of its refunds is the charge.
        assert {doc for doc, _ in docs} <= set(named.split(",")), charge.id
        assert sum(amount for _, amount in docs) == D(str(row["foreigntotal"])), charge.id
        checked += 1
    assert checked > 5


def test_refunds_and_lost_disputes_are_customer_refunds_of_their_payment(
    first_run: LoadResult, stripe_data: dict[str, list[Any]], ns: NetSuiteSandboxClient
) -> None:
    refunds = {r["externalid"]: r for r in ledger_rows(ns, "CustRfnd")}
    payments = {r["externalid"]: r for r in ledger_rows(ns, "CustPymt")}
    refund_links = {str(link["nextdoc"]): link for link in links(ns, "Refund")}
    expected: dict[str, tuple[str, Decimal]] = {}
    for refund in stripe_data["refunds"]:
        if refund.status in ("succeeded", "pending"):
            expected[refund.id] = (refund.charge, major(refund.amount, refund.currency))
    for dispute in stripe_data["disputes"]:
        if withdrawn(dispute):
            expected[dispute.id] = (dispute.charge, major(dispute.amount, dispute.currency))
    assert any(k.startswith("dp_") for k in expected) and len(expected) > 5
    assert {k for k in refunds if not k.startswith("fail-")} == set(expected)
    for stripe_id, (charge_id, amount) in expected.items():
        row = refunds[stripe_id]
        assert D(str(row["foreigntotal"])) == amount, stripe_id
        link = refund_links[str(row["id"])]
        assert str(link["previousdoc"]) == str(payments[charge_id]["id"]), stripe_id
        assert str(row["entity"]) == str(payments[charge_id]["entity"])


def test_netsuite_ids_are_written_back_to_stripe(
    first_run: LoadResult, stripe_api: stripe.StripeClient, ns: NetSuiteSandboxClient
) -> None:
    payments = {r["externalid"]: str(r["id"]) for r in ledger_rows(ns, "CustPymt")}
    charge_id = sorted(payments)[0]
    charge = stripe_api.v1.charges.retrieve(charge_id)
    assert charge.metadata["netsuite_customer_payment_id"] == payments[charge_id]
    refunds = {r["externalid"]: str(r["id"]) for r in ledger_rows(ns, "CustRfnd")}
    refund_id = next(k for k in sorted(refunds) if k.startswith("re_"))
    assert (
        stripe_api.v1.refunds.retrieve(refund_id).metadata["netsuite_customer_refund_id"]
        == refunds[refund_id]
    )


def test_a_rerun_after_stripe_sync_writes_nothing(
    first_run: LoadResult,
    world: RunningServer,
    synced: Engine,
    netsuite: NetSuiteClient,
    stripe_api: stripe.StripeClient,
    netsuite_sandbox: RunningServer,
    ns: NetSuiteSandboxClient,
) -> None:
    stripe_sync(world, synced, "sync-2")  # picks up the metadata the loader wrote back
    snapshot = (ledger_rows(ns, "CustPymt"), ledger_rows(ns, "CustRfnd"), ledger_rows(ns, "CustCred"))
    again = load_payments(synced, netsuite, stripe_api, ledger_settings(), run_id="load-3")
    assert again.having("loaded") == again.having("failed") == again.retry == []
    assert len(again.having("unchanged")) > 30
    assert 0 < again.requests < 50  # batched look-ups, nothing per record
    assert [e for e in last_requests(netsuite_sandbox, again.requests) if is_write(e)] == []
    assert (ledger_rows(ns, "CustPymt"), ledger_rows(ns, "CustRfnd"), ledger_rows(ns, "CustCred")) == snapshot
