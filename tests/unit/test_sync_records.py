"""The typed records render the REST bodies NetSuite's REST API Browser names, with exact decimal amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from netsuite_sandbox.fields import RECORD_TYPES
from stripe_netsuite.sync.records import (
    MEMO_LIMIT,
    ApplyLine,
    CreditMemo,
    CustomerCurrencyAddition,
    CustomerPayment,
    CustomerRefund,
    LedgerWrite,
    PaymentApplications,
)

PAYMENT = CustomerPayment(
    external_id="ch_1", customer_id="102", currency_id="4", amount=Decimal("1200.00"),
    tran_date=date(2026, 10, 1), exchange_rate=Decimal("1.0843"), memo="Stripe: ch_1", payment_option_id="1",
    account_id="7", applications=(ApplyLine("1006", Decimal("1200.00")),),
)
CREDIT = CreditMemo(
    external_id="cm-re_1", customer_id="102", currency_id="5", amount=Decimal("5000"),
    tran_date=date(2026, 10, 2), exchange_rate=None, memo="Stripe: re_1", item_id="1",
    applications=(ApplyLine("1026", Decimal("5000")),),
)
REFUND = CustomerRefund(
    external_id="re_1", customer_id="108", currency_id="6", tran_date=date(2026, 10, 2),
    exchange_rate=Decimal("3.2571"), memo="Stripe: re_1", payment_option_id="1", account_id="6",
    applications=(ApplyLine("2001", Decimal("10.250")),),
)
UNAPPLY = PaymentApplications(
    "2001", (ApplyLine("1037", Decimal("0.000")), ApplyLine("1038", Decimal("5.500")))
)
ADD_JPY = CustomerCurrencyAddition("103", "5")


def test_customer_payment_body() -> None:
    assert PAYMENT.body() == {
        "externalId": "ch_1",
        "customer": {"id": "102"},
        "currency": {"id": "4"},
        "payment": "1200.00",
        "exchangeRate": "1.0843",
        "tranDate": "2026-10-01",
        "memo": "Stripe: ch_1",
        "paymentOption": {"id": "1"},
        "undepFunds": {"id": "T"},
        "account": {"id": "7"},
        "autoApply": False,
        "apply": {"items": [{"doc": {"id": "1006"}, "apply": True, "amount": "1200.00"}]},
    }
    assert (PAYMENT.record_type, PAYMENT.external_id) == ("customerPayment", "ch_1")
    assert PAYMENT.internal_id is None


def test_credit_memo_body_in_a_zero_decimal_currency() -> None:
    assert CREDIT.body() == {
        "externalId": "cm-re_1",
        "entity": {"id": "102"},
        "currency": {"id": "5"},
        "tranDate": "2026-10-02",
        "memo": "Stripe: re_1",
        "autoApply": False,
        "item": {"items": [{"item": {"id": "1"}, "description": "Stripe: re_1", "amount": "5000"}]},
        "apply": {"items": [{"doc": {"id": "1026"}, "apply": True, "amount": "5000"}]},
    }
    assert CREDIT.replace == ("item",)  # an unkeyed sublist: a repeated upsert must not append the line again


def test_customer_refund_body_in_a_three_decimal_currency() -> None:
    assert REFUND.body() == {
        "externalId": "re_1",
        "customer": {"id": "108"},
        "currency": {"id": "6"},
        "tranDate": "2026-10-02",
        "exchangeRate": "3.2571",
        "memo": "Stripe: re_1",
        "paymentOption": {"id": "1"},
        "account": {"id": "6"},
        "apply": {"items": [{"doc": {"id": "2001"}, "apply": True, "amount": "10.250"}]},
    }
    assert REFUND.amount == Decimal("10.250")


def test_an_application_of_zero_is_oracles_documented_unapply() -> None:
    assert UNAPPLY.body() == {"apply": {"items": [
        {"doc": {"id": "1037"}, "apply": False},
        {"doc": {"id": "1038"}, "apply": True, "amount": "5.500"},
    ]}}
    assert (UNAPPLY.external_id, UNAPPLY.internal_id) == (None, "2001")


def test_customer_currency_addition_is_keyed_by_currency() -> None:
    assert ADD_JPY.body() == {"currencyList": {"items": [{"currency": {"id": "5"}}]}}
    assert (ADD_JPY.record_type, ADD_JPY.internal_id) == ("customer", "103")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        pytest.param(Decimal("0.10"), "0.10", id="no-float-artefact"),
        pytest.param(Decimal("123456789012.345"), "123456789012.345", id="large-kwd"),
        pytest.param(Decimal("1E+3"), "1000", id="exponent-form-written-out"),
        pytest.param(Decimal("405000"), "405000", id="jpy"),
    ],
)
def test_amounts_are_exact_decimal_strings(amount: Decimal, text: str) -> None:
    assert ApplyLine("1", amount).body()["amount"] == text


def test_a_long_memo_is_cut_to_netsuites_length() -> None:
    long = CustomerRefund("re_1", "1", "1", date(2026, 1, 1), None, "x" * 5000, "1", "1", ())
    assert len(long.body()["memo"]) == MEMO_LIMIT


def _names(record_type: str, body: dict[str, Any]) -> list[str]:
    """Body and line field names the sandbox's REST API Browser field list lacks (or has read-only)."""
    fields = RECORD_TYPES[record_type].fields
    wrong = [name for name in body if name not in fields or fields[name].readonly]
    for name, value in body.items():
        sub = fields[name].sublist if name in fields else None
        if isinstance(value, dict) and "items" in value and sub is not None:
            wrong += [f"{name}.{key}" for line in value["items"] for key in line
                      if key not in sub.fields or sub.fields[key].readonly]
    return wrong


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(PAYMENT, id="customerPayment"),
        pytest.param(CREDIT, id="creditMemo"),
        pytest.param(REFUND, id="customerRefund"),
        pytest.param(UNAPPLY, id="customerPayment-unapply"),
        pytest.param(ADD_JPY, id="customer-currency"),
    ],
)
def test_every_field_is_a_writable_rest_api_browser_field(record: LedgerWrite) -> None:
    assert _names(record.record_type, record.body()) == []
