"""A succeeded charge as a customer payment: gross, in its own currency, on the right day and rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from stripe_netsuite.payments.accounts import _payments_clause
from stripe_netsuite.sync.customers import CustomerFacts, CustomerMatch
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.payments import build_customer_payment
from stripe_netsuite.sync.records import ApplyLine, CustomerCurrencyAddition
from tests.unit.test_sync_fixtures import (
    CURRENCY_IDS,
    OCT_1_0300_UTC,
    balance_transaction,
    charge,
    invoice,
    ledger_settings,
    matched,
)


def build(paid: dict[str, Any], **options: Any) -> Any:
    defaults: dict[str, Any] = {
        "customer": matched(), "invoices": [], "currency_ids": CURRENCY_IDS, "settings": ledger_settings(),
    }
    return build_customer_payment(paid, **{**defaults, **options})


def test_a_page_payment_for_one_invoice() -> None:
    paid = charge(metadata={"netsuite_customer_id": "102", "netsuite_invoice_id": "1001"})
    result = build(paid, invoices=[invoice("1001", "1500.00")])
    assert result.payment.body() == {
        "externalId": "ch_3PaidOnThePage001",
        "customer": {"id": "102"},
        "currency": {"id": "1"},
        "payment": "1500.00",
        "tranDate": "2026-09-30",  # 03:00 UTC is still the evening before in Los Angeles
        "memo": "Stripe: ch_3PaidOnThePage001",
        "paymentOption": {"id": "1"},
        "undepFunds": {"id": "T"},
        "account": {"id": "7"},
        "autoApply": False,
        "apply": {"items": [{"doc": {"id": "1001"}, "apply": True, "amount": "1500.00"}]},
    }
    assert result.writes() == (result.payment,)
    assert result.application_error is None


def test_the_external_id_is_what_the_payment_page_looks_for() -> None:
    # The page counts a paid attempt until NetSuite shows a payment whose externalId is its charge id.
    result = build(charge())
    assert result.payment.external_id == "ch_3PaidOnThePage001"
    assert "'ch_3PaidOnThePage001'" in _payments_clause([result.payment.external_id], "102")


@pytest.mark.parametrize(
    ("minor", "currency", "text", "currency_id"),
    [
        pytest.param(150000, "usd", "1500.00", "1", id="usd"),
        pytest.param(125000, "jpy", "125000", "5", id="jpy-no-decimals"),
        pytest.param(1250750, "kwd", "1250.750", "6", id="kwd-three-decimals"),
        pytest.param(50, "usd", "0.50", "1", id="stripe-minimum"),
    ],
)
def test_the_amount_is_the_gross_charge_in_its_own_currency(
    minor: int, currency: str, text: str, currency_id: str
) -> None:
    everything = ("USD", "EUR", "JPY", "KWD")
    body = build(charge(minor, currency, balance_transaction=balance_transaction("usd", 0.0067, minor)),
                 customer=matched(currencies=everything)).payment.body()
    assert (body["payment"], body["currency"]) == (text, {"id": currency_id})


def test_a_partial_capture_records_what_was_captured() -> None:
    body = build(charge(10000, amount_captured=6000)).payment.body()
    assert body["payment"] == "60.00"


@pytest.mark.parametrize(
    ("currency", "bt", "expected"),
    [
        pytest.param("eur", balance_transaction("usd", 1.0843), "1.0843", id="converted-into-base"),
        pytest.param("eur", balance_transaction("usd", 1.084312), "1.084312", id="stripe-digits-kept"),
        pytest.param("eur", balance_transaction("usd", "1.0843"), "1.0843", id="rate-as-text"),
        pytest.param("eur", balance_transaction("eur", None), None, id="settled-in-eur-no-rate"),
        pytest.param("eur", balance_transaction("gbp", 0.8571), None, id="converted-into-another-currency"),
        pytest.param("eur", None, None, id="balance-transaction-unknown"),
        pytest.param("usd", balance_transaction("usd", None), None, id="base-currency"),
    ],
)
def test_the_exchange_rate_is_stripes_only_when_stripe_converted_into_the_base_currency(
    currency: str, bt: dict[str, Any] | None, expected: str | None
) -> None:
    body = build(charge(120000, currency), balance_transaction=bt).payment.body()
    assert body.get("exchangeRate") == expected


def test_an_expanded_balance_transaction_on_the_charge_is_used() -> None:
    body = build(charge(120000, "eur", balance_transaction=balance_transaction("usd", 1.0843))).payment.body()
    assert body["exchangeRate"] == "1.0843"


def test_a_subsidiary_in_another_base_currency_takes_the_rate_into_its_base() -> None:
    settings = ledger_settings(base_currencies={"1": "USD", "3": "GBP"})
    customer = CustomerMatch(CustomerFacts("102", "Acme", ("EUR",), "3"), "charge metadata")
    body = build(charge(120000, "eur"), customer=customer, settings=settings,
                 balance_transaction=balance_transaction("gbp", 0.8571)).payment.body()
    assert body["exchangeRate"] == "0.8571"


@pytest.mark.parametrize(
    ("zone", "created", "expected"),
    [
        pytest.param("America/Los_Angeles", OCT_1_0300_UTC, "2026-09-30", id="west-of-utc"),
        pytest.param("UTC", OCT_1_0300_UTC, "2026-10-01", id="utc"),
        pytest.param("Asia/Tokyo", OCT_1_0300_UTC - 4 * 3600, "2026-10-01",
                     id="east-of-utc-crosses-midnight"),
        pytest.param("Pacific/Kiritimati", OCT_1_0300_UTC - 14 * 3600, "2026-10-01", id="utc-plus-14"),
        pytest.param("America/New_York", 1793509200, "2026-11-01", id="dst-ends-that-day"),
    ],
)
def test_tran_date_is_the_charge_time_in_the_accounts_time_zone(
    zone: str, created: int, expected: str
) -> None:
    body = build(charge(created=created), settings=ledger_settings(time_zone=zone)).payment.body()
    assert body["tranDate"] == expected


def test_a_statement_payment_applies_to_the_listed_invoices_in_order() -> None:
    paid = charge(200000, metadata={"netsuite_customer_id": "102", "netsuite_invoice_count": "2",
                                    "netsuite_invoice_ids": "1002,1001"})
    result = build(paid, invoices=[invoice("1001", "1500.00"), invoice("1002", "1400.00")])
    assert result.payment.applications == (ApplyLine("1002", Decimal("1400.00")),
                                           ApplyLine("1001", Decimal("600.00")))


def test_invoices_named_only_on_the_payment_intent_are_used() -> None:
    intent = {"id": "pi_1", "metadata": {"netsuite_invoice_id": "1001"}}
    result = build(charge(50000), invoices=[invoice("1001", "1500.00")], payment_intent=intent)
    assert result.payment.applications == (ApplyLine("1001", Decimal("500.00")),)


def test_a_paid_invoice_leaves_the_payment_unapplied_with_the_error_memo() -> None:
    paid = charge(98050, metadata={"netsuite_invoice_id": "1004"})
    result = build(paid, invoices=[invoice("1004", "0.00")])
    assert result.payment.applications == ()
    memo = "Stripe Payment Error: could not apply to invoice INV1004: it is already paid"
    assert result.payment.body()["memo"] == memo
    assert result.payment.body()["payment"] == "980.50"  # recorded in full all the same
    assert result.application_error == result.payment.memo


@pytest.mark.parametrize(
    ("auto_apply", "expected"),
    [
        pytest.param(True, (ApplyLine("1002", Decimal("100.00")),), id="on-oldest-first"),
        pytest.param(False, (), id="off-unapplied"),
    ],
)
def test_a_payment_on_account_follows_the_auto_apply_setting(
    auto_apply: bool, expected: tuple[ApplyLine, ...]
) -> None:
    invoices = [invoice("1001", "1500.00"), invoice("1002", "1400.00", day=date(2026, 8, 1))]
    result = build(charge(10000), invoices=invoices, settings=ledger_settings(auto_apply=auto_apply))
    assert result.payment.applications == expected


def test_a_currency_to_add_is_written_before_the_payment() -> None:
    result = build(charge(125000, "jpy"), customer=matched("103", ("GBP",), add=True))
    assert result.writes() == (CustomerCurrencyAddition("103", "5"), result.payment)


@pytest.mark.parametrize(
    ("paid", "message"),
    [
        pytest.param(charge(status="failed"), "is 'failed'", id="failed"),
        pytest.param(charge(amount=0, amount_captured=0), "no positive amount", id="zero"),
        pytest.param(charge(currency="xyz"), "no currency Stripe supports", id="bad-currency"),
        pytest.param(charge(id=None), "without an id", id="no-id"),
        pytest.param(charge(created="yesterday"), "Unix seconds", id="bad-time"),
        pytest.param(charge(created=10**20), "Unix seconds", id="time-out-of-range"),
        pytest.param(charge(10**40), "too large", id="amount-out-of-range"),
        pytest.param(charge(150000, "gbp"), "NetSuite has no currency GBP", id="currency-not-in-netsuite"),
        pytest.param(charge(metadata={"netsuite_invoice_ids": "1,2"}), "without netsuite_invoice_count",
                     id="malformed-invoice-list"),
    ],
)
def test_a_charge_that_cannot_be_a_payment_is_an_error_saying_why(paid: dict[str, Any], message: str) -> None:
    with pytest.raises(LedgerMappingError, match=message):
        build(paid, currency_ids={k: v for k, v in CURRENCY_IDS.items() if k != "GBP"})


def test_a_processing_bank_debit_is_recorded_so_that_a_failure_can_be_reversed() -> None:
    result = build(charge(id="py_3BankDebit001", status="pending"))
    assert result.payment.external_id == "py_3BankDebit001"


def test_invoices_named_on_an_expanded_payment_intent_are_used() -> None:
    paid = charge(50000, payment_intent={"id": "pi_1", "metadata": {"netsuite_invoice_id": "1001"}})
    result = build(paid, invoices=[invoice("1001", "1500.00")])
    assert result.payment.applications == (ApplyLine("1001", Decimal("500.00")),)


def test_invoices_on_the_charge_win_over_its_payment_intents() -> None:
    intent = {"id": "pi_1", "metadata": {"netsuite_invoice_id": "1002"}}
    paid = charge(50000, metadata={"netsuite_invoice_id": "1001"})
    result = build(paid, invoices=[invoice("1001", "1500.00"), invoice("1002", "1400.00")],
                   payment_intent=intent)
    assert [line.doc_id for line in result.payment.applications] == ["1001"]
