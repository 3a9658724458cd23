"""Contract: delayed bank debits in the Stripe sandbox have Stripe's shapes (spec 2024-04-10, examples 2026).

A world of ACH and SEPA debits is built through stripe-python (PaymentMethods, mandates, processing
PaymentIntents and pending `py_` charges, then the clock settles them: succeeded, and failed with the
`payment_failure_refund` balance transaction; a Checkout Session paid by bank account on the hosted page);
every object and event payload is checked against its schema and the real example of its type.
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.contract.conftest import RawApi
from tests.contract.stripe_shapes import FIXTURES, fixtures, invented_keys, missing_keys, schema_errors
from tests.contract.test_stripe_contract import MISSING_KEY_EXCEPTIONS, World, _raw

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
        world.add(f"POST /v1/payment_methods ({label})", _raw(pm))
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
        world.add(f"POST /v1/payment_intents ({label}, processing)", _raw(intent))
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
        world.add("POST /v1/checkout/sessions (bank)", _raw(session))
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
        world.add("POST /v1/refunds (ach)", _raw(refund))
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


@pytest.fixture(scope="module")
def world(client: stripe.StripeClient, raw: RawApi) -> World:
    return _build(client, raw)


def test_every_flow_ran(world: World) -> None:
    assert world.failures == {}, "\n".join(f"{k}:\n{v}" for k, v in world.failures.items())


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


@pytest.mark.parametrize("kind", OBJECT_TYPES)
def test_objects_fit_the_spec(world: World, kind: str) -> None:
    samples = world.samples.get(kind, [])
    assert samples, f"no {kind}; failed flows: {world.failures or 'none'}"
    problems = [f"{where}: {error}" for where, body in samples for error in schema_errors(kind, body)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", OBJECT_TYPES)
def test_objects_match_the_real_example(world: World, kind: str) -> None:
    if not FIXTURES.is_file():
        pytest.skip(f"{FIXTURES} is absent: fixtures3.json exists only in ../shared/reference/stripe/")
    samples = world.samples.get(kind, [])
    assert samples, f"no {kind}; failed flows: {world.failures or 'none'}"
    missing = sorted(
        {
            path
            for _, body in samples
            for path in missing_keys(kind, body, fixtures()[kind])
            if path not in MISSING_KEY_EXCEPTIONS
        }
    )
    invented = sorted({path for _, body in samples for path in invented_keys(kind, body)})
    assert not missing and not invented, f"missing: {missing}\ninvented: {invented}"


def test_event_payloads_fit_their_objects_schema(world: World) -> None:
    problems = []
    for _, event in world.samples.get("event", []):
        payload = event["data"]["object"]
        kind = payload.get("object")
        problems += [f"{event['type']} {event['id']}: {e}" for e in schema_errors(kind, payload)]
        if FIXTURES.is_file():
            problems += [f"{event['type']}: invented {path}" for path in invented_keys(kind, payload)]
    assert not problems, "\n".join(problems)
