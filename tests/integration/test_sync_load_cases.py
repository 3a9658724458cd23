"""Ledger loading case by case on both sandboxes: currencies, statement pay, bad data, refunds, failed debit.

Payments are made through Stripe's API the way the payment page makes them (metadata per the contract), then
extracted and validated by stripe_sync's functions and loaded. Figures expected here come from Stripe's
objects and the NetSuite sandbox's seed (SEED.md), never from the mapping under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.load import LoadResult, load_payments
from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.integration import load_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.load_world import LEDGER_ENV, ledger_settings, stripe_sync
from tests.servers import ROOT, RunningServer

pytestmark = pytest.mark.slow
D = Decimal
MANDATE = {
    "customer_acceptance": {"type": "online", "online": {"ip_address": "127.0.0.1", "user_agent": "tests"}}
}


def pay(
    client: stripe.StripeClient,
    amount: int,
    currency: str,
    metadata: dict[str, str],
    method: str = "pm_card_visa",
) -> Any:
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "payment_method": method,
        "confirm": True,
        "metadata": metadata,
    }
    if method.startswith("pm_usBankAccount"):
        params.update(payment_method_types=["us_bank_account"], mandate_data=MANDATE)
    intent = client.v1.payment_intents.create(params=params)
    return client.v1.charges.retrieve(str(intent.latest_charge), params={"expand": ["balance_transaction"]})


# An empty state DB and the connector's NetSuite client; `ns` is tests/integration/conftest.py's.
engine = load_world.engine
netsuite = load_world.netsuite


@pytest.fixture(scope="module")
def charges(stripe_client: stripe.StripeClient) -> dict[str, Any]:
    """One payment per case, as the payment page would make it (seeded NetSuite ids, SEED.md)."""

    def meta(customer: str, invoice: str | None = None) -> dict[str, str]:
        return {"netsuite_customer_id": customer, **({"netsuite_invoice_id": invoice} if invoice else {})}

    return {
        "yen": pay(stripe_client, 125000, "jpy", meta("106", "1026")),
        "dinar": pay(stripe_client, 1250750, "kwd", {"netsuite_customer_id": "108",
                                                     "netsuite_invoice_id": "1037"}),
        "euro": pay(stripe_client, 120000, "eur", meta("102", "1006")),
        "statement": pay(stripe_client, 425000, "eur", {"netsuite_customer_id": "105",
                                                        "netsuite_invoice_count": "2",
                                                        "netsuite_invoice_ids": "1020,1021"}),
        "unknown_customer": pay(stripe_client, 5000, "usd", {"netsuite_customer_id": "999"}),
        "missing_currency": pay(stripe_client, 5000, "usd", {"netsuite_customer_id": "103"}),
        "other_customers_invoice": pay(stripe_client, 10000, "usd", {"netsuite_customer_id": "104",
                                                                     "netsuite_invoice_id": "1001"}),
        "paid_invoice": pay(stripe_client, 12000, "usd", {"netsuite_customer_id": "104",
                                                          "netsuite_invoice_id": "1014"}),
        "debit": pay(stripe_client, 4525, "usd", meta("104", "1018"),
                     "pm_usBankAccount_insufficientFunds"),
    }  # fmt: skip


@pytest.fixture(scope="module")
def first(
    charges: dict[str, Any],
    stripe_sandbox: RunningServer,
    engine: Engine,
    netsuite: NetSuiteClient,
    stripe_client: stripe.StripeClient,
) -> LoadResult:
    stripe_sync(stripe_sandbox, engine, "sync-1")
    return load_payments(engine, netsuite, stripe_client, ledger_settings(), run_id="load-1")


@pytest.fixture(scope="module")
def second(
    first: LoadResult,
    charges: dict[str, Any],
    stripe_sandbox: RunningServer,
    engine: Engine,
    netsuite: NetSuiteClient,
    stripe_client: stripe.StripeClient,
) -> LoadResult:
    """Two partial refunds of the yen payment, and the bank debit failing four business days later."""
    for amount in (25000, 50000):
        stripe_client.v1.refunds.create(params={"charge": charges["yen"].id, "amount": amount})
    requests.post(
        f"{stripe_sandbox.url}/_sandbox/clock/advance", json={"days": 7}, timeout=60
    ).raise_for_status()
    assert stripe_client.v1.charges.retrieve(charges["debit"].id).status == "failed"
    stripe_sync(stripe_sandbox, engine, "sync-2")
    return load_payments(engine, netsuite, stripe_client, ledger_settings(), run_id="load-2")


def payment(ns: NetSuiteSandboxClient, charge_id: str) -> dict[str, Any]:
    [row] = ns.rows(
        f"SELECT t.id FROM transaction t WHERE t.externalid = '{charge_id}' AND t.type = 'CustPymt'"
    )
    return ns.get("customerPayment", str(row["id"]), expandSubResources="true")


def remaining(ns: NetSuiteSandboxClient, invoice_id: str) -> Decimal:
    return D(str(ns.get("invoice", invoice_id)["amountRemaining"]))


def applied_to(doc: dict[str, Any]) -> dict[str, Decimal]:
    return {
        str(line["doc"]["id"]): D(str(line["amount"])) for line in doc["apply"]["items"] if line.get("apply")
    }


def test_zero_and_three_decimal_currencies_settle_their_invoices_to_the_unit(
    first: LoadResult, charges: dict[str, Any], ns: NetSuiteSandboxClient
) -> None:
    yen = payment(ns, charges["yen"].id)
    assert (
        D(str(yen["payment"])) == D(charges["yen"].amount) and yen["currency"]["id"] == "5"
    )  # JPY (SEED.md)
    dinar = payment(ns, charges["dinar"].id)
    assert D(str(dinar["payment"])) == D(charges["dinar"].amount).scaleb(-3) == D("1250.750")
    assert remaining(ns, "1037") == 0 and applied_to(dinar) == {"1037": D("1250.750")}


def test_a_euro_charge_settled_in_dollars_carries_stripes_exchange_rate(
    first: LoadResult, charges: dict[str, Any], ns: NetSuiteSandboxClient
) -> None:
    transaction = charges["euro"].balance_transaction
    assert transaction.currency == "usd" and transaction.exchange_rate  # Stripe converted it
    euro = payment(ns, charges["euro"].id)
    assert D(str(euro["exchangeRate"])) == D(str(transaction.exchange_rate))
    assert (D(str(euro["payment"])), remaining(ns, "1006")) == (D("1200.00"), 0)


def test_statement_pay_settles_the_named_invoices_in_order(
    first: LoadResult, charges: dict[str, Any], ns: NetSuiteSandboxClient
) -> None:
    statement = payment(ns, charges["statement"].id)
    # Seed: 1020 has 2,100.00 open, 1021 has 2,150.00 open; 4,250.00 pays both exactly.
    assert applied_to(statement) == {"1020": D("2100.00"), "1021": D("2150.00")}
    assert (remaining(ns, "1020"), remaining(ns, "1021")) == (0, 0)


def test_bad_data_gets_its_documented_outcome_and_the_rest_loads(
    first: LoadResult, charges: dict[str, Any], ns: NetSuiteSandboxClient
) -> None:
    unknown = payment(ns, charges["unknown_customer"].id)
    assert unknown["customer"]["id"] == "101"  # Stripe Unallocated Charges
    failed = {o.stripe_id: o.reason or "" for o in first.having("failed")}
    assert set(failed) == {charges["missing_currency"].id}
    assert "NetSuite customer 103" in failed[charges["missing_currency"].id]
    assert "has no USD currency" in failed[charges["missing_currency"].id]
    for case, invoice in (("other_customers_invoice", "INV1001"), ("paid_invoice", "INV1014")):
        doc = payment(ns, charges[case].id)
        assert doc["memo"].startswith(f"Stripe Payment Error: could not apply to invoice {invoice}: "), case
        assert applied_to(doc) == {} and D(str(doc["unapplied"])) == D(charges[case].amount).scaleb(-2)
    assert remaining(ns, "1001") == D("1500.00")
    assert first.retry == []


def test_a_pending_bank_debit_is_recorded_and_applied(
    first: LoadResult, charges: dict[str, Any], ns: NetSuiteSandboxClient
) -> None:
    assert charges["debit"].status == "pending" and charges["debit"].id.startswith("py_")
    assert applied_to(payment(ns, charges["debit"].id)) == {"1018": D("45.25")}


def test_two_partial_refunds_keep_the_invoice_settled_and_return_the_money(
    second: LoadResult, charges: dict[str, Any], ns: NetSuiteSandboxClient
) -> None:
    yen = payment(ns, charges["yen"].id)
    assert applied_to(yen) == {"1026": D(125000 - 25000 - 50000)}
    assert remaining(ns, "1026") == 0
    refunds = ns.rows(
        "SELECT t.externalid, t.foreigntotal FROM transaction t WHERE t.type = 'CustRfnd'"
        " AND t.externalid LIKE 're_%' ORDER BY t.id"
    )
    assert sorted(D(str(r["foreigntotal"])) for r in refunds) == [D(25000), D(50000)]
    memos = ns.rows(
        "SELECT t.externalid, t.foreigntotal FROM transaction t WHERE t.type = 'CustCred'"
        " AND t.externalid LIKE 'cm-re_%' ORDER BY t.id"
    )
    assert sorted(D(str(r["foreigntotal"])) for r in memos) == [D(25000), D(50000)]


def test_a_failed_bank_debit_reopens_its_invoice_and_is_refunded_not_deleted(
    second: LoadResult, charges: dict[str, Any], ns: NetSuiteSandboxClient
) -> None:
    debit = payment(ns, charges["debit"].id)  # still there
    assert applied_to(debit) == {} and remaining(ns, "1018") == D("45.25")
    [refund] = ns.rows(
        f"SELECT t.memo, t.foreigntotal FROM transaction t WHERE t.externalid = 'fail-{charges['debit'].id}'"
    )
    assert D(str(refund["foreigntotal"])) == D("45.25") and "insufficient" in refund["memo"].lower()
    # The charge refused in the first run stays failed (and in every report) until someone replays it.
    assert second.retry == [] and {o.stripe_id for o in second.having("failed")} == {
        charges["missing_currency"].id
    }


def test_the_operator_cli_shows_status_and_replays_a_failed_charge_once_netsuite_is_fixed(
    second: LoadResult,
    charges: dict[str, Any],
    ns: NetSuiteSandboxClient,
    engine: Engine,
    stripe_sandbox: RunningServer,
    netsuite_sandbox: RunningServer,
) -> None:
    charge_id = charges["missing_currency"].id
    env = {
        **os.environ, **NETSUITE_TEST_ENV, **LEDGER_ENV,
        "NETSUITE_BASE_URL": netsuite_sandbox.url + "/services/rest",
        "STRIPE_API_KEY": STRIPE_TEST_KEY, "STRIPE_API_BASE": stripe_sandbox.url,
        "CONNECTOR_DATABASE_URL": str(engine.url),
        "CONNECTOR_REPORTS_DIR": str(Path(str(engine.url.database)).parent),
    }  # fmt: skip

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "stripe_netsuite.sync", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    [record] = [json.loads(line) for line in cli("status", charge_id).stdout.splitlines()]
    assert record["status"] == "failed" and "has no USD currency" in record["last_error"]
    # The fix the message asks for: USD added to Globex's currencies in NetSuite.
    response = ns.request(
        "PATCH", "/record/v1/customer/103", json={"currencyList": {"items": [{"currency": {"id": "1"}}]}}
    )
    assert response.status_code == 204, response.text
    replayed = cli("replay", charge_id)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "netsuite_payments: loaded 1, unchanged 0, failed 0" in replayed.stdout
    assert payment(ns, charge_id)["customer"]["id"] == "103"
    [record] = [json.loads(line) for line in cli("status", charge_id).stdout.splitlines()]
    assert record["status"] == "synced" and record["attempts"] == 2
    assert cli("status").returncode == 0
