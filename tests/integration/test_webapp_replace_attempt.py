"""A link holder cannot block the payer: a new payment from a page replaces that page's unpaid session.

Issue 8 item 5: one POST used to reserve the whole balance for the Checkout Session's life (~33 minutes)
and every other visitor read "There is nothing to pay right now". Now the next payment from the same page
expires the previous unpaid session at Stripe (under the customer's lock) and takes its place; a session
paid first is never replaced, and a payment Stripe took but NetSuite does not show yet is shown as received.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.e2e import webapp_support
from tests.e2e.webapp_support import attempts, csrf_of, errors_of, page_path, sign
from tests.servers import RunningServer

make_app = webapp_support.make_app  # the shared fixture, registered in this module


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()  # type: ignore[no-any-return]


def open_form(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return csrf_of(response.get_data(as_text=True))


def pay(client: FlaskClient, path: str, amount: str) -> int:
    return client.post(path, data={"csrf_token": open_form(client, path), "amount": amount}).status_code


def pay_on_hosted_page(stripe_sandbox: RunningServer, session_id: str) -> None:
    """The customer pays on Stripe's hosted page (no webhook reaches the app in these tests)."""
    form = {
        "email": "ap@example.com",
        "cardnumber": "4242 4242 4242 4242",
        "exp-date": "12 / 40",
        "cvc": "123",
        "name": "A. Payer",
    }
    response = requests.post(
        f"{stripe_sandbox.url}/c/pay/{session_id}", data=form, timeout=30, allow_redirects=False
    )
    assert response.status_code in (302, 303), response.text


def test_a_second_visitor_replaces_the_first_unpaid_session(app: Flask, stripe_client: Any) -> None:
    path = page_path(app, "customer", "102")  # balance $2,900.00
    first, second = app.test_client(), app.test_client()
    assert pay(first, path, "2900.00") == 303
    [blocked] = attempts(app)

    html = second.get(path).get_data(as_text=True)
    assert "nothing to pay" not in html and 'value="2900.00"' in html
    assert "started here was not finished" in html  # the page says what paying now does
    response = second.post(path, data={"csrf_token": csrf_of(html), "amount": "2900.00"})
    assert response.status_code == 303, errors_of(response.get_data(as_text=True))

    old, new = attempts(app)
    assert old.id == blocked.id and old.status == "expired" and new.status == "open"
    assert stripe_client.v1.checkout.sessions.retrieve(old.checkout_session_id).status == "expired"
    assert stripe_client.v1.checkout.sessions.retrieve(new.checkout_session_id).status == "open"
    assert response.headers["Location"].endswith(f"/c/pay/{new.checkout_session_id}")
    expired = stripe_client.v1.events.list({"type": "checkout.session.expired", "limit": 100}).data
    assert old.checkout_session_id in [event.data.object["id"] for event in expired]


def test_an_invoice_page_replaces_its_own_session_only(app: Flask, stripe_client: Any) -> None:
    invoice_path = page_path(app, "invoice", "1026")  # JPY 125,000 of customer 106
    customer_path = page_path(app, "customer", "106")  # JPY 405,000
    client = app.test_client()
    assert client.post(invoice_path, data={"csrf_token": open_form(client, invoice_path)}).status_code == 303
    assert client.post(invoice_path, data={"csrf_token": open_form(client, invoice_path)}).status_code == 303
    csrf = open_form(client, customer_path)
    assert client.post(customer_path, data={"csrf_token": csrf, "amount": "280000"}).status_code == 303
    first, second, third = attempts(app)
    statuses = {a.checkout_session_id: a.status for a in (first, second, third)}
    assert [first.status, second.status, third.status] == ["expired", "open", "open"]
    # The customer page's payment left the invoice page's session alone (another page's reservation).
    assert stripe_client.v1.checkout.sessions.retrieve(second.checkout_session_id).status == "open"
    assert len(statuses) == 3


