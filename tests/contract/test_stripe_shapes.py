"""The comparison helpers themselves, on the real examples (no server needed)."""

from __future__ import annotations

import copy

import pytest

from tests.contract.stripe_shapes import FIXTURES, fixtures, invented_keys, missing_keys


@pytest.fixture
def charge() -> dict:
    if not FIXTURES.is_file():
        pytest.skip(f"{FIXTURES} is absent: fixtures3.json exists only in ../shared/reference/stripe/")
    return copy.deepcopy(fixtures()["charge"])


def test_an_example_misses_nothing_and_invents_nothing(charge: dict) -> None:
    assert missing_keys("charge", charge, fixtures()["charge"]) == []
    assert invented_keys("charge", charge) == []


def test_missing_keys_are_found_at_any_depth(charge: dict) -> None:
    del charge["outcome"]["seller_message"]
    del charge["payment_method_details"]["card"]["brand"]
    del charge["amount_refunded"]
    assert missing_keys("charge", charge, fixtures()["charge"]) == [
        "charge.amount_refunded", "charge.outcome.seller_message", "charge.payment_method_details.card.brand",
    ]


def test_other_payment_method_types_are_not_demanded(charge: dict) -> None:
    details = charge["payment_method_details"]
    charge["payment_method_details"] = {"type": "us_bank_account", "us_bank_account": {}}
    missing = missing_keys("charge", charge, {**fixtures()["charge"], "payment_method_details": details})
    assert "charge.payment_method_details.card" not in missing


def test_invented_keys_are_found_but_free_keys_are_not(charge: dict) -> None:
    charge["madeup"] = 1
    charge["payment_method_details"]["card"]["madeup"] = 2
    charge["metadata"] = {"anything": "goes"}
    assert sorted(invented_keys("charge", charge)) == [
        "charge.madeup", "charge.payment_method_details.card.madeup",
    ]
