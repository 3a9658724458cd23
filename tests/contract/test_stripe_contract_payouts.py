"""Contract: manual and debit payouts in the Stripe sandbox have Stripe's shapes (spec and real examples).

A world is built through stripe-python: a manual payout (`POST /v1/payouts`), a refund that leaves a negative
available balance the pending funds do not cover (a debit payout at the payout run), the clock moving both to
paid; every payout, balance transaction, list and event payload is checked against its schema and the real
example, and the errors of a refused manual payout against the error schema.
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.contract.conftest import RawApi
from tests.contract.stripe_shapes import schema_errors
from tests.contract.world_checks import ListChecks, World, WorldChecks, built_world, raw_json

OBJECT_TYPES = ("payout", "balance_transaction", "event")


def _build(client: stripe.StripeClient, raw: RawApi) -> World:
    world = World()

    def get(path: str, params: Any = None) -> Any:
        return world.add(f"GET {path}", raw.get(path, params))

    def manual() -> None:
        client.v1.payment_intents.create(
            {"amount": 5_000, "currency": "usd", "payment_method": "pm_card_bypassPending", "confirm": True}
        )
        balance = get("/v1/balance")
        # The whole available balance, so that the debit below is not covered by what is left.
        payout = client.v1.payouts.create(
            {
                "amount": balance["available"][0]["amount"],
                "currency": "usd",
                "description": "Rent",
                "statement_descriptor": "RENT",
                "metadata": {"by": "finance"},
            }
        )
        world.add("POST /v1/payouts (manual)", raw_json(payout))
        get(f"/v1/balance_transactions/{payout.balance_transaction}")
        world.ids["manual"] = payout.id

    def debit() -> None:
        intent = client.v1.payment_intents.create(
            {"amount": 2_000, "currency": "usd", "payment_method": "pm_card_bypassPending", "confirm": True}
        )
        client.v1.refunds.create({"payment_intent": intent.id})
        raw.control("/_sandbox/payouts/run")
        payouts = get("/v1/payouts", {"limit": 10})
        world.ids["debit"] = next(p["id"] for p in payouts["data"] if p["amount"] < 0)
        get("/v1/balance_transactions", {"payout": world.ids["debit"], "limit": 100})

    def settle() -> None:
        raw.control("/_sandbox/clock/advance", {"days": 1})
        for label in ("manual", "debit"):
            get(f"/v1/payouts/{world.ids[label]}", {"expand[]": "balance_transaction"})
        get("/v1/payouts", {"status": "paid"})
        get("/v1/events", {"limit": 100, "type": "payout.*"})

    world.step("manual", manual)
    world.step("debit", debit)
    world.step("settle", settle)
    return world


world = built_world(_build)


class TestPayoutsWorld(WorldChecks, ListChecks):
    object_types = OBJECT_TYPES
    events_invent_no_keys = True


def test_the_world_holds_a_manual_and_a_debit_payout(world: World) -> None:
    payouts = {body["id"]: body for _, body in world.samples["payout"]}
    manual, debit = payouts[world.ids["manual"]], payouts[world.ids["debit"]]
    assert (manual["automatic"], manual["reconciliation_status"]) == (False, "not_applicable")
    assert debit["automatic"] is True and debit["amount"] < 0
    events = {e["type"] for _, e in world.samples["event"]}
    assert {"payout.created", "payout.updated", "payout.paid"} <= events


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"amount": 10**9, "currency": "usd"}, "balance_insufficient", id="balance-insufficient"),
        pytest.param(
            {"amount": 100, "currency": "usd", "method": "instant"},
            "instant_payouts_unsupported",
            id="instant",
        ),
        pytest.param(
            {"amount": 100, "currency": "usd", "colour": "red"}, "parameter_unknown", id="unknown-param"
        ),
    ],
)
def test_a_refused_manual_payout_is_a_stripe_error(
    world: World, client: stripe.StripeClient, params: dict[str, Any], code: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.raw_request("post", "/v1/payouts", **params)
    assert (raised.value.http_status, raised.value.code) == (400, code)
    assert raised.value.json_body is not None and schema_errors("error", raised.value.json_body) == []
