"""Contract: what the Stripe sandbox answers has the shapes of Stripe's API (spec 2024-04-10, examples 2026).

One realistic world is built per module through stripe-python (customer, saved card, PaymentIntents, refund,
dispute, Checkout Session, clock advance and automatic payouts, events, webhook endpoint); every object the
sandbox answered is then checked against its schema and against the real example of its type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe

from stripe_sandbox import openapi
from tests.contract.conftest import RawApi
from tests.contract.stripe_shapes import (
    FIXTURES,
    fixtures,
    invented_keys,
    list_errors,
    missing_keys,
    schema_errors,
)
from tests.contract.world_checks import MISSING_KEY_EXCEPTIONS, World, built_world, raw_json

# Every object type the sandbox must produce in this world.
OBJECT_TYPES = (
    "customer", "payment_method", "payment_intent", "setup_intent", "checkout.session", "charge", "refund",
    "dispute", "payout", "balance_transaction", "balance", "event", "webhook_endpoint", "account",
)

def _build_world(client: stripe.StripeClient, raw: RawApi) -> World:
    world = World()

    def get(path: str, params: Any = None) -> Any:
        return world.add(f"GET {path}", raw.get(path, params))

    def customer() -> None:
        created = client.v1.customers.create({
            "email": "ada@example.com", "name": "Ada Lovelace", "description": "contract test",
            "metadata": {"netsuite_id": "1001"},
        })
        world.add("POST /v1/customers", raw_json(created))
        world.ids["customer"] = created.id
        get(f"/v1/customers/{created.id}")

    def payment_method() -> None:
        try:
            method = client.v1.payment_methods.create({
                "type": "card",
                "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
                "billing_details": {"name": "Ada Lovelace", "email": "ada@example.com"},
            })
            world.add("POST /v1/payment_methods", raw_json(method))
            pm_id = method.id
        except stripe.InvalidRequestError:
            pm_id = "pm_card_visa"  # raw numbers refused as real test mode does: the test id works anywhere
        attached = client.v1.payment_methods.attach(pm_id, {"customer": world.ids["customer"]})
        world.add("POST /v1/payment_methods/{pm}/attach", raw_json(attached))
        world.ids["payment_method"] = attached.id
        get(f"/v1/payment_methods/{attached.id}")
        get(f"/v1/customers/{world.ids['customer']}/payment_methods", {"type": "card"})

    def setup_intent() -> None:
        intent = client.v1.setup_intents.create({
            "customer": world.ids["customer"], "payment_method": world.ids["payment_method"],
            "payment_method_types": ["card"], "usage": "off_session", "confirm": True,
        })
        world.add("POST /v1/setup_intents", raw_json(intent))
        get(f"/v1/setup_intents/{intent.id}")

    def payment_intent() -> None:
        unconfirmed = client.v1.payment_intents.create({
            "amount": 1250, "currency": "usd", "payment_method_types": ["card"],
        })
        world.add("POST /v1/payment_intents (unconfirmed)", raw_json(unconfirmed))
        intent = client.v1.payment_intents.create({
            "amount": 2000, "currency": "usd", "customer": world.ids["customer"],
            "payment_method": world.ids["payment_method"], "off_session": True, "confirm": True,
            "description": "Invoice INV-1001", "metadata": {"invoice": "INV-1001"},
        })
        world.add("POST /v1/payment_intents (off-session)", raw_json(intent))
        world.ids["payment_intent"] = intent.id
        fetched = get(f"/v1/payment_intents/{intent.id}")
        charge_id = fetched["latest_charge"]
        world.ids["charge"] = charge_id
        charge = get(f"/v1/charges/{charge_id}")
        get(f"/v1/charges/{charge_id}", {"expand[]": ["balance_transaction", "refunds"]})
        get(f"/v1/balance_transactions/{charge['balance_transaction']}")
        foreign = client.v1.payment_intents.create({
            "amount": 1500, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True,
            "payment_method_types": ["card"],
        })
        world.add("POST /v1/payment_intents (EUR)", raw_json(foreign))
        get(f"/v1/charges/{foreign.latest_charge}", {"expand[]": "balance_transaction"})

    def refund() -> None:
        created = client.v1.refunds.create({"payment_intent": world.ids["payment_intent"], "amount": 500})
        world.add("POST /v1/refunds", raw_json(created))
        get(f"/v1/refunds/{created.id}")
        get(f"/v1/charges/{world.ids['charge']}")

    def dispute() -> None:
        intent = client.v1.payment_intents.create({
            "amount": 3000, "currency": "usd", "payment_method": "pm_card_createDispute", "confirm": True,
            "payment_method_types": ["card"],
        })
        world.add("POST /v1/payment_intents (disputed card)", raw_json(intent))
        found = raw.get("/v1/disputes", {"payment_intent": intent.id})
        if not found["data"]:
            # Stripe opens the dispute moments after the charge: give the sandbox's clock a day.
            raw.control("/_sandbox/clock/advance", {"days": 1})
            found = raw.get("/v1/disputes", {"payment_intent": intent.id})
        world.add("GET /v1/disputes?payment_intent=", found)
        assert found["data"], "no dispute opened for a pm_card_createDispute charge"
        dispute_id = found["data"][0]["id"]
        updated = client.v1.disputes.update(dispute_id, {
            "evidence": {"uncategorized_text": "winning_evidence"}, "submit": True,
        })
        world.add("POST /v1/disputes/{dp} (evidence)", raw_json(updated))
        get(f"/v1/disputes/{dispute_id}")
        get(f"/v1/charges/{found['data'][0]['charge']}")

    def checkout() -> None:
        session = client.v1.checkout.sessions.create({
            "mode": "payment", "customer": world.ids["customer"],
            "line_items": [{
                "price_data": {
                    "currency": "usd", "unit_amount": 4200, "product_data": {"name": "Invoice 1002"},
                },
                "quantity": 1,
            }],
            "payment_intent_data": {"metadata": {"invoice": "INV-1002"}, "setup_future_usage": "off_session"},
            "success_url": "https://example.com/paid", "cancel_url": "https://example.com/cancel",
        })
        world.add("POST /v1/checkout/sessions", raw_json(session))
        get(f"/v1/checkout/sessions/{session.id}")
        get("/v1/checkout/sessions")
        # The customer pays on the hosted page (the sandbox's own form), as a browser would post it.
        assert session.url, "a payment-mode session has a hosted page url"
        paid = raw.session.post(session.url, allow_redirects=False, timeout=30, data={
            "email": "ada@example.com", "name": "Ada Lovelace", "cardnumber": "4242 4242 4242 4242",
            "exp-date": "12 / 34", "cvc": "123", "save": "on",
        })
        assert paid.status_code == 303, f"hosted page answered {paid.status_code}: {paid.text[:300]}"
        complete = get(f"/v1/checkout/sessions/{session.id}", {"expand[]": "payment_intent"})
        assert complete["status"] == "complete", complete["status"]
        get(f"/v1/checkout/sessions/{session.id}/line_items")

    def payouts() -> None:
        get("/v1/balance")
        raw.control("/_sandbox/clock/advance", {"days": 10})
        raw.control("/_sandbox/payouts/run")
        listed = get("/v1/payouts")
        assert listed["data"], "no automatic payout after 10 days of settled charges"
        payout_id = listed["data"][0]["id"]
        get(f"/v1/payouts/{payout_id}")
        get("/v1/balance_transactions", {"payout": payout_id, "expand[]": "data.source"})
        get("/v1/balance_transactions", {"limit": 100})
        get("/v1/balance")

    def webhook_endpoint() -> None:
        endpoint = client.v1.webhook_endpoints.create({
            "url": "https://example.com/stripe/webhook", "description": "contract test",
            "enabled_events": ["charge.succeeded", "checkout.session.completed"],
        })
        world.add("POST /v1/webhook_endpoints", raw_json(endpoint))
        get(f"/v1/webhook_endpoints/{endpoint.id}")
        get("/v1/webhook_endpoints")

    def everything_else() -> None:
        get("/v1/account")
        get("/v1/events", {"limit": 100})
        for path in ("/v1/customers", "/v1/charges", "/v1/payment_intents", "/v1/refunds", "/v1/disputes",
                     "/v1/setup_intents"):
            get(path)

    for name, action in [
        ("customer", customer), ("payment_method", payment_method), ("setup_intent", setup_intent),
        ("payment_intent", payment_intent), ("refund", refund), ("dispute", dispute), ("checkout", checkout),
        ("payouts", payouts), ("webhook_endpoint", webhook_endpoint), ("everything_else", everything_else),
    ]:
        world.step(name, action)
    return world


world = built_world(_build_world)


def _samples(world: World, kind: str) -> list[tuple[str, Any]]:
    samples = world.samples.get(kind, [])
    assert samples, f"the sandbox produced no {kind}; failed flows: {world.failures or 'none'}"
    return samples


def test_every_flow_ran(world: World) -> None:
    assert world.failures == {}, "\n".join(f"{k}:\n{v}" for k, v in world.failures.items())


@pytest.mark.parametrize("kind", OBJECT_TYPES)
def test_objects_fit_the_spec(world: World, kind: str) -> None:
    problems = [f"{where}: {error}" for where, body in _samples(world, kind)
                for error in schema_errors(kind, body)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", OBJECT_TYPES)
def test_objects_have_every_key_of_the_real_example(world: World, kind: str) -> None:
    if not FIXTURES.is_file():
        pytest.skip(f"{FIXTURES} is absent: fixtures3.json exists only in ../shared/reference/stripe/")
    example = fixtures()[kind]
    problems = sorted({
        path for _, body in _samples(world, kind) for path in missing_keys(kind, body, example)
        if path not in MISSING_KEY_EXCEPTIONS
    })
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", OBJECT_TYPES)
def test_objects_invent_no_keys(world: World, kind: str) -> None:
    if not FIXTURES.is_file():  # keys newer than the 2024 spec are only known from the 2026 examples
        pytest.skip(f"{FIXTURES} is absent: fixtures3.json exists only in ../shared/reference/stripe/")
    problems = sorted({path for _, body in _samples(world, kind) for path in invented_keys(kind, body)})
    assert not problems, "\n".join(problems)


def test_every_object_type_seen_is_checked(world: World) -> None:
    """Objects the sandbox answered beyond OBJECT_TYPES must fit their schema too."""
    problems = []
    for kind, samples in world.samples.items():
        if kind in OBJECT_TYPES:
            continue
        if kind not in openapi.schema_names():
            problems.append(f"{kind}: not an object type of the spec ({samples[0][0]})")
            continue
        problems += [f"{where}: {e}" for where, body in samples for e in schema_errors(kind, body)]
    assert not problems, "\n".join(problems)


def test_list_envelopes_fit_the_spec(world: World) -> None:
    assert world.lists, f"no list answered; failed flows: {world.failures or 'none'}"
    problems = []
    for where, body in world.lists:
        path = where.split(" ", 1)[1].split(" ", 1)[0]
        problems += [f"{where}: {e}" for e in list_errors("GET", path, body)]
        if not body["url"].startswith(path.split("?")[0]):
            problems.append(f"{where}: url {body['url']!r}")
    assert not problems, "\n".join(problems)


def test_event_payloads_fit_their_objects_schema(world: World) -> None:
    """data.object is a full object of its type (the schema only says `object`): hold it to that type."""
    events = _samples(world, "event")
    problems = []
    for _, event in events:
        payload = event["data"]["object"]
        kind = payload.get("object")
        if kind not in openapi.schema_names():
            problems.append(f"{event['type']}: data.object is a {kind!r}")
            continue
        problems += [f"{event['type']} {event['id']}: {e}" for e in schema_errors(kind, payload)]
        if FIXTURES.is_file():  # see test_objects_invent_no_keys
            problems += [f"{event['type']} {event['id']}: invented {path}"
                         for path in invented_keys(kind, payload)]
        if kind in fixtures():
            problems += [f"{event['type']} {event['id']}: missing {path}"
                         for path in missing_keys(kind, payload, fixtures()[kind])
                         if path not in MISSING_KEY_EXCEPTIONS]
    assert not problems, "\n".join(problems)


def test_expanded_fields_hold_full_objects(world: World) -> None:
    expanded = [body for where, body in world.samples.get("charge", []) if "GET" in where
                and isinstance(body.get("balance_transaction"), dict)]
    assert expanded, "GET /v1/charges/{id}?expand[]=balance_transaction gave no expanded charge"
    for charge in expanded:
        assert charge["balance_transaction"]["object"] == "balance_transaction"
        assert schema_errors("balance_transaction", charge["balance_transaction"]) == []


def test_includable_fields_only_when_expanded(world: World, raw: RawApi) -> None:
    """Since API 2022-11-15 a charge's `refunds` list is rendered only on request (expand[]=refunds), as are
    a Checkout Session's `line_items`."""
    charge_id = world.ids.get("charge")
    assert charge_id, f"no charge; failed flows: {world.failures}"
    assert "refunds" not in raw.get(f"/v1/charges/{charge_id}")
    assert raw.get(f"/v1/charges/{charge_id}", {"expand[]": "refunds"})["refunds"]["object"] == "list"
    sessions = raw.get("/v1/checkout/sessions", {"limit": 1})["data"]
    assert sessions, "no checkout session"
    assert "line_items" not in sessions[0]
    expanded = raw.get(f"/v1/checkout/sessions/{sessions[0]['id']}", {"expand[]": "line_items"})
    assert expanded["line_items"]["object"] == "list"


