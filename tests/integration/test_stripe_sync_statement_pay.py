"""Statement pay end to end: invoices ticked on the customer page, paid on Stripe's hosted page, then
stripe_sync extraction and validation must find the payment `ready` (it was quarantined when the page wrote
"1026,1027" into one key that validation reads as one id).

Runs the real webapp (Flask test client) against both sandboxes as servers; the card is entered on the Stripe
sandbox's hosted Checkout page over HTTP, as a browser would post it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import Engine, select

from stripe_netsuite.store import get_engine, migrate, session_scope
from stripe_netsuite.store.stripe_objects import Charge, CheckoutSession, PaymentIntent
from stripe_netsuite.stripe_api import RESOURCES, StripeSettings, extract_resource, itemise_paid_payouts
from stripe_netsuite.validation import validate_pending
from tests.conftest import STRIPE_TEST_KEY
from tests.e2e import webapp_support
from tests.e2e.webapp_support import attempts, csrf_of, page_path
from tests.integration.conftest import NetSuiteSandboxClient
from tests.servers import RunningServer

make_app = webapp_support.make_app  # the shared fixture, registered in this module

# An account that has been in use for years has internal ids of ten digits; the sandbox starts at 1001.
OLD_ACCOUNT_NEXT_ID = 4_100_000_000


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()  # type: ignore[no-any-return]


def pay_statement(app: Flask, customer_id: str, invoice_ids: list[str], amount: Decimal) -> str:
    """Tick `invoice_ids` on the customer page and continue; returns the hosted Checkout page's URL."""
    client = app.test_client()
    path = page_path(app, "customer", customer_id)
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    form = {
        "csrf_token": csrf_of(page.get_data(as_text=True)),
        "amount": f"{amount:.2f}",
        "invoice": invoice_ids,
    }
    response = client.post(path, data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def pay_on_hosted_page(checkout_url: str) -> None:
    """Enter a card on the sandbox's hosted Checkout page, as a browser posts the form."""
    card = {"email": "ap@example.com", "cardnumber": "4242 4242 4242 4242", "exp-date": "12/2040",
            "cvc": "123", "name": "Accounts Payable"}  # fmt: skip
    response = requests.post(checkout_url, data=card, allow_redirects=False, timeout=60)
    assert response.status_code == 303, response.text  # to the page's success URL


def sync_and_validate(app: Flask, stripe_sandbox: RunningServer, run_id: str) -> Engine:
    url = app.config["SETTINGS"].database_url
    migrate(url)
    engine = get_engine(url)
    settings = StripeSettings(STRIPE_TEST_KEY, stripe_sandbox.url)
    now = datetime.now(UTC)
    for name in RESOURCES:
        extract_resource(settings, name, engine, now=now, run_id=run_id)
    itemise_paid_payouts(settings, engine, run_id=run_id)  # as the DAG does, before validation
    validate_pending(engine, run_id, now=now)
    return engine


def assert_payment_ready(engine: Engine, attempt_id: str, invoice_ids: list[str]) -> None:
    with session_scope(engine) as session:
        intent = session.scalars(
            select(PaymentIntent).where(PaymentIntent.payment_attempt_id == attempt_id)
        ).one()
        checkout = session.scalars(
            select(CheckoutSession).where(CheckoutSession.payment_attempt_id == attempt_id)
        ).one()
        charge = session.scalars(select(Charge).where(Charge.payment_intent == intent.id)).one()
        rows = {"payment_intent": intent, "checkout.session": checkout, "charge": charge}
        assert {kind: row.validation_status for kind, row in rows.items()} == dict.fromkeys(rows, "ready")
        assert {kind: row.netsuite_invoice_ids for kind, row in rows.items()} == dict.fromkeys(
            rows, invoice_ids
        )
        # Money as Stripe recorded it: the charge is what the customer entered, in full.
        assert charge.amount == intent.amount_received == checkout.amount_total


def test_a_two_invoice_payment_from_the_page_reaches_ready(
    app: Flask, stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer
) -> None:
    # Customer 102's open USD invoices 1001 and 1002 (seeded), paid together from its page.
    url = pay_statement(app, "102", ["1001", "1002"], Decimal("2900.00"))
    [attempt] = attempts(app)
    assert attempt.netsuite_invoice_ids == ["1001", "1002"]
    pay_on_hosted_page(url)
    engine = sync_and_validate(app, stripe_sandbox, "statement-2")
    assert_payment_ready(engine, attempt.id, ["1001", "1002"])
    with session_scope(engine) as session:
        intent = session.scalars(
            select(PaymentIntent).where(PaymentIntent.payment_attempt_id == attempt.id)
        ).one()
        assert intent.amount_received == 290000


def _age_account(netsuite_sandbox: RunningServer) -> None:
    """Move the sandbox's id sequences on, as in an old account (NetSuite never lets anyone choose ids)."""
    connection = sqlite3.connect(netsuite_sandbox.data_dir / "netsuite.sqlite3", isolation_level=None)
    try:
        connection.execute(
            "UPDATE _sequence SET next = ? WHERE family IN ('entity', 'transaction')", (OLD_ACCOUNT_NEXT_ID,)
        )
    finally:
        connection.close()


def test_a_statement_of_80_invoices_with_ten_digit_ids_reaches_ready(
    app: Flask, stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer, stripe_client: Any
) -> None:
    _age_account(netsuite_sandbox)
    ns = NetSuiteSandboxClient(netsuite_sandbox.url)
    customer_id = ns.create("customer", {"companyName": "Statement Co", "email": "ap@statement.example"})
    rates = [Decimal(10 + n) + Decimal("0.25") for n in range(80)]
    invoice_ids = [
        ns.create(
            "invoice",
            {"entity": {"id": customer_id}, "item": {"items": [{"item": {"id": "1"}, "rate": str(rate)}]}},
        )
        for rate in rates
    ]
    assert all(len(invoice_id) == 10 for invoice_id in invoice_ids)
    due = sum(Decimal(str(ns.get("invoice", invoice_id)["amountRemaining"])) for invoice_id in invoice_ids)
    url = pay_statement(app, customer_id, invoice_ids, due)
    [attempt] = [found for found in attempts(app) if found.netsuite_customer_id == customer_id]
    assert attempt.netsuite_invoice_ids == invoice_ids
    # 80 ids of 10 digits do not fit one 500-character value: the list continues in a numbered key.
    session = stripe_client.v1.checkout.sessions.retrieve(attempt.checkout_session_id)
    assert session.metadata["netsuite_invoice_count"] == "80"
    assert "netsuite_invoice_ids_2" in session.metadata
    pay_on_hosted_page(url)
    engine = sync_and_validate(app, stripe_sandbox, "statement-80")
    assert_payment_ready(engine, attempt.id, invoice_ids)
    with session_scope(engine) as db:
        intent = db.scalars(select(PaymentIntent).where(PaymentIntent.payment_attempt_id == attempt.id)).one()
        stripe_intent = stripe_client.v1.payment_intents.retrieve(intent.id)
        assert intent.amount_received == stripe_intent.amount_received == int(due * 100)
