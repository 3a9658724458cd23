"""The Stripe sandbox's hosted Checkout page in headless chromium: pay, decline, 3-D Secure, closed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.axe import assert_accessible
from tests.servers import ROOT, RunningServer

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _Merchant(BaseHTTPRequestHandler):
    """The merchant's success and cancel pages: any path answers a small HTML page naming it."""

    def do_GET(self) -> None:
        body = (
            f"<!doctype html><title>Merchant</title><h1>Merchant page</h1><p id=path>{self.path}</p>".encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def merchant() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Merchant)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Any, stripe_sandbox: RunningServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 820})
    opened = context.new_page()
    # The page must need nothing from anywhere but the sandbox itself (no CDN, fonts, images).
    foreign: list[str] = []
    opened.on(
        "request",
        lambda req: (
            foreign.append(req.url) if not req.url.startswith(("http://127.0.0.1", "data:")) else None
        ),
    )
    yield opened
    context.close()
    assert foreign == []


def shot(page: Any, name: str, *, checkout: bool = True) -> None:
    """Keep a screenshot of the state, and check a Checkout page's accessibility with axe-core."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if checkout:
        assert_accessible(page, name)


def new_session(client: Any, merchant: str, **overrides: Any) -> Any:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 150000,
                    "product_data": {"name": "Invoice INV1001"},
                },
                "quantity": 1,
            }
        ],
        "customer_email": "billing@acme.example",
        "success_url": merchant + "/paid?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": merchant + "/cancelled",
        "metadata": {"payment_attempt": "pa_1"},
        "payment_intent_data": {
            "metadata": {"netsuite_customer_id": "102", "netsuite_invoice_id": "1001"},
            "description": "Invoice INV1001",
        },
    }
    params.update(overrides)
    return client.v1.checkout.sessions.create(params)


def fill_card(
    page: Any, number: str, expiry: str = "12 / 34", cvc: str = "123", name: str = "Wile E. Coyote"
) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiration date (MM / YY)").fill(expiry)
    page.get_by_label("Security code (CVC)").fill(cvc)
    page.get_by_label("Name on card").fill(name)


def event_types_for(client: Any, object_ids: set[str]) -> list[str]:
    events = client.v1.events.list({"limit": 100})
    return [e.type for e in events.data if e.data.object.to_dict().get("id") in object_ids]


def test_card_4242_pays_and_lands_on_success_url(page: Any, stripe_client: Any, merchant: str) -> None:
    session = new_session(stripe_client, merchant)
    page.goto(session.url)
    assert page.get_by_role("heading", name="Sandbox Company").is_visible()
    assert page.get_by_test_id("total-amount").inner_text() == "$1,500.00"
    assert page.get_by_text("Invoice INV1001").first.is_visible()
    assert page.get_by_label("Email").input_value() == "billing@acme.example"
    assert page.get_by_test_id("save-agreement").count() == 0
    fill_card(page, "4242 4242 4242 4242")
    shot(page, "checkout-filled")
    page.get_by_role("button", name="Pay $1,500.00").click()
    page.wait_for_url(f"{merchant}/paid?session_id={session.id}")
    assert page.locator("#path").inner_text() == f"/paid?session_id={session.id}"
    shot(page, "checkout-success-redirect", checkout=False)  # the test's stand-in merchant page

    done = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status, done.url) == ("complete", "paid", None)
    assert done.customer_details.email == "billing@acme.example"
    assert done.customer_details.name == "Wile E. Coyote"
    assert done.metadata.to_dict() == {"payment_attempt": "pa_1"}
    intent = stripe_client.v1.payment_intents.retrieve(done.payment_intent, {"expand": ["latest_charge"]})
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 150000, "usd")
    assert intent.metadata.to_dict() == {"netsuite_customer_id": "102", "netsuite_invoice_id": "1001"}
    assert intent.description == "Invoice INV1001"
    charge = intent.latest_charge
    assert (charge.status, charge.paid, charge.amount, charge.captured) == ("succeeded", True, 150000, True)
    assert charge.metadata.to_dict() == intent.metadata.to_dict()
    assert charge.payment_method_details.card.last4 == "4242"
    assert charge.billing_details.name == "Wile E. Coyote"
    assert charge.balance_transaction is not None
    types = event_types_for(stripe_client, {session.id, intent.id, charge.id})
    for expected in ("checkout.session.completed", "payment_intent.succeeded", "charge.succeeded"):
        assert types.count(expected) == 1, types
    # A second visit shows the session as paid rather than a form that could pay twice.
    page.goto(session.url)
    assert page.get_by_role("heading", name="Thanks for your payment").is_visible()
    assert page.get_by_role("button").count() == 0


def test_declined_card_shows_message_and_session_stays_open(
    page: Any, stripe_client: Any, merchant: str
) -> None:
    session = new_session(stripe_client, merchant)
    page.goto(session.url)
    fill_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Pay $1,500.00").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Your card was declined."
    assert page.get_by_label("Card number").get_attribute("aria-invalid") == "true"
    assert page.url == session.url
    assert page.get_by_label("Name on card").input_value() == "Wile E. Coyote"
    shot(page, "checkout-declined")

    still = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (still.status, still.payment_status) == ("open", "unpaid")
    intent = stripe_client.v1.payment_intents.retrieve(still.payment_intent)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "generic_decline"
    failed = stripe_client.v1.charges.retrieve(intent.latest_charge)
    assert (failed.status, failed.failure_code) == ("failed", "card_declined")
    types = event_types_for(stripe_client, {session.id, intent.id, failed.id})
    assert "charge.failed" in types and "payment_intent.payment_failed" in types
    assert "checkout.session.completed" not in types

    # The customer tries another card on the same page: the same PaymentIntent succeeds.
    fill_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Pay $1,500.00").click()
    page.wait_for_url(f"{merchant}/paid?session_id={session.id}")
    paid = stripe_client.v1.payment_intents.retrieve(still.payment_intent)
    assert paid.status == "succeeded" and paid.latest_charge != failed.id


def test_amounts_follow_the_currency_exponent_and_saving_shows_the_agreement(
    page: Any, stripe_client: Any, merchant: str
) -> None:
    kwd = new_session(
        stripe_client,
        merchant,
        line_items=[
            {
                "price_data": {
                    "currency": "kwd",
                    "unit_amount": 1250750,
                    "product_data": {"name": "Invoice INV1037"},
                },
                "quantity": 1,
            }
        ],
        customer_email="accounts@alnoor.example",
        payment_intent_data={
            "setup_future_usage": "off_session",
            "metadata": {"netsuite_customer_id": "108"},
        },
    )
    page.goto(kwd.url)
    assert page.get_by_test_id("total-amount").inner_text() == "KWD 1,250.750"
    agreement = page.get_by_test_id("save-agreement")
    assert agreement.is_visible()
    assert "allow Sandbox Company to charge your card for future payments" in agreement.inner_text()
    shot(page, "checkout-kwd-save-agreement")
    fill_card(page, "4242424242424242")
    page.get_by_role("button", name="Pay KWD 1,250.750").click()
    page.wait_for_url(f"{merchant}/paid?session_id={kwd.id}")
    done = stripe_client.v1.checkout.sessions.retrieve(kwd.id)
    assert done.customer is not None
    intent = stripe_client.v1.payment_intents.retrieve(done.payment_intent)
    assert intent.setup_future_usage == "off_session"
    saved = stripe_client.v1.payment_methods.retrieve(intent.payment_method)
    assert saved.customer == done.customer

    jpy = new_session(
        stripe_client,
        merchant,
        line_items=[
            {
                "price_data": {
                    "currency": "jpy",
                    "unit_amount": 62500,
                    "product_data": {"name": "Support Plan"},
                },
                "quantity": 2,
            }
        ],
    )
    page.goto(jpy.url)
    assert page.get_by_test_id("total-amount").inner_text() == "¥125,000"
    assert page.get_by_text("\u00d7 2").is_visible()  # the multiplication sign
    assert page.get_by_role("button", name="Pay ¥125,000").is_visible()
    shot(page, "checkout-jpy")


def test_three_d_secure_card_asks_to_authenticate_first(page: Any, stripe_client: Any, merchant: str) -> None:
    session = new_session(stripe_client, merchant)
    page.goto(session.url)
    fill_card(page, "4000 0000 0000 3220")
    page.get_by_role("button", name="Pay $1,500.00").click()
    page.get_by_role("heading", name="3D Secure authentication").wait_for()
    shot(page, "checkout-3ds-challenge")
    page.get_by_role("button", name="Fail authentication").click()
    page.get_by_role("alert").wait_for()
    assert "unable to authenticate your payment method" in page.get_by_role("alert").inner_text()
    still = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (still.status, still.payment_status) == ("open", "unpaid")
    # The failed challenge is recorded at Stripe, as for any PaymentIntent whose 3-D Secure fails.
    failed = stripe_client.v1.payment_intents.retrieve(still.payment_intent)
    assert (failed.status, failed.payment_method) == ("requires_payment_method", None)
    assert failed.latest_charge is None  # the bank refused before any charge was attempted
    error = failed.last_payment_error
    assert (error.code, error.type) == ("payment_intent_authentication_failure", "invalid_request_error")
    assert error.payment_method.card.last4 == "3220"
    events = [
        e
        for e in stripe_client.v1.events.list({"limit": 100}).data
        if e.data.object.to_dict().get("id") == failed.id
    ]
    assert [e.type for e in reversed(events)] == [
        "payment_intent.created",
        "payment_intent.requires_action",
        "payment_intent.payment_failed",
    ]
    assert events[0].data.object.last_payment_error.code == "payment_intent_authentication_failure"
    assert "checkout.session.completed" not in event_types_for(stripe_client, {session.id})

    fill_card(page, "4000 0000 0000 3220")
    page.get_by_role("button", name="Pay $1,500.00").click()
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{merchant}/paid?session_id={session.id}")
    done = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete" and done.payment_intent == failed.id
    paid = stripe_client.v1.payment_intents.retrieve(done.payment_intent)
    assert (paid.status, paid.last_payment_error) == ("succeeded", None)


def test_back_link_goes_to_cancel_url_and_expired_session_says_so(
    page: Any, stripe_client: Any, merchant: str
) -> None:
    session = new_session(stripe_client, merchant)
    page.goto(session.url)
    page.get_by_role("link", name="Back to Sandbox Company").click()
    page.wait_for_url(merchant + "/cancelled")
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "open"

    stripe_client.v1.checkout.sessions.expire(session.id)
    response = page.goto(session.url)
    assert response is not None and response.status == 410
    assert page.get_by_role("heading", name="This checkout session has expired").is_visible()
    assert page.get_by_role("button").count() == 0
    shot(page, "checkout-expired")

    missing = page.goto(session.url.rsplit("/", 1)[0] + "/cs_test_unknown")
    assert missing is not None and missing.status == 404
    assert page.get_by_role("heading", name="Something went wrong").is_visible()
    shot(page, "checkout-not-found")


@pytest.mark.parametrize(
    ("number", "cvc", "message"),
    [
        ("4000000000009995", "123", "Your card has insufficient funds."),
        ("4000000000000127", "123", "Your card's security code is incorrect."),
        ("4000000000000069", "123", "Your card has expired."),
        ("4242424242424241", "123", "Your card number is incorrect."),
        ("", "123", "Your card number is incomplete."),
        ("4242424242424242", "", "Your card's security code is incomplete."),
    ],
    ids=["insufficient-funds", "incorrect-cvc", "expired-card", "bad-luhn", "no-number", "no-cvc"],
)
def test_each_refusal_re_renders_the_form_with_stripes_message(
    stripe_client: Any, merchant: str, number: str, cvc: str, message: str
) -> None:
    session = new_session(stripe_client, merchant)
    form = {"cardnumber": number, "exp-date": "12 / 34", "cvc": cvc, "name": "A Customer"}
    response = requests.post(session.url, data=form, allow_redirects=False, timeout=30)
    assert response.status_code in (400, 402)
    assert message.replace("'", "&#39;") in response.text
    assert 'id="payment-form"' in response.text
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_setup_mode_saves_the_card_to_the_customer(page: Any, stripe_client: Any, merchant: str) -> None:
    customer = stripe_client.v1.customers.create({"email": "ap@initech.example", "name": "Initech Inc"})
    session = stripe_client.v1.checkout.sessions.create(
        {
            "mode": "setup",
            "customer": customer.id,
            "currency": "usd",
            "success_url": merchant + "/saved?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": merchant + "/cancelled",
            "setup_intent_data": {"metadata": {"netsuite_customer_id": "104"}},
        }
    )
    page.goto(session.url)
    assert page.get_by_label("Email").input_value() == "ap@initech.example"
    assert page.get_by_test_id("save-agreement").is_visible()
    fill_card(page, "5555 5555 5555 4444", name="Initech AP")
    shot(page, "checkout-setup-mode")
    page.get_by_role("button", name="Save card").click()
    page.wait_for_url(f"{merchant}/saved?session_id={session.id}")
    done = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete" and done.setup_intent is not None
    intent = stripe_client.v1.setup_intents.retrieve(done.setup_intent)
    assert intent.status == "succeeded" and intent.metadata.to_dict() == {"netsuite_customer_id": "104"}
    saved = stripe_client.v1.payment_methods.retrieve(intent.payment_method)
    assert (saved.customer, saved.card.brand, saved.card.last4) == (customer.id, "mastercard", "4444")


def test_bank_account_pays_by_ach_debit_and_settles_on_the_clock(
    page: Any, stripe_client: Any, stripe_sandbox: RunningServer, merchant: str
) -> None:
    """A session offering `us_bank_account`: the customer picks the bank account, accepts the mandate and
    pays; the session completes unpaid with the debit processing, and the clock settles it
    (checkout.session.async_payment_succeeded)."""
    session = new_session(stripe_client, merchant, payment_method_types=["card", "us_bank_account"])
    page.goto(session.url)
    page.get_by_label("US bank account").check()
    assert page.get_by_label("Card number").is_hidden()  # only the chosen method's fields show
    page.get_by_label("Account holder name").fill("Wile E. Coyote")
    page.get_by_label("Routing number").fill("110000000")
    page.get_by_label("Account number", exact=True).fill("000123456789")
    page.get_by_label("Confirm account number").fill("000123456789")
    shot(page, "checkout-bank-filled")
    page.get_by_role("button", name="Pay $1,500.00").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "debit authorisation" in alert.inner_text()
    assert page.get_by_label("I accept the debit authorisation below").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Account holder name").input_value() == "Wile E. Coyote"
    shot(page, "checkout-bank-mandate-missing")
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).payment_intent is None

    page.get_by_label("Account number", exact=True).fill("000123456789")
    page.get_by_label("Confirm account number").fill("000123456789")
    page.get_by_label("I accept the debit authorisation below").check()
    page.get_by_role("button", name="Pay $1,500.00").click()
    page.wait_for_url(f"{merchant}/paid?session_id={session.id}")

    done = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "unpaid")
    intent = stripe_client.v1.payment_intents.retrieve(done.payment_intent, {"expand": ["latest_charge"]})
    assert (intent.status, intent.amount) == ("processing", 150000)
    charge = intent.latest_charge
    assert charge.status == "pending" and charge.payment_method_details.us_bank_account.last4 == "6789"
    mandate = stripe_client.v1.mandates.retrieve(charge.payment_method_details.us_bank_account.mandate)
    assert mandate.customer_acceptance.type == "online"

    # ACH "can take up to 4 business days": a week later it has settled, whatever the weekday.
    advance = f"{stripe_sandbox.url}/_sandbox/clock/advance"
    requests.post(advance, json={"days": 7}, timeout=60).raise_for_status()
    settled = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert settled.payment_status == "paid"
    assert stripe_client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    types = event_types_for(stripe_client, {session.id, intent.id, charge.id})
    for expected in (
        "checkout.session.completed", "checkout.session.async_payment_succeeded", "payment_intent.processing",
        "payment_intent.succeeded", "charge.pending", "charge.succeeded",
    ):
        assert types.count(expected) == 1, types