def test_a_session_paid_first_is_never_replaced(
    app: Flask, stripe_client: Any, stripe_sandbox: RunningServer
) -> None:
    path = page_path(app, "customer", "103")  # GBP 1,450.00
    first, second = app.test_client(), app.test_client()
    assert pay(first, path, "1450.00") == 303
    [paid] = attempts(app)
    pay_on_hosted_page(stripe_sandbox, paid.checkout_session_id or "")

    # Its webhook has not arrived: the page still offers the balance, but the payment finds Stripe's truth.
    response = second.post(path, data={"csrf_token": open_form(second, path), "amount": "1450.00"})
    assert response.status_code == 422
    assert "already" in errors_of(response.get_data(as_text=True))[0]
    [after] = attempts(app)
    assert after.status == "processing"  # money on its way; the webhook will say paid
    assert stripe_client.v1.checkout.sessions.retrieve(paid.checkout_session_id).status == "complete"


def deliver_payment(client: FlaskClient, attempt_id: str, n: int, amount: int, paid_at: datetime) -> None:
    """Stripe's payment_intent.succeeded for the attempt, signed, through the app's webhook route."""
    event = {
        "id": f"evt_received_{n}",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(paid_at.timestamp()),
        "api_version": "2024-04-10",
        "livemode": False,
        "data": {
            "object": {
                "id": f"pi_received_{n}",
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount,
                "currency": "cad",
                "latest_charge": f"ch_received_{n}",
                "metadata": {"payment_attempt_id": attempt_id},
                "status": "succeeded",
            }
        },
    }
    body = json.dumps(event).encode()
    delivered = client.post(
        "/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": sign(body, timestamp=int(time.time()))},
        content_type="application/json",
    )
    assert delivered.status_code == 200


def test_many_received_payments_are_listed_newest_first_then_summed(app: Flask) -> None:
    path = page_path(app, "customer", "107")  # CAD 2,375.50
    client = app.test_client()
    for n in range(5):
        assert pay(client, path, "100.00") == 303
        newest = max(attempts(app), key=lambda a: a.created_at)
        deliver_payment(client, newest.id, 10 + n, 10000, datetime(2026, 11, 1 + n, 12, tzinfo=UTC))
    html = client.get(path).get_data(as_text=True)
    assert html.count("received on") == 3
    assert html.index("received on Nov 5, 2026") < html.index("received on Nov 3, 2026")
    assert "Nov 2, 2026" not in html
    assert "2 earlier payments, CA$200.00 in all, also received and being recorded." in html
    assert 'value="1875.50"' in html  # still owed: 2,375.50 less the 500.00 received


def test_a_payment_received_but_not_in_netsuite_is_shown_as_received(app: Flask) -> None:
    path = page_path(app, "customer", "107")  # CAD 2,375.50
    client = app.test_client()
    assert pay(client, path, "2375.50") == 303
    [attempt] = attempts(app)
    paid_at = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
    event = {
        "id": "evt_received_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(paid_at.timestamp()),
        "api_version": "2024-04-10",
        "livemode": False,
        "data": {
            "object": {
                "id": "pi_received_1",
                "object": "payment_intent",
                "amount": 237550,
                "amount_received": 237550,
                "currency": "cad",
                "latest_charge": "ch_received_1",
                "metadata": {"payment_attempt_id": attempt.id},
                "status": "succeeded",
            }
        },
    }
    body = json.dumps(event).encode()
    delivered = client.post(
        "/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": sign(body, timestamp=int(time.time()))},
        content_type="application/json",
    )
    assert delivered.status_code == 200
    [paid] = attempts(app)
    assert (paid.status, paid.paid_amount_minor, paid.charge_id) == ("paid", 237550, "ch_received_1")
    assert paid.paid_at == paid_at

    html = client.get(path).get_data(as_text=True)
    assert "Payment of CA$2,375.50 received on Nov 2, 2026, being recorded." in html
    assert "nothing to pay" not in html.lower()
    assert 'name="amount"' not in html  # nothing else is owed until NetSuite shows it
