"""Checkout Sessions completed the way the hosted page does it, and signed webhook deliveries with retries."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe
from werkzeug.serving import make_server

from stripe_sandbox.app import create_app
from stripe_sandbox.checkout import cancel_url_for, complete_checkout_session
from stripe_sandbox.state import Sandbox
from tests.integration.test_stripe_sandbox_api import START, new_client


@dataclass
class InProcess:
    """The sandbox app served from this process, so tests can call the hosted page's functions on it."""

    sandbox: Sandbox
    url: str


@pytest.fixture(scope="module")
def inprocess(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    sandbox = Sandbox(Path(tmp_path_factory.mktemp("stripe-sandbox-checkout")))
    with sandbox.transaction():
        sandbox.clock.freeze(START)
        sandbox.save_clock(rescheduled=True)
    server = make_server("127.0.0.1", 0, create_app(sandbox), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sandbox.webhooks.start()
    yield InProcess(sandbox, f"http://127.0.0.1:{server.server_port}")
    sandbox.webhooks.stop()
    server.shutdown()


@pytest.fixture(scope="module")
def client(inprocess: InProcess) -> stripe.StripeClient:
    return new_client(inprocess.url)


@dataclass
class Receiver:
    """A tiny webhook endpoint that answers the planned statuses in turn (then 200) and keeps what it got."""

    url: str = ""
    planned: list[int] = field(default_factory=list)
    received: list[tuple[bytes, str]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((body, self.headers.get("Stripe-Signature", "")))
            status = state.planned.pop(0) if state.planned else 200
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def new_session(client: stripe.StripeClient, **params: Any) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 1500,
                        "product_data": {"name": "Invoice INV-7"},
                    },
                    "quantity": 2,
                },
                {"price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Fee"}}},
            ],
            "success_url": "https://shop.example/paid?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://shop.example/back",
            **params,
        }
    )


def test_checkout_payment_declines_then_succeeds_and_propagates_metadata(
    client: stripe.StripeClient, inprocess: InProcess
) -> None:
    session = new_session(
        client,
        customer_email="payer@example.com",
        metadata={"link": "L1"},
        client_reference_id="CUST-9",
        payment_intent_data={
            "metadata": {"invoices": "INV-7"},
            "setup_future_usage": "off_session",
            "statement_descriptor_suffix": "INV-7",
            "description": "Payment for INV-7",
        },
    )
    assert session.status == "open" and session.amount_total == 3500
    assert session.url == f"{inprocess.url}/c/pay/{session.id}"
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [
        ("Invoice INV-7", 2, 3000),
        ("Fee", 1, 500),
    ]
    assert cancel_url_for(inprocess.sandbox, session.id) == "https://shop.example/back"

    declined = complete_checkout_session(
        inprocess.sandbox, session.id, "4000000000009995", 12, 2030, "123", "Pat Payer", False
    )
    assert declined.status == "declined" and declined.decline_code == "insufficient_funds"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"

    paid = complete_checkout_session(
        inprocess.sandbox, session.id, "4242 4242 4242 4242", "12", "2030", "123", "Pat Payer", True
    )
    assert paid.ok and paid.redirect_url == f"https://shop.example/paid?session={session.id}"
    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert done.status == "complete" and done.payment_status == "paid" and done.customer
    assert done.customer_details.email == "payer@example.com"
    intent = done.payment_intent
    assert intent.status == "succeeded" and intent.metadata.to_dict() == {"invoices": "INV-7"}
    assert intent.latest_charge.metadata.to_dict() == {"invoices": "INV-7"}
    assert intent.latest_charge.calculated_statement_descriptor.endswith("INV-7")
    saved = client.v1.payment_methods.list(params={"customer": done.customer, "type": "card"}).data
    assert [pm.id for pm in saved] == [intent.payment_method]
    completed = client.v1.events.list(params={"type": "checkout.session.completed", "limit": 1}).data[0]
    assert completed.data.object.id == session.id and completed.data.object.metadata.to_dict() == {
        "link": "L1"
    }
    again = complete_checkout_session(
        inprocess.sandbox, session.id, "4242424242424242", 12, 2030, "123", "P", False
    )
    assert again.status == "unavailable"


def test_checkout_session_expires_on_request_and_on_the_clock(
    client: stripe.StripeClient, inprocess: InProcess
) -> None:
    expired = client.v1.checkout.sessions.expire(new_session(client).id)
    assert expired.status == "expired"
    late = new_session(client, expires_at=inprocess.sandbox.now() + 3600)
    requests.post(inprocess.url + "/_sandbox/clock/advance", json={"hours": 2}, timeout=30).raise_for_status()
    assert client.v1.checkout.sessions.retrieve(late.id).status == "expired"
    outcome = complete_checkout_session(
        inprocess.sandbox, late.id, "4242424242424242", 12, 2030, "123", "P", False
    )
    assert outcome.status == "unavailable"
    types = [e.type for e in client.v1.events.list(params={"type": "checkout.session.expired"}).data]
    assert types == ["checkout.session.expired"] * 2


