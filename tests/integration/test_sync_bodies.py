"""The ledger mappings' bodies, written through the project's NetSuite client, are accepted by the sandbox.

The client sends `X-NetSuite-PropertyNameValidation: Error` on every write, so a field the REST API Browser
does not name fails here instead of vanishing. Customers and invoices are created through the API first;
facts are read back through SuiteQL as the loader will; every outcome is checked in NetSuite's own figures
(amount remaining, applied, unapplied), and writing everything a second time changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings, NetSuiteUserError
from stripe_netsuite.payments.accounts import fetch_customer_account
from stripe_netsuite.sync.applications import InvoiceFacts
from stripe_netsuite.sync.customers import CustomerFacts, CustomerSources, match_customer
from stripe_netsuite.sync.payments import ChargeLedger, build_customer_payment
from stripe_netsuite.sync.records import LedgerWrite
from stripe_netsuite.sync.refunds import RecordedPayment, ReversalLedger, build_reversal
from stripe_netsuite.sync.reversals import (
    Reversal,
    dispute_reversal,
    failed_payment_reversal,
    refund_reversal,
)
from stripe_netsuite.sync.settings import LedgerSettings
from tests.servers import RunningServer
from tests.unit.test_sync_fixtures import OCT_1_0300_UTC, balance_transaction, charge, dispute, refund

D = Decimal
SETTINGS = LedgerSettings(
    time_zone="America/Los_Angeles",
    base_currencies={"1": "USD"},
    payment_option_id="1",  # seeded paymentMethod "Stripe"
    undeposited_funds_account_id="7",  # seeded "1099 Undeposited Funds"
    clearing_accounts={"USD": "1", "GBP": "2", "CAD": "3", "EUR": "4", "JPY": "5", "KWD": "6"},
    unallocated_customer_id="101",
    credit_memo_item_id="1",
    add_customer_currency=True,
)


@pytest.fixture(scope="module")
def client(netsuite_env: dict[str, str]) -> Iterator[NetSuiteClient]:
    settings = NetSuiteSettings.from_env(netsuite_env)
    with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as netsuite:
        yield netsuite


@dataclass
class World:
    currency_ids: dict[str, str]
    symbols: dict[str, str]
    acme: str  # USD, with EUR
    globex: str  # GBP only
    invoices: dict[str, str]  # label -> internal id


def _invoice(client: NetSuiteClient, customer: str, currency: str, rate: str, label: str) -> str:
    body = {"entity": {"id": customer}, "currency": {"id": currency}, "tranDate": "2026-09-01",
            "item": {"items": [{"item": {"id": "1"}, "rate": rate}]}}
    return client.upsert("invoice", f"ledger-test-{label}", body, replace=("item",))


@pytest.fixture(scope="module")
def world(client: NetSuiteClient) -> World:
    rows = list(client.suiteql("SELECT id, symbol FROM currency ORDER BY id"))
    ids = {row["symbol"]: str(row["id"]) for row in rows}
    acme = client.create("customer", {
        "companyName": "Ledger Acme", "email": "ap@ledger-acme.example", "currency": {"id": ids["USD"]},
        "subsidiary": {"id": "1"}, "currencyList": {"items": [{"currency": {"id": ids["EUR"]}}]},
    })
    globex = client.create("customer", {"companyName": "Ledger Globex", "currency": {"id": ids["GBP"]},
                                        "subsidiary": {"id": "1"}})
    invoices = {
        label: _invoice(client, acme, ids[cur], rate, label)
        for label, cur, rate in (("a", "USD", "1500.00"), ("b", "USD", "1400.00"), ("c", "USD", "300.00"),
                                 ("d", "USD", "500.00"), ("e", "EUR", "1200.00"), ("f", "USD", "250.00"))
    }
    return World(ids, {v: k for k, v in ids.items()}, acme, globex, invoices)


def write(client: NetSuiteClient, record: LedgerWrite) -> str:
    """What the loader will do with a record: upsert by external id, or update by internal id."""
    if record.external_id is not None:
        return client.upsert(record.record_type, record.external_id, record.body(), replace=record.replace)
    assert record.internal_id is not None
    client.update(record.record_type, record.internal_id, record.body())
    return record.internal_id


def customer_facts(client: NetSuiteClient, world: World, customer_id: str) -> CustomerFacts:
    doc = client.get("customer", customer_id, expand_sub_resources=True)
    lines = doc.get("currencyList", {}).get("items", [])
    currencies = [world.symbols[str(doc["currency"]["id"])]]
    currencies += [world.symbols[str(line["currency"]["id"])] for line in lines]
    return CustomerFacts(customer_id, doc["companyName"], tuple(dict.fromkeys(currencies)),
                         str(doc["subsidiary"]["id"]), doc.get("email"))


def invoice_facts(client: NetSuiteClient, ids: list[str]) -> list[InvoiceFacts]:
    rows = client.suiteql(
        "SELECT t.id, t.tranid, t.entity, cur.symbol, t.foreignamountremaining, t.trandate"
        f" FROM transaction t JOIN currency cur ON cur.id = t.currency WHERE t.id IN ({', '.join(ids)})"
        " ORDER BY t.id"
    )
    return [
        InvoiceFacts(str(r["id"]), r["tranid"], str(r["entity"]), r["symbol"],
                     D(str(r["foreignamountremaining"])), date.fromisoformat(r["trandate"]))
        for r in rows
    ]


def remaining(client: NetSuiteClient, invoice_id: str) -> Decimal:
    return D(str(client.get("invoice", invoice_id)["amountRemaining"]))


def load_charge(client: NetSuiteClient, world: World, paid: dict[str, Any], invoice_ids: list[str],
                **options: Any) -> tuple[ChargeLedger, RecordedPayment]:
    sources = CustomerSources.from_stripe(paid)
    customers = {cid: customer_facts(client, world, cid) for cid in sources.customer_ids(SETTINGS)}
    match = match_customer(sources, customers, [], str(paid["currency"]).upper(), SETTINGS)
    ledger = build_customer_payment(paid, customer=match, invoices=invoice_facts(client, invoice_ids),
                                    currency_ids=world.currency_ids, settings=SETTINGS, **options)
    ids = [write(client, record) for record in ledger.writes()]
    payment = ledger.payment
    currency = str(paid["currency"]).upper()
    recorded = RecordedPayment(ids[-1], payment.external_id, payment.customer_id, currency,
                               payment.currency_id, payment.amount, payment.applications,
                               match.customer.subsidiary_id)
    return ledger, recorded


def load_reversal(client: NetSuiteClient, reversal: Reversal | None, payment: RecordedPayment,
                  earlier: str) -> tuple[ReversalLedger, list[str]]:
    assert reversal is not None
    ledger = build_reversal(reversal, payment, earlier_reversed=D(earlier), settings=SETTINGS)
    return ledger, [write(client, record) for record in ledger.writes()]


def payment_figures(client: NetSuiteClient, payment_id: str) -> tuple[Decimal, Decimal]:
    doc = client.get("customerPayment", payment_id)
    return D(str(doc["applied"])), D(str(doc["unapplied"]))


def test_a_statement_payment_then_two_refunds_and_a_lost_dispute(
    client: NetSuiteClient, world: World
) -> None:
    a, b = world.invoices["a"], world.invoices["b"]
    paid = charge(290000, id="ch_ledgerStatement1", metadata={
        "netsuite_customer_id": world.acme, "netsuite_invoice_count": "2", "netsuite_invoice_ids": f"{a},{b}",
    })
    _, payment = load_charge(client, world, paid, [a, b])
    stored = client.get("customerPayment", payment.internal_id, expand_sub_resources=True)
    assert (stored["externalId"], stored["memo"], D(str(stored["payment"]))) == (
        "ch_ledgerStatement1", "Stripe: ch_ledgerStatement1", D("2900.00"))
    assert stored["undepFunds"]["id"] == "T" and stored["paymentOption"]["id"] == "1"
    assert (remaining(client, a), remaining(client, b)) == (D("0.00"), D("0.00"))

    first, _ = load_reversal(client, refund_reversal(refund(100000, "re_ledgerFirst1", charge=paid["id"])),
                             payment, "0")
    assert first.credit_memo is not None
    load_reversal(client, refund_reversal(refund(50000, "re_ledgerSecond1", charge=paid["id"])),
                  payment, "1000.00")
    withdrawal = balance_transaction("usd", None, -30000, created=OCT_1_0300_UTC + 5 * 86400)
    lost = dispute_reversal(dispute(30000, [withdrawal], charge=paid["id"], id="dp_ledgerLost1"))
    _, ids = load_reversal(client, lost, payment, "1500.00")
    # 1,800 of 2,900 went back: the invoices stay settled (credit memos took the payment's place) ...
    assert (remaining(client, a), remaining(client, b)) == (D("0.00"), D("0.00"))
    # ... and the payment keeps 1,100 applied, with the 1,800 it no longer applies refunded.
    assert payment_figures(client, payment.internal_id) == (D("1100.00"), D("0.00"))
    refund_doc = client.get("customerRefund", ids[-1], expand_sub_resources=True)
    assert refund_doc["externalId"] == "dp_ledgerLost1" and refund_doc["account"]["id"] == "1"
    credit = client.get("creditMemo", client.find_by_external_id("creditMemo", "cm-dp_ledgerLost1") or "0")
    assert D(str(credit["total"])) == D("300.00")


def test_writing_everything_again_changes_nothing(client: NetSuiteClient, world: World) -> None:
    c = world.invoices["c"]
    paid = charge(30000, id="ch_ledgerTwice1", metadata={"netsuite_customer_id": world.acme,
                                                         "netsuite_invoice_id": c})
    ledger, payment = load_charge(client, world, paid, [c])
    again = [write(client, record) for record in ledger.writes()]
    assert again == [payment.internal_id]
    reversal = refund_reversal(refund(10000, "re_ledgerTwice1", charge=paid["id"]))
    _, first_ids = load_reversal(client, reversal, payment, "0")
    _, second_ids = load_reversal(client, reversal, payment, "0")
    assert second_ids == first_ids
    assert remaining(client, c) == D("0.00")
    assert payment_figures(client, payment.internal_id) == (D("200.00"), D("0.00"))
    memo = client.get("creditMemo", first_ids[1], expand_sub_resources=True)
    assert len(memo["item"]["items"]) == 1 and D(str(memo["total"])) == D("100.00")
    count = list(client.suiteql("SELECT COUNT(*) AS n FROM transaction WHERE externalid = 're_ledgerTwice1'"))
    assert str(count[0]["n"]) == "1"


def test_a_payment_that_cannot_be_applied_is_recorded_unapplied_with_the_reason(
    client: NetSuiteClient, world: World
) -> None:
    d = world.invoices["d"]
    paid = charge(60000, id="ch_ledgerOverpaid1", metadata={"netsuite_customer_id": world.acme,
                                                            "netsuite_invoice_id": d})
    _, payment = load_charge(client, world, paid, [d])
    doc = client.get("customerPayment", payment.internal_id)
    assert doc["memo"].startswith("Stripe Payment Error: could not apply to invoice INV")
    assert payment_figures(client, payment.internal_id) == (D("0.00"), D("600.00"))
    assert remaining(client, d) == D("500.00")


def test_a_euro_charge_settled_in_dollars_and_its_refund_carry_stripes_rates(
    client: NetSuiteClient, world: World
) -> None:
    e = world.invoices["e"]
    paid = charge(120000, "eur", id="ch_ledgerEuro1", metadata={"netsuite_customer_id": world.acme,
                                                                "netsuite_invoice_id": e})
    _, payment = load_charge(client, world, paid, [e],
                             balance_transaction=balance_transaction("usd", 1.0843, 130116))
    assert D(str(client.get("customerPayment", payment.internal_id)["exchangeRate"])) == D("1.0843")
    reversal = refund_reversal(refund(20000, "re_ledgerEuro1", currency="eur", charge=paid["id"]),
                               balance_transaction("usd", 1.0917, -21834))
    _, ids = load_reversal(client, reversal, payment, "0")
    refund_doc = client.get("customerRefund", ids[-1])
    assert D(str(refund_doc["exchangeRate"])) == D("1.0917")
    assert refund_doc["account"]["id"] == "4"  # the EUR clearing account


def test_a_failed_bank_debit_reopens_the_invoice_and_refunds_the_payment(
    client: NetSuiteClient, world: World
) -> None:
    f = world.invoices["f"]
    debit = charge(25000, id="py_ledgerDebit1", status="pending",
                   metadata={"netsuite_customer_id": world.acme, "netsuite_invoice_id": f})
    _, payment = load_charge(client, world, debit, [f])
    assert remaining(client, f) == D("0.00")
    failed = {**debit, "status": "failed", "failure_code": "insufficient_funds",
              "failure_message": "The account has insufficient funds."}
    _, ids = load_reversal(client, failed_payment_reversal(failed, OCT_1_0300_UTC + 4 * 86400), payment, "0")
    assert remaining(client, f) == D("250.00")
    refund_doc = client.get("customerRefund", ids[-1])
    assert refund_doc["externalId"] == "fail-py_ledgerDebit1"
    assert "insufficient funds" in refund_doc["memo"]
    assert payment_figures(client, payment.internal_id) == (D("0.00"), D("0.00"))  # refunded, not deleted


def test_a_missing_customer_currency_is_added_before_the_payment(
    client: NetSuiteClient, world: World
) -> None:
    paid = charge(500000, "jpy", id="ch_ledgerYen1", metadata={"netsuite_customer_id": world.globex})
    ledger, payment = load_charge(client, world, paid, [])
    assert ledger.customer_update is not None
    assert "JPY" in customer_facts(client, world, world.globex).currencies
    assert D(str(client.get("customerPayment", payment.internal_id)["payment"])) == D("500000")


def test_the_payment_page_recognises_the_recorded_payment(client: NetSuiteClient, world: World) -> None:
    paid = charge(1000, id="ch_ledgerPage1", metadata={"netsuite_customer_id": world.acme})
    load_charge(client, world, paid, [])
    account = fetch_customer_account(client, world.acme, ["ch_ledgerPage1", "pi_notRecorded"],
                                     datetime(2026, 10, 2, tzinfo=UTC))
    assert account.recorded_payment_ids == frozenset({"ch_ledgerPage1"})


def test_a_misspelt_field_would_be_refused_so_the_bodies_above_are_checked(
    client: NetSuiteClient, world: World, netsuite_sandbox: RunningServer
) -> None:
    paid = charge(1000, id="ch_ledgerMisspelt1", metadata={"netsuite_customer_id": world.acme})
    ledger, _ = load_charge(client, world, paid, [])
    body = {**ledger.payment.body(), "paymentMethod": {"id": "1"}}  # SOAP's name; REST has paymentOption
    with pytest.raises(NetSuiteUserError):
        client.upsert("customerPayment", "ch_ledgerMisspelt2", body)
    entries = requests.get(f"{netsuite_sandbox.url}/_sandbox/requests", params={"limit": 2000},
                           timeout=10).json()["requests"]
    writes = [e for e in entries if e["method"] in ("POST", "PATCH", "PUT")]
    assert writes and {e["property_name_validation"] for e in writes} == {"Error"}
