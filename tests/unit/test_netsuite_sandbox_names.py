"""The NetSuite sandbox's property-name validation modes and the unapply rule, as pure functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netsuite_sandbox.checks import is_unapplied
from netsuite_sandbox.errors import NetSuiteError
from netsuite_sandbox.fields import RECORD_TYPES
from netsuite_sandbox.parse import NameCheck
from netsuite_sandbox.store import Store, load_record


@pytest.mark.parametrize(
    ("header", "mode"),
    [(None, "Warning"), ("", "Warning"), ("Error", "Error"), ("error", "Error"), ("IGNORE", "Ignore")],
    ids=["absent", "empty", "error", "lower-case", "upper-case"],
)
def test_header_selects_the_mode_warning_by_default(header: str | None, mode: str) -> None:
    assert NameCheck.from_header(header).mode == mode


def test_unknown_header_value_is_refused() -> None:
    with pytest.raises(NetSuiteError) as caught:
        NameCheck.from_header("strict")
    assert (caught.value.status, caught.value.code) == (400, "INVALID_PARAMETER")


def test_modes_treat_an_unknown_name_as_netsuite_does() -> None:
    warning, ignore = NameCheck("Warning"), NameCheck("Ignore")
    for check in (warning, ignore):
        check.unknown("cashBack")
        check.unknown("other.items[0].colour")
    assert warning.warning() == "Ignored property names: cashBack; other.items[0].colour"
    assert ignore.warning() is None
    with pytest.raises(NetSuiteError) as caught:
        NameCheck("Error").unknown("cashBack")
    assert (caught.value.code, caught.value.path) == ("NONEXISTENT_FIELD", "cashBack")


@pytest.mark.parametrize(
    ("line", "unapplied"),
    [
        ({"apply": False}, True),
        ({"amount": "0"}, True),
        ({"amount": "0.00", "apply": True}, True),
        ({"amount": "5"}, False),
        ({"apply": True}, False),
        ({}, False),
    ],
    ids=["apply-false", "amount-0", "amount-0-with-apply", "amount", "apply-true", "bare"],
)
def test_a_line_is_unapplied_by_apply_false_or_amount_zero(line: dict[str, Any], unapplied: bool) -> None:
    assert is_unapplied(line) is unapplied


def test_field_lists_use_the_rest_api_browser_names() -> None:
    payment = RECORD_TYPES["customerPayment"].fields
    assert {"paymentOption", "checkNumber", "arAcct", "autoApply", "undepFunds"} <= set(payment)
    assert not {"paymentMethod", "checkNum", "aracct"} & set(payment)
    assert payment["undepFunds"].choices == ("T", "F")
    deposit = RECORD_TYPES["deposit"].fields
    assert "cashback" in deposit and "cashBack" not in deposit
    assert deposit["exchangeRate"].create_only
    assert deposit["payment"].sublist is not None and deposit["payment"].sublist.key == "id"
    assert "custentity_stripe_payment_link" in RECORD_TYPES["customer"].fields
    assert "custbody_stripe_payment_link" in RECORD_TYPES["invoice"].fields


def test_a_data_directory_with_the_old_names_is_upgraded_when_opened(tmp_path: Path) -> None:
    legacy = {"undepFunds": True, "paymentMethod": {"id": "1"}, "checkNum": "7", "customer": {"id": "5"}}
    store = Store(tmp_path)
    with store.write() as conn:
        for record_id, record_type, doc in (
            (1, "customerPayment", legacy),
            (2, "deposit", {"cashBack": [{"amount": "1"}]}),
        ):
            conn.execute(
                "INSERT INTO _record (type, id, family, doc, created, modified) VALUES (?, ?, ?, ?, '', '')",
                (record_type, record_id, "transaction", json.dumps(doc)),
            )
    store.close()
    reopened = Store(tmp_path)
    with reopened.read() as conn:
        payment, deposit = (load_record(conn, "transaction", record_id) for record_id in (1, 2))
    reopened.close()
    assert payment is not None and deposit is not None
    assert payment.doc == {
        "undepFunds": {"id": "T"},
        "paymentOption": {"id": "1"},
        "checkNumber": "7",
        "customer": {"id": "5"},
    }
    assert deposit.doc == {"cashback": [{"amount": "1"}]}
