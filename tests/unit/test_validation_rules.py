"""Validation rules: the checked columns read from raw JSON, and each suite's verdict on good and bad rows."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from stripe_netsuite.validation.checkpoint import Failure, Validator
from stripe_netsuite.validation.rules import RULES, kind_of, row_from_raw
from stripe_netsuite.validation.suites import build_suite


def frame(object_type: str, *objects: dict[str, Any], **columns: list[Any]) -> pd.DataFrame:
    rows = [{**row_from_raw(object_type, obj), "account": "", "content_hash": "h"} for obj in objects]
    data = pd.DataFrame(rows, dtype="object")
    for name, values in columns.items():
        data[name] = pd.Series(values, dtype="object")
    return data


def failures(object_type: str, data: pd.DataFrame) -> dict[str, list[Failure]]:
    found: dict[str, list[Failure]] = {}
    for failure in Validator().validate(object_type, data, "unit").failures:
        found.setdefault(failure.object_id, []).append(failure)
    return found


def charge(object_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": object_id, "object": "charge", "amount": 1000, "amount_refunded": 0, "currency": "usd",
            "status": "succeeded", "metadata": {"netsuite_customer_id": "42"}, **fields}  # fmt: skip


def txn(
    object_id: str, amount: int, fee: int, net: int, kind: str = "charge", **fields: Any
) -> dict[str, Any]:
    return {
        "id": object_id, "object": "balance_transaction", "amount": amount, "fee": fee, "net": net,
        "currency": "usd", "status": "available", "type": kind, "reporting_category": kind, **fields,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("value", "kind"),
    [(5, "int"), (None, "missing"), (5.0, "float"), ("5", "str"), (True, "bool")],
    ids=["int", "missing", "float", "str", "bool"],
)
def test_kind_of_names_json_types(value: Any, kind: str) -> None:
    assert kind_of(value) == kind


def test_rows_come_from_raw_json_not_typed_columns() -> None:
    row = row_from_raw("charge", {"id": "ch_1", "amount": 12.5, "metadata": {"netsuite_invoice_id": ""}})
    assert row["amount"] is None and row["amount_kind"] == "float"
    assert row["currency"] is None and row["metadata_problem"] is None  # "" = unset metadata in Stripe


def test_every_type_has_a_suite_with_reasons() -> None:
    for object_type in RULES:
        suite = build_suite(object_type)
        assert suite.expectations
        assert all(expectation.meta and expectation.meta.get("reason") for expectation in suite.expectations)
    assert [name for name, entity in RULES.items() if not entity.statuses] == ["customer"]


def test_good_charges_pass_and_each_bad_one_fails_with_its_reason() -> None:
    data = frame(
        "charge",
        charge("ch_good"),
        charge("ch_float", amount=10.5),
        charge("ch_status", status="paid"),
        charge("ch_meta", metadata={"netsuite_customer_id": "C-42"}),
        charge("ch_over", amount_refunded=1500),
        charge("ch_zero", amount=0),
    )
    found = failures("charge", data)
    assert "ch_good" not in found
    reasons = {object_id: " / ".join(f.reason for f in items) for object_id, items in found.items()}
    assert "amount must be an integer amount in minor units (got float)" in reasons["ch_float"]
    assert "status 'paid' is not a charge status" in reasons["ch_status"]
    assert "metadata.netsuite_customer_id 'C-42' is not a NetSuite internal id" in reasons["ch_meta"]
    assert "amount_refunded 1500 exceeds the charge amount 1000" in reasons["ch_over"]
    assert "charge amount must be > 0 (got 0)" in reasons["ch_zero"]


def test_balance_transaction_signs_fees_and_net() -> None:
    data = frame(
        "balance_transaction",
        txn("txn_charge", 1000, 59, 941),
        txn("txn_refund", -500, 0, -500, "refund"),
        txn("txn_reversal", 2000, -1500, 3500, "adjustment", reporting_category="dispute_reversal"),
        txn("txn_negative_charge", -1000, 0, -1000),
        txn("txn_positive_refund", 500, 0, 500, "refund"),
        txn("txn_fee", 1000, -5, 1005),
        txn("txn_net", 1000, 59, 900),
        txn("txn_payout", -900, 0, -900, "payout"),
        txn("txn_debit_payout", 300, 0, 300, "payout"),  # a debit payout refills a negative balance
    )
    found = failures("balance_transaction", data)
    assert set(found) == {"txn_negative_charge", "txn_positive_refund", "txn_fee", "txn_net"}
    assert found["txn_net"][0].reason == "net 900 != amount - fee (941)"
    assert "fee must be >= 0 (got -5)" in found["txn_fee"][0].reason


def test_payouts_manual_sign_and_itemised_sum() -> None:
    payouts = [
        {"id": "po_ok", "amount": 900, "automatic": True, "status": "paid"},
        {"id": "po_debit", "amount": -300, "automatic": True, "status": "paid"},
        {"id": "po_manual", "amount": -300, "automatic": False, "status": "paid"},
        {"id": "po_gap", "amount": 1000, "automatic": True, "status": "paid"},
        {"id": "po_pending", "amount": 1000, "automatic": True, "status": "pending"},
    ]
    data = frame("payout", *({"object": "payout", "currency": "usd", **p} for p in payouts),
                 itemised_net=[900, -300, None, 990, None])  # fmt: skip
    found = failures("payout", data)
    assert set(found) == {"po_manual", "po_gap"}
    assert "sum of its balance transactions' nets 990" in found["po_gap"][0].reason


def test_refunds_beyond_the_charge_amount_are_quarantined() -> None:
    refunds = [{"id": f"re_{n}", "object": "refund", "amount": 600, "currency": "usd", "status": "succeeded"}
               for n in (1, 2)]  # fmt: skip
    data = frame("refund", *refunds, charge_amount=[1000, 2000], charge_refunded_total=[1200, 1200])
    found = failures("refund", data)
    assert set(found) == {"re_1"}
    assert found["re_1"][0].reason == "refunds of the charge total 1200, more than its amount 1000"


def test_optional_fields_may_be_absent_but_must_be_valid_when_present() -> None:
    customers = [
        {"id": "cus_1", "object": "customer"},
        {"id": "cus_2", "object": "customer", "currency": "eur"},
        {"id": "cus_3", "object": "customer", "currency": "EUR"},
    ]
    assert set(failures("customer", frame("customer", *customers))) == {"cus_3"}
