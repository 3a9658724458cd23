"""NetSuite changes between the page a customer sees (GET) and the payment it starts (POST).

The pages run in Flask's test client against the NetSuite and Stripe sandboxes as real servers; each test
changes the invoice or the balance in the NetSuite sandbox after the page was read, then sends the page's own
form as a browser would (every field the page's form holds, the amount as shown or as typed). What is charged
is read from Stripe (the Checkout Session's amount) and what is due from NetSuite, never from our code.
"""

from __future__ import annotations

from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.e2e import webapp_support
from tests.e2e.webapp_support import attempts, errors_of, page_path, state_counts
from tests.integration.conftest import NetSuiteSandboxClient
from tests.servers import RunningServer

make_app = webapp_support.make_app  # the shared fixture, registered in this module


class _Form(HTMLParser):
    """The fields a browser would send from the page's payment form (inputs with a value, ticked boxes)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action: str | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and "pay-form" in (found.get("class") or ""):
            self._inside, self.action = True, found.get("action")
        elif tag == "input" and self._inside and found.get("name"):
            if found.get("type") == "checkbox" and "checked" not in found:
                return
            self.fields[found["name"] or ""] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def page_form(client: FlaskClient, path: str) -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return form_of(response.get_data(as_text=True))


def form_of(html: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(html)
    assert parser.fields, "the page has no payment form"
    return parser.fields


def session_count(stripe_client: Any) -> int:
    return len(stripe_client.v1.checkout.sessions.list({"limit": 100}).data)


def charged(app: Flask, stripe_client: Any) -> int:
    """The amount of the one Checkout Session the app started, as Stripe has it (minor units)."""
    [attempt] = attempts(app)
    session = stripe_client.v1.checkout.sessions.retrieve(attempt.checkout_session_id)
    return int(session.amount_total)


def unpaid(ns: NetSuiteSandboxClient, invoice_id: str) -> Decimal:
    [row] = ns.rows(f"SELECT foreignamountunpaid FROM transaction WHERE id = {int(invoice_id)}")
    return Decimal(str(row["foreignamountunpaid"]))


def balance(ns: NetSuiteSandboxClient, customer_id: str, currency_id: str) -> Decimal:
    query = (
        "SELECT balance FROM customercurrencybalance "
        f"WHERE customer = {int(customer_id)} AND currency = {int(currency_id)}"
    )
    [row] = ns.rows(query)
    return Decimal(str(row["balance"]))


def text_of(html: str) -> str:
    return " ".join(unescape(html).split())


@pytest.fixture
def ns(netsuite_sandbox: RunningServer) -> NetSuiteSandboxClient:
    return NetSuiteSandboxClient(netsuite_sandbox.url)


# ------------------------------------------------------------------------------------------- invoice page


def test_an_invoice_paid_down_in_netsuite_after_the_page_opened_charges_nothing_and_shows_the_new_amount(
    make_app: Any, stripe_client: Any, ns: NetSuiteSandboxClient
) -> None:
    # INV1020 (EUR 2,100.00, customer 105). The page says "You will pay €2,100.00"; meanwhile the customer's
    # colleague pays €600.00 of it and finance applies that payment in NetSuite. Taking the €1,500.00 now due
    # without a word would be a payment the customer never saw; it must come back to them first.
    app = make_app()
    client = app.test_client()
    path = page_path(app, "invoice", "1020")
    form = page_form(client, path)
    assert form["shown_amount"] == f"{unpaid(ns, '1020'):.2f}"
    ns.create("customerPayment", {
        "customer": {"id": "105"}, "currency": {"id": "4"}, "payment": 600.0, "undepFunds": {"id": "T"},
        "tranDate": "2026-10-01",
        "apply": {"items": [{"doc": {"id": "1020"}, "apply": True, "amount": 600.0}]},
    })  # fmt: skip
    due = unpaid(ns, "1020")
    before = session_count(stripe_client)

    response = client.post(path, data=form)

    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    [error] = errors_of(unescape(html))
    assert "changed since this page showed €2,100.00" in error and f"it is now €{due:,.2f}" in error
    assert "Nothing was charged" in error
    assert f"You will pay <strong>€{due:,.2f}</strong>" in unescape(html)
    assert session_count(stripe_client) == before and state_counts(app) == (0, 0)

    # The page shown again carries the new amount: paying from it charges exactly what NetSuite says is due.
    again = client.post(path, data=form_of(html))
    assert again.status_code == 303, again.get_data(as_text=True)
    assert charged(app, stripe_client) == int(due * 100)


def test_an_invoice_amended_upward_after_the_page_opened_is_never_charged_more(
    make_app: Any, stripe_client: Any, ns: NetSuiteSandboxClient
) -> None:
    # INV1036 (USD 300.00, customer 107, its only USD invoice). The page says "You will pay $300.00"; then
    # the invoice gets a $250.00 line in NetSuite. Charging $550.00 would take more than the customer agreed
    # to; charging $300.00 a partial payment the merchant did not allow. The page comes back with $550.00.
    app = make_app()
    client = app.test_client()
    path = page_path(app, "invoice", "1036")
    form = page_form(client, path)
    shown = unpaid(ns, "1036")
    amended = ns.request(
        "PATCH", "/record/v1/invoice/1036", json={"item": {"items": [{"item": {"id": "3"}, "rate": 250}]}}
    )
    assert amended.status_code == 204, amended.text
    due = unpaid(ns, "1036")
    assert due > shown
    before = session_count(stripe_client)

    response = client.post(path, data=form)

    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    [error] = errors_of(unescape(html))
    assert f"changed since this page showed ${shown:,.2f}: it is now ${due:,.2f}" in error
    assert session_count(stripe_client) == before and state_counts(app) == (0, 0)

    again = client.post(path, data=form_of(html))
    assert again.status_code == 303, again.get_data(as_text=True)
    assert charged(app, stripe_client) == int(due * 100)


def test_a_partial_payment_of_an_invoice_amended_upward_charges_what_the_customer_typed(
    make_app: Any, stripe_client: Any, ns: NetSuiteSandboxClient
) -> None:
    # Where the customer chooses the amount, more now due changes nothing they chose: they pay what they
    # typed.
    app = make_app(ALLOW_PARTIAL_INVOICE_PAYMENT="true")
    client = app.test_client()
    path = page_path(app, "invoice", "1042")
    form = page_form(client, path) | {"amount": "2500.00"}
    amended = ns.request(
        "PATCH", "/record/v1/invoice/1042", json={"item": {"items": [{"item": {"id": "3"}, "rate": 125}]}}
    )
    assert amended.status_code == 204, amended.text

    response = client.post(path, data=form)

    assert response.status_code == 303, response.get_data(as_text=True)
    assert charged(app, stripe_client) == 250000


def test_a_page_form_with_a_tampered_shown_amount_is_refused_and_creates_nothing(
    make_app: Any, stripe_client: Any
) -> None:
    app = make_app()
    client = app.test_client()
    path = page_path(app, "invoice", "1031")
    before = session_count(stripe_client)
    for shown in ("abc", "1e999999", "0.001", "-1875.50", "9" * 5000):
        response = client.post(path, data=page_form(client, path) | {"shown_amount": shown})
        assert response.status_code == 422, (shown, response.get_data(as_text=True)[:300])
        [error] = errors_of(unescape(response.get_data(as_text=True)))
        assert "out of date" in error or "changed since this page showed" in error, (shown, error)
    assert session_count(stripe_client) == before and state_counts(app) == (0, 0)


# ------------------------------------------------------------------------------------------ customer page


def test_a_balance_that_fell_in_netsuite_after_the_page_opened_charges_nothing_and_says_so(
    make_app: Any, stripe_client: Any, ns: NetSuiteSandboxClient
) -> None:
    # Customer 103 (GBP 1,450.00) opens the page and types £450.00, perhaps the part they mean to settle.
    # Meanwhile £1,000.00 arrives in NetSuite from elsewhere. £450.00 is still within what they owe, but not
    # what they decided on: the page comes back with the new balance and charges nothing.
    app = make_app()
    client = app.test_client()
    path = page_path(app, "customer", "103")
    form = page_form(client, path) | {"amount": "450.00"}
    assert form["shown_amount"] == f"{balance(ns, '103', '2'):.2f}"
    ns.create("customerPayment", {
        "customer": {"id": "103"}, "currency": {"id": "2"}, "payment": 1000.0, "undepFunds": {"id": "T"},
        "tranDate": "2026-10-01", "apply": {"items": []},
    })  # fmt: skip
    owed = balance(ns, "103", "2")
    before = session_count(stripe_client)

    response = client.post(path, data=form)

    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    [error] = errors_of(unescape(html))
    assert f"changed since this page showed £1,450.00: you can now pay at most £{owed:,.2f}" in error
    assert "Nothing was charged" in error
    assert session_count(stripe_client) == before and state_counts(app) == (0, 0)

    again = client.post(path, data=form_of(html) | {"amount": "300.00"})
    assert again.status_code == 303, again.get_data(as_text=True)
    assert charged(app, stripe_client) == 30000


def test_a_full_balance_that_fell_is_offered_again_as_the_new_full_balance(
    make_app: Any, stripe_client: Any, ns: NetSuiteSandboxClient
) -> None:
    # The customer kept the amount the page offered (their whole balance); shown again, the field offers the
    # new whole balance rather than the old figure the server would refuse.
    app = make_app()
    client = app.test_client()
    path = page_path(app, "customer", "104")
    form = page_form(client, path)
    ns.create("creditMemo", {
        "entity": {"id": "104"}, "currency": {"id": "1"}, "tranDate": "2026-10-01",
        "item": {"items": [{"item": {"id": "1"}, "rate": 275.24}]},
    })  # fmt: skip
    owed = balance(ns, "104", "1")

    response = client.post(path, data=form)

    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert form_of(html)["amount"] == f"{owed:.2f}"
    assert client.post(path, data=form_of(html)).status_code == 303
    assert charged(app, stripe_client) == int(owed * 100)


def test_a_balance_that_rose_after_the_page_opened_charges_what_the_customer_typed(
    make_app: Any, stripe_client: Any, ns: NetSuiteSandboxClient
) -> None:
    # A new invoice reaches NetSuite while customer 110 (EUR 1,613.33) has the page open: they pay the
    # amount they saw and kept, never the new balance.
    app = make_app()
    client = app.test_client()
    path = page_path(app, "customer", "110")
    form = page_form(client, path)
    shown = Decimal(form["amount"])
    ns.create("invoice", {
        "entity": {"id": "110"}, "currency": {"id": "4"}, "tranDate": "2026-10-01",
        "item": {"items": [{"item": {"id": "1"}, "rate": 500}]},
    })  # fmt: skip
    assert balance(ns, "110", "4") > shown

    response = client.post(path, data=form)

    assert response.status_code == 303, response.get_data(as_text=True)
    assert charged(app, stripe_client) == int(shown * 100)