# ----------------------------------------------------------------------------------------------------
# Unknown parameters and error objects
# ----------------------------------------------------------------------------------------------------

CHECKOUT = {
    "mode": "payment", "success_url": "https://example.com/paid", "cancel_url": "https://example.com/cancel",
    "line_items": [{"price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "x"}},
                    "quantity": 1}],
}

UNKNOWN_PARAMETERS: list[tuple[str, str, dict[str, Any], str]] = [
    ("post", "/v1/customers", {"email": "x@example.com", "bogus": "1"}, "bogus"),
    ("post", "/v1/customers", {"address": {"line1": "1 Main St", "planet": "Mars"}}, "address[planet]"),
    ("post", "/v1/payment_intents",
     {"amount": 1000, "currency": "usd", "payment_method_options": {"card": {"bogus": "1"}}},
     "payment_method_options[card][bogus]"),
    ("post", "/v1/checkout/sessions", {**CHECKOUT, "payment_intent_data": {"bogus": "x"}},
     "payment_intent_data[bogus]"),
    ("post", "/v1/checkout/sessions",
     {**CHECKOUT, "line_items": [{"price_data": {"currency": "usd", "unit_amount": 5, "bogus": "1"},
                                  "quantity": 1}]},
     "line_items[0][price_data][bogus]"),
    ("post", "/v1/refunds", {"payment_intent": "pi_doesnotmatter", "bogus": "1"}, "bogus"),
    ("get", "/v1/charges", {"bogus": "1"}, "bogus"),
    ("get", "/v1/charges", {"created": {"since": 1}}, "created[since]"),
    ("get", "/v1/balance_transactions", {"payout": "po_x", "page_size": 5}, "page_size"),
    ("get", "/v1/events", {"types": ["charge.succeeded"], "topic": "x"}, "topic"),
]