def test_only_open_sessions_can_be_expired_and_an_expired_one_cannot_be_paid(
    client: stripe.StripeClient, inprocess: InProcess
) -> None:
    """POST /v1/checkout/sessions/{id}/expire as Stripe documents it (what a new payment from a page uses)."""
    paid = new_session(client)
    assert complete_checkout_session(
        inprocess.sandbox, paid.id, "4242424242424242", 12, 2030, "123", "P", False
    ).ok
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.expire(paid.id)
    assert refused.value.http_status == 400
    assert 'status in ["open"]' in str(refused.value.user_message) and '"complete"' in str(
        refused.value.user_message
    )
    assert client.v1.checkout.sessions.retrieve(paid.id).status == "complete"

    open_session = new_session(client)
    expired = client.v1.checkout.sessions.expire(open_session.id, {"expand": ["line_items"]})
    assert (expired.status, expired.url, expired.payment_status) == ("expired", None, "unpaid")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(open_session.id)  # once only
    events = client.v1.events.list(params={"type": "checkout.session.expired", "limit": 100}).data
    assert [e.data.object["id"] for e in events].count(open_session.id) == 1
    assert all(e.data.object["id"] != paid.id for e in events)
    # The hosted page says so and takes no card.
    page = requests.get(f"{inprocess.url}/c/pay/{open_session.id}", timeout=30)
    assert page.status_code == 410
    form = {"email": "a@example.com", "cardnumber": "4242424242424242", "exp-date": "12 / 30", "cvc": "123"}
    submitted = requests.post(
        f"{inprocess.url}/c/pay/{open_session.id}",
        data={**form, "name": "P"},
        timeout=30,
        allow_redirects=False,
    )
    assert submitted.status_code == 410
    assert client.v1.checkout.sessions.retrieve(open_session.id).payment_intent is None


def test_checkout_setup_mode_saves_the_card(client: stripe.StripeClient, inprocess: InProcess) -> None:
    customer = client.v1.customers.create(params={"email": "setup@example.com"})
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "customer": customer.id,
            "currency": "usd",
            "success_url": "https://shop.example/ok",
        }
    )
    outcome = complete_checkout_session(
        inprocess.sandbox, session.id, "4242424242424242", 1, 2031, "999", "Sam", True
    )
    assert outcome.ok
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["setup_intent"]})
    assert done.setup_intent.status == "succeeded" and done.payment_status == "no_payment_required"
    assert client.v1.payment_methods.retrieve(done.setup_intent.payment_method).customer == customer.id


def test_webhooks_are_signed_like_stripe(
    client: stripe.StripeClient, inprocess: InProcess, receiver: Receiver
) -> None:
    endpoint = client.v1.webhook_endpoints.create(
        params={"url": receiver.url, "enabled_events": ["customer.*", "customer.created"]}
    )
    assert endpoint.secret and endpoint.secret.startswith("whsec_")
    assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id).to_dict()
    customer = client.v1.customers.create(params={"email": "hook@example.com"})
    wait_for(lambda: len(receiver.received) >= 1)
    body, header = receiver.received[0]
    event = stripe.Webhook.construct_event(body, header, endpoint.secret)
    assert event.type == "customer.created" and event.data.object.id == customer.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_wrong")
    client.v1.webhook_endpoints.delete(endpoint.id)


def test_failed_delivery_is_retried_when_the_clock_reaches_it(
    client: stripe.StripeClient, inprocess: InProcess, receiver: Receiver
) -> None:
    receiver.planned = [500]
    endpoint = client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["*"]})
    client.v1.customers.create()
    wait_for(lambda: len(receiver.received) >= 1)

    def deliveries() -> list[dict[str, Any]]:
        found = requests.get(inprocess.url + "/_sandbox/deliveries", timeout=10).json()["deliveries"]
        return [d for d in found if d["endpoint"] == endpoint.id]

    wait_for(lambda: deliveries()[0]["attempts"] == 1)
    assert deliveries()[0]["status"] == "pending" and deliveries()[0]["last_status"] == 500
    requests.post(inprocess.url + "/_sandbox/clock/advance", json={"hours": 1}, timeout=30).raise_for_status()
    wait_for(lambda: deliveries()[0]["status"] == "succeeded")
    assert len(receiver.received) == 2 and receiver.received[0][0] == receiver.received[1][0]
    event_id = deliveries()[0]["event"]
    wait_for(lambda: client.v1.events.retrieve(event_id).pending_webhooks == 0)
    client.v1.webhook_endpoints.delete(endpoint.id)
