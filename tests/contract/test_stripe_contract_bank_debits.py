"""Contract: delayed bank debits in the Stripe sandbox have Stripe's shapes (spec 2024-04-10, examples 2026).

A world of ACH and SEPA debits is built through stripe-python (PaymentMethods, mandates, processing
PaymentIntents and pending `py_` charges, then the clock settles them: succeeded, and failed with the
`payment_failure_refund` balance transaction; a Checkout Session paid by bank account on the hosted page);
every object and event payload is checked against its schema and the real example of its type.
"""

from __future__ import annotations

from typing import Any

import stripe

from tests.contract.conftest import RawApi
from tests.contract.world_checks import World, WorldChecks, built_world, raw_json

OBJECT_TYPES = (
    "refund",
    "payment_method",
    "mandate",
    "payment_intent",
    "charge",
    "balance_transaction",
    "checkout.session",
    "event",
)
MANDATE = {
    "customer_acceptance": {"type": "online", "online": {"ip_address": "203.0.113.7", "user_agent": "ua"}}
}


def _build(client: stripe.StripeClient, raw: RawApi) -> World:
    world = World()

    def get(path: str, params: Any = None) -> Any:
        return world.add(f"GET {path}", raw.get(path, params))

    def debit(kind: str, details: dict[str, Any], currency: str, label: str) -> None:
        pm = client.v1.payment_methods.create(
            {
                "type": kind,
                kind: details,
                "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"},
            }
        )
        world.add(f"POST /v1/payment_methods ({label})", raw_json(pm))
        intent = client.v1.payment_intents.create(
            {
                "amount": 4_200,
                "currency": currency,
                "payment_method_types": [kind],
                "payment_method": pm.id,
                "confirm": True,
                "mandate_data": MANDATE,
            }
        )
        world.add(f"POST /v1/payment_intents ({label}, processing)", raw_json(intent))
        charge = get(f"/v1/charges/{intent.latest_charge}", {"expand[]": "balance_transaction"})
        get(f"/v1/mandates/{charge['payment_method_details'][kind]['mandate']}")
        if kind == "us_bank_account":  # expandable there (a plain id on sepa_debit)
            get(f"/v1/charges/{charge['id']}", {"expand[]": "payment_method_details.us_bank_account.mandate"})
        world.ids[label] = intent.id

    def checkout() -> None:
        session = client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "payment_method_types": ["card", "us_bank_account"],
                "line_items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 9_900,
                            "product_data": {"name": "Invoice 9"},
                        },
                        "quantity": 1,
                    }
                ],
                "success_url": "https://example.com/paid",
                "customer_email": "ann@example.com",
            }
        )
        world.add("POST /v1/checkout/sessions (bank)", raw_json(session))
        paid = raw.session.post(
            session.url,
            allow_redirects=False,
            timeout=30,
            data={
                "method": "us_bank_account",
                "account-holder": "Ann",
                "routing-number": "110000000",
                "account-number": "000123456789",
                "account-number-confirm": "000123456789",
                "mandate": "accepted",
            },
        )
        assert paid.status_code == 303, paid.text[:300]
        get(f"/v1/checkout/sessions/{session.id}")
        world.ids["session"] = session.id

    def settle() -> None:
        raw.control("/_sandbox/clock/advance", {"days": 10})
        for label in ("ach ok", "ach failed", "sepa ok", "sepa failed"):
            intent = get(f"/v1/payment_intents/{world.ids[label]}")
            charge = get(
                f"/v1/charges/{intent['latest_charge']}",
                {"expand[]": ["balance_transaction", "failure_balance_transaction"]},
            )
            get("/v1/balance_transactions", {"source": charge["id"]})
        get(f"/v1/checkout/sessions/{world.ids['session']}")
        refund = client.v1.refunds.create({"payment_intent": world.ids["ach ok"], "amount": 1_000})
        world.add("POST /v1/refunds (ach)", raw_json(refund))
        get(f"/v1/balance_transactions/{refund.balance_transaction}")
        get("/v1/events", {"limit": 100})

    world.step(
        "ach ok",
        lambda: debit(
            "us_bank_account",
            {"routing_number": "110000000", "account_number": "000123456789"},
            "usd",
            "ach ok",
        ),
    )
    world.step(
        "ach failed",
        lambda: debit(
            "us_bank_account",
            {"routing_number": "110000000", "account_number": "000222222227"},
            "usd",
            "ach failed",
        ),
    )
    world.step("sepa ok", lambda: debit("sepa_debit", {"iban": "DE89370400440532013000"}, "eur", "sepa ok"))
    world.step(
        "sepa failed", lambda: debit("sepa_debit", {"iban": "DE62370400440532013001"}, "eur", "sepa failed")
    )
    world.step("checkout", checkout)
    world.step("settle", settle)
    return world


world = built_world(_build)


class TestBankDebitsWorld(WorldChecks):  # no ListChecks: its lists were never held to the spec here
    object_types = OBJECT_TYPES
    events_invent_no_keys = True


def test_the_world_holds_what_debits_make(world: World) -> None:
    charges = {c["status"] for _, c in world.samples["charge"]}
    assert charges == {"pending", "succeeded", "failed"}
    types = {body["type"] for _, body in world.samples["balance_transaction"]}
    assert {"payment", "payment_failure_refund", "payment_refund"} <= types
    events = {e["type"] for _, e in world.samples["event"]}
    assert {
        "charge.pending",
        "charge.failed",
        "payment_intent.processing",
        "payment_intent.payment_failed",
        "checkout.session.async_payment_succeeded",
    } <= events
