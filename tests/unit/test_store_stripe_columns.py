"""columns_from_stripe: the one Stripe JSON -> typed columns mapping, strict and with placeholders."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

from stripe_netsuite.store.stripe_columns import columns_from_stripe, dig
from stripe_netsuite.store.stripe_objects import BalanceTransaction, Charge, Customer, Refund


def charge(**changes: Any) -> dict[str, Any]:
    return {
        "id": "ch_1", "object": "charge", "created": 1740830400, "amount": 1999, "amount_refunded": 0,
        "currency": "usd", "status": "succeeded", "captured": True, "customer": "cus_1",
        "metadata": {"netsuite_customer_id": "42", "netsuite_invoice_ids": "1001,1002",
                     "netsuite_invoice_count": "2"},
        **changes,
    }  # fmt: skip


def test_fields_land_in_their_columns_converted_to_the_column_type() -> None:
    values = columns_from_stripe(Charge, charge())
    assert (values["amount"], values["currency"], values["captured"]) == (1999, "usd", True)
    assert values["customer"] == "cus_1"
    assert values["netsuite_customer_id"] == "42"  # a metadata path
    assert values["netsuite_invoice_ids"] == ["1001", "1002"]  # a reader of the metadata contract
    assert values["payment_method"] is None  # absent from the object
    assert "id" not in values and "raw" not in values  # the shared columns are the repository's


def test_timestamps_rates_and_columns_the_object_does_not_carry() -> None:
    txn = {"id": "txn_1", "object": "balance_transaction", "amount": 100, "currency": "eur",
           "exchange_rate": 0.925463, "available_on": 1741003200}  # fmt: skip
    values = columns_from_stripe(BalanceTransaction, txn)
    assert values["exchange_rate"] == Decimal("0.925463")
    assert values["available_on"] == datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    assert "payout" not in values  # info["stripe"] is None: the extractor sets it


@pytest.mark.parametrize(
    "value", ["cus_1", {"id": "cus_1", "object": "customer", "email": "a@ex.com"}], ids=["id", "expanded"]
)
def test_an_expandable_field_keeps_its_id(value: Any) -> None:
    assert columns_from_stripe(Charge, charge(customer=value))["customer"] == "cus_1"


@pytest.mark.parametrize(
    ("changes", "column", "strict", "lenient"),
    [
        ({"currency": None}, "currency", None, ""),  # NOT NULL column: a placeholder
        ({"amount": 12.5}, "amount", 12, 0),  # a float amount: int() in strict mode, a placeholder else
        ({"amount": "5"}, "amount", 5, 0),
        ({"amount_refunded": 1.5}, "amount_refunded", 1, None),  # nullable: NULL
        ({"captured": "yes"}, "captured", True, None),
        ({"customer": {"object": "customer"}}, "customer", None, None),  # expanded without an id
        ({"receipt_email": "x" * 400}, "receipt_email", "x" * 400, None),  # longer than the column
        ({"currency": "x" * 4}, "currency", "xxxx", ""),
    ],
    ids=["missing-required", "float-amount", "string-amount", "float-optional", "string-bool",
         "expanded-no-id", "too-long-optional", "too-long-required"],
)  # fmt: skip
def test_placeholders_replace_values_of_the_wrong_shape(
    changes: dict[str, Any], column: str, strict: Any, lenient: Any
) -> None:
    assert columns_from_stripe(Charge, charge(**changes))[column] == strict
    assert columns_from_stripe(Charge, charge(**changes), placeholders=True)[column] == lenient


def test_values_that_are_no_such_value_at_all_raise_even_with_placeholders() -> None:
    with pytest.raises(ValueError):
        columns_from_stripe(Charge, charge(amount="abc"), placeholders=True)
    with pytest.raises(InvalidOperation):  # an ArithmeticError: store_page quarantines it as stored_shape
        columns_from_stripe(BalanceTransaction, {"exchange_rate": "abc"}, placeholders=True)


def test_placeholders_leave_good_objects_alone() -> None:
    refund = {"id": "re_1", "amount": 5, "currency": "usd", "charge": {"id": "ch_1"}}
    customer = {"id": "cus_1", "email": "a@example.com"}
    for model, obj in ((Charge, charge()), (Customer, customer), (Refund, refund)):
        assert columns_from_stripe(model, obj, placeholders=True) == columns_from_stripe(model, obj)


def test_dig_follows_dotted_paths_and_stops_at_non_objects() -> None:
    obj = {"metadata": {"netsuite_customer_id": "42"}, "customer": "cus_1"}
    assert dig(obj, "metadata.netsuite_customer_id") == "42"
    assert dig(obj, "metadata.missing") is None
    assert dig(obj, "customer.id") is None