def _refused(call: Callable[[], Any]) -> stripe.StripeError:
    with pytest.raises(stripe.StripeError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(("method", "path", "params", "name"), UNKNOWN_PARAMETERS,
                         ids=[f"{m} {p} {n}" for m, p, _, n in UNKNOWN_PARAMETERS])
def test_unknown_parameters_are_refused_by_name(client: stripe.StripeClient, method: str, path: str,
                                                params: dict[str, Any], name: str) -> None:
    assert openapi.unknown_parameters(method, path, params) == [name]  # the test's own premise
    error = _refused(lambda: client.raw_request(method, path, **params))
    assert isinstance(error, stripe.InvalidRequestError)
    assert error.http_status == 400
    assert error.code == "parameter_unknown"
    assert error.param == name
    assert error.json_body is not None
    assert name in error.json_body["error"]["message"]
    assert schema_errors("error", error.json_body) == []


def test_unknown_parameter_on_an_existing_object(client: stripe.StripeClient, world: World) -> None:
    customer = world.ids.get("customer")
    assert customer, f"no customer; failed flows: {world.failures}"
    error = _refused(lambda: client.raw_request("post", f"/v1/customers/{customer}",
                                                shipping={"name": "A", "address": {"line1": "x"}, "x": "1"}))
    assert (error.http_status, error.code, error.param) == (400, "parameter_unknown", "shipping[x]")


def test_known_free_and_unset_parameters_are_accepted(client: stripe.StripeClient, raw: RawApi) -> None:
    created = client.raw_request("post", "/v1/customers", email="free@example.com", description="to unset",
                                 metadata={"any key": "v", "other": "w"}, expand=["test_clock"])
    customer = created.data["id"]
    updated = client.raw_request("post", f"/v1/customers/{customer}", description="", metadata={"other": ""})
    assert updated.data["description"] is None
    assert updated.data["metadata"] == {"any key": "v"}
    listed = raw.get("/v1/charges", {"created[gte]": 0, "limit": 3, "expand[]": "data.balance_transaction"})
    assert listed["object"] == "list"


def test_missing_object_error_fits_the_spec(client: stripe.StripeClient) -> None:
    error = _refused(lambda: client.v1.customers.retrieve("cus_doesnotexist"))
    assert error.http_status == 404
    assert error.code == "resource_missing"
    assert error.json_body is not None
    assert schema_errors("error", error.json_body) == []


def test_card_decline_error_fits_the_spec(client: stripe.StripeClient) -> None:
    error = _refused(lambda: client.v1.payment_intents.create({
        "amount": 1000, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True,
        "payment_method_types": ["card"],
    }))
    assert isinstance(error, stripe.CardError)
    assert error.http_status == 402
    assert error.code == "card_declined"
    assert error.json_body is not None
    assert error.json_body["error"]["type"] == "card_error"
    assert schema_errors("error", error.json_body) == []


def test_missing_required_parameter_error_fits_the_spec(client: stripe.StripeClient) -> None:
    error = _refused(lambda: client.raw_request("post", "/v1/payment_intents", currency="usd"))
    assert (error.http_status, error.code, error.param) == (400, "parameter_missing", "amount")
    assert error.json_body is not None
    assert schema_errors("error", error.json_body) == []


def test_unknown_route_is_a_404_in_stripes_shape(raw: RawApi) -> None:
    response = raw.session.get(raw.url + "/v1/no_such_things", timeout=30)
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["type"] == "invalid_request_error"
    assert schema_errors("error", body) == []
