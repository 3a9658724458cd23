"""The Stripe metadata contract: one invoice or many, Stripe's limits, and what validation accepts."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stripe_netsuite import stripe_metadata as meta
from stripe_netsuite.stripe_metadata import MetadataError, MetadataTooLarge, PaymentMetadata
from stripe_netsuite.validation.checkpoint import Validator
from stripe_netsuite.validation.rules import RULES, row_from_raw

ATTEMPT = "0b9f8a52-6a55-4c8e-9d43-3f1c2b7e9a10"
TEN_DIGITS = [str(4_000_000_000 + n * 7919) for n in range(80)]  # realistic NetSuite internal ids


def _within_stripe_limits(metadata: dict[str, str]) -> None:
    # Stripe's metadata limits (API reference): 50 keys, keys <= 40 characters, values <= 500 characters.
    assert len(metadata) <= 50
    assert all(len(key) <= 40 and "[" not in key and "]" not in key for key in metadata)
    assert all(isinstance(value, str) and len(value) <= 500 for value in metadata.values())


def test_one_invoice_uses_the_reference_products_key() -> None:
    encoded = PaymentMetadata("104", ("1026",), ATTEMPT).encode()
    assert encoded == {
        "netsuite_customer_id": "104",
        "netsuite_invoice_id": "1026",
        "payment_attempt_id": ATTEMPT,
    }
    assert PaymentMetadata.decode(encoded) == PaymentMetadata("104", ("1026",), ATTEMPT)


def test_two_invoices_are_a_counted_list() -> None:
    encoded = PaymentMetadata("104", ("1026", "1027"), ATTEMPT).encode()
    assert encoded == {
        "netsuite_customer_id": "104",
        "netsuite_invoice_count": "2",
        "netsuite_invoice_ids": "1026,1027",
        "payment_attempt_id": ATTEMPT,
    }
    assert meta.decode_invoice_ids(encoded) == ("1026", "1027")


def test_a_payment_on_account_names_no_invoice() -> None:
    encoded = PaymentMetadata("104", (), ATTEMPT).encode()
    assert encoded == {"netsuite_customer_id": "104", "payment_attempt_id": ATTEMPT}
    assert meta.decode_invoice_ids(encoded) == ()


def test_a_statement_of_80_ten_digit_invoices_splits_over_numbered_keys_and_round_trips() -> None:
    encoded = PaymentMetadata("4000000001", tuple(TEN_DIGITS), ATTEMPT).encode()
    _within_stripe_limits(encoded)
    assert encoded["netsuite_invoice_count"] == "80"
    assert set(encoded) == {
        "netsuite_customer_id", "payment_attempt_id", "netsuite_invoice_count",
        "netsuite_invoice_ids", "netsuite_invoice_ids_2",
    }  # fmt: skip
    # 45 ids of 10 digits and 44 commas: one more id would pass 500 characters.
    assert len(encoded["netsuite_invoice_ids"]) == 494
    assert meta.decode_invoice_ids(encoded) == tuple(TEN_DIGITS)


def test_more_invoices_than_fit_in_50_keys_is_refused_before_stripe_is_called() -> None:
    # The longest ids (18 digits): 26 fit in a part; 3 keys + 47 parts is Stripe's 50.
    most = tuple(str(10**17 + n) for n in range(47 * 26))
    _within_stripe_limits(PaymentMetadata("104", most, ATTEMPT).encode())
    with pytest.raises(MetadataTooLarge, match="1223 invoices need 51 metadata keys; Stripe allows 50"):
        PaymentMetadata("104", (*most, str(10**17 - 1)), ATTEMPT).encode()


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (("1026", "10x"), "'10x' is not a NetSuite internal id"),
        (("1026", "1026"), "appears twice"),
        (("0",), "'0' is not a NetSuite internal id"),
        (("",), "'' is not a NetSuite internal id"),
        (("1,2",), "'1,2' is not a NetSuite internal id"),
    ],
    ids=["letters", "duplicate", "zero", "empty", "comma-inside"],
)
def test_encode_refuses_bad_invoice_ids(ids: tuple[str, ...], message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        meta.encode_invoice_ids(ids)


ONE, COUNT, LIST = "netsuite_invoice_id", "netsuite_invoice_count", "netsuite_invoice_ids"


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({ONE: "INV-1026"}, "netsuite_invoice_id 'INV-1026' is not a NetSuite internal id"),
        ({ONE: "1026", LIST: "1,2", COUNT: "2"}, "both netsuite_invoice_id and netsuite_invoice_ids"),
        ({LIST: "1026,1027"}, "without netsuite_invoice_count"),
        ({LIST: "1026,1027", COUNT: "3"}, "says 3 invoices but the list names 2"),
        ({LIST: "1026,1027", COUNT: "two"}, "'two' is not a number"),
        ({LIST: "1026, 1027", COUNT: "2"}, "'1026, 1027' is not a comma-separated list"),
        ({LIST: "1026,,1027", COUNT: "2"}, "is not a comma-separated list"),
        ({LIST: "1026,1027", f"{LIST}_3": "1028", COUNT: "3"}, "not numbered 2, 3, ... without gaps"),
        ({f"{LIST}_2": "1028", COUNT: "1"}, "netsuite_invoice_ids None is not"),
        ({LIST: "1026", COUNT: "1"}, "one invoice goes in metadata.netsuite_invoice_id"),
        ({LIST: "1026,1026", COUNT: "2"}, "names an invoice twice"),
        ({LIST: "9" * 600, COUNT: "1"}, r"'9999.*\.\.\. is not"),
    ],
    ids=["not-digits", "both-forms", "no-count", "count-mismatch", "count-not-number", "spaces", "empty-item",
         "gap", "no-first-part", "list-of-one", "duplicate", "long-value-quoted-short"],
)  # fmt: skip
def test_decode_names_the_key_and_why(metadata: dict[str, Any], message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        meta.decode_invoice_ids(metadata)


def test_the_pre_contract_comma_list_is_still_read() -> None:
    # Objects the page wrote before this contract keep their metadata in Stripe: they still name invoices.
    assert meta.decode_invoice_ids({"netsuite_invoice_id": "1026,1027"}) == ("1026", "1027")


def test_attempt_and_customer_ids_are_checked() -> None:
    with pytest.raises(MetadataError, match="payment_attempt_id '<script>' is not a payment attempt id"):
        PaymentMetadata.decode({"payment_attempt_id": "<script>"})
    with pytest.raises(MetadataError, match="netsuite_customer_id 'C-42' is not a NetSuite internal id"):
        PaymentMetadata.decode({"netsuite_customer_id": "C-42"})
    assert PaymentMetadata.decode({}) == PaymentMetadata(None)
    assert meta.customer_metadata("104") == {"netsuite_customer_id": "104"}


def test_the_typed_column_reader_is_lenient() -> None:
    assert meta.invoice_ids_or_none({"metadata": {"netsuite_invoice_id": "1026"}}) == ["1026"]
    assert meta.invoice_ids_or_none({"metadata": {"netsuite_invoice_id": "garbage"}}) is None
    assert meta.invoice_ids_or_none({"metadata": None}) is None
    assert meta.invoice_ids_or_none({}) is None


invoice_lists = st.lists(
    st.integers(min_value=1, max_value=9_999_999_999).map(str), unique=True, max_size=300
)


@settings(max_examples=200, deadline=None)
@given(
    customer=st.integers(min_value=1, max_value=9_999_999_999).map(str),
    invoices=invoice_lists,
    attempt=st.uuids().map(str),
)
def test_every_encoding_fits_stripe_and_round_trips(customer: str, invoices: list[str], attempt: str) -> None:
    encoded = PaymentMetadata(customer, tuple(invoices), attempt).encode()
    _within_stripe_limits(encoded)
    assert PaymentMetadata.decode(encoded) == PaymentMetadata(customer, tuple(invoices), attempt)
    for object_type in ("charge", "payment_intent", "checkout.session"):
        assert meta.problems(encoded, RULES[object_type].metadata) == []


def _metadata_failures(object_type: str, metadata: list[dict[str, str]]) -> dict[str, str]:
    objects = [
        {"id": f"pi_{n}", "object": object_type, "amount": 1000, "amount_total": 1000, "currency": "usd",
         "status": "succeeded" if object_type != "checkout.session" else "complete", "payment_status": "paid",
         "metadata": entry}
        for n, entry in enumerate(metadata)
    ]  # fmt: skip
    rows = [{**row_from_raw(object_type, obj), "account": "", "content_hash": "h"} for obj in objects]
    result = Validator().validate(object_type, pd.DataFrame(rows, dtype="object"), "unit")
    return {failure.object_id: failure.reason for failure in result.failures}


@settings(max_examples=5, deadline=None)
@given(invoices=st.lists(invoice_lists.filter(bool), min_size=3, max_size=3))
def test_every_key_the_page_writes_passes_the_validation_suites(invoices: list[list[str]]) -> None:
    written = [PaymentMetadata("104", tuple(ids), ATTEMPT).encode() for ids in invoices]
    written.append(PaymentMetadata("104", tuple(TEN_DIGITS), ATTEMPT).encode())
    for object_type in ("charge", "payment_intent", "checkout.session"):
        assert _metadata_failures(object_type, written) == {}


def test_validation_quarantines_garbage_with_the_contracts_reason() -> None:
    found = _metadata_failures(
        "payment_intent",
        [
            {"netsuite_invoice_id": "1026;DROP TABLE"},
            {"netsuite_invoice_ids": "1026,1027", "netsuite_invoice_count": "5"},
            {
                "netsuite_customer_id": "104",
                "netsuite_invoice_ids": "1026,1027",
                "netsuite_invoice_count": "2",
            },
        ],
    )
    assert found == {
        "pi_0": "metadata.netsuite_invoice_id '1026;DROP TABLE' is not a NetSuite internal id",
        "pi_1": "metadata.netsuite_invoice_count says 5 invoices but the list names 2",
    }


def test_a_statement_too_large_for_stripe_is_refused_before_anything_is_written() -> None:
    from stripe_netsuite.stripe_metadata import MAX_KEYS, MetadataTooLarge, check_invoice_capacity

    ten_digit = tuple(str(4_000_000_000 + n) for n in range(2_500))
    with pytest.raises(MetadataTooLarge, match=f"Stripe allows {MAX_KEYS}"):
        check_invoice_capacity("42", ten_digit)
    check_invoice_capacity("42", ten_digit[:80])  # a usual statement fits with room for the attempt id
