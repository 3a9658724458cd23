"""Stripe's test card 4000000000005126: the charge succeeds, a refund of it starts `succeeded` and fails some
time later (Stripe's testing docs): the refund becomes `failed` with a failure reason and a
`refund_failure` balance transaction that reverses the refund's own, the charge no longer counts it, and
`charge.refund.updated` is sent. Every object is held to the spec (2024-04-10) and to the real examples
(fixtures3.json).
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.contract.conftest import RawApi
from tests.contract.stripe_shapes import FIXTURES, fixtures, invented_keys, missing_keys, schema_errors


@pytest.fixture(scope="module")
def failed(client: stripe.StripeClient, raw: RawApi) -> dict[str, Any]:
    intent = client.v1.payment_intents.create(
        {"amount": 2000, "currency": "usd", "payment_method": "pm_card_refundFail", "confirm": True,
         "payment_method_types": ["card"]}
    )  # fmt: skip
    charge_id = str(intent.latest_charge)
    refund = client.v1.refunds.create({"charge": charge_id, "amount": 1200})
    started = raw.get(f"/v1/refunds/{refund.id}")
    charge_before = raw.get(f"/v1/charges/{charge_id}")
    raw.control("/_sandbox/clock/advance", {"hours": 1})
    after = raw.get(f"/v1/refunds/{refund.id}")
    return {
        "started": started,
        "charge_before": charge_before,
        "refund": after,
        "charge": raw.get(f"/v1/charges/{charge_id}"),
        "original": raw.get(f"/v1/balance_transactions/{after['balance_transaction']}"),
        "failure": raw.get(f"/v1/balance_transactions/{after['failure_balance_transaction']}"),
        "events": raw.get("/v1/events", {"type": "charge.refund.updated"})["data"],
    }


def test_the_refund_starts_succeeded_then_fails_and_its_money_returns_to_the_balance(
    failed: dict[str, Any],
) -> None:
    assert failed["started"]["status"] == "succeeded" and "failure_reason" not in failed["started"]
    assert failed["charge_before"]["amount_refunded"] == 1200
    refund = failed["refund"]
    assert (refund["status"], refund["failure_reason"]) == ("failed", "expired_or_canceled_card")
    original, failure = failed["original"], failed["failure"]
    assert (failure["type"], failure["reporting_category"], failure["source"]) == (
        "refund_failure",
        "refund_failure",
        refund["id"],
    )
    assert failure["amount"] == -original["amount"] == 1200 and failure["currency"] == original["currency"]
    assert (failed["charge"]["amount_refunded"], failed["charge"]["refunded"]) == (0, False)
    [event] = [e for e in failed["events"] if e["data"]["object"]["id"] == refund["id"]]
    assert event["data"]["object"]["status"] == "failed"
    assert event["data"]["previous_attributes"]["status"] == "succeeded"


@pytest.mark.parametrize(
    ("kind", "key"),
    [("refund", "started"), ("refund", "refund"), ("charge", "charge"), ("balance_transaction", "failure")],
)
def test_the_objects_fit_the_spec_and_the_real_examples(failed: dict[str, Any], kind: str, key: str) -> None:
    body = failed[key]
    assert schema_errors(kind, body) == []
    if FIXTURES.is_file():
        assert invented_keys(kind, body) == []
        missing = [p for p in missing_keys(kind, body, fixtures()[kind]) if p != "charge.refunds"]
        assert missing == []


def test_the_event_payload_is_a_full_refund(failed: dict[str, Any]) -> None:
    for event in failed["events"]:
        assert schema_errors("event", event) == []
        assert schema_errors("refund", event["data"]["object"]) == []
