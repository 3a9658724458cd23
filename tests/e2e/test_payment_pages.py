"""A customer in a real browser: payment link -> amount -> Stripe's hosted Checkout -> back to us."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import LiveWebapp
from tests.e2e.webapp_support import attempts, consents, token_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def open_link(page: Any, live: LiveWebapp, kind: str, netsuite_id: str) -> None:
    page.goto(f"{live.url}/pay/{kind[0]}/{token_for(live.app, kind, netsuite_id)}")


def pay_on_checkout(page: Any, card: str, email: str = "payer@example.com") -> None:
    page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
    if not page.locator("#email").input_value():
        page.fill("#email", email)
    page.fill("#cardnumber", card)
    page.fill("#exp-date", "12 / 34")
    page.fill("#cvc", "123")
    page.fill("#name", "Pat Payer")
    page.click("#pay-button")


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("condition not met in time")


def business_of(stripe_client: Any) -> str:
    """The public business name of the Stripe account (what Stripe's Checkout page shows)."""
    return str(stripe_client.v1.accounts.retrieve_current().business_profile.name)


def test_customer_lowers_the_amount_pays_and_sees_paid(
    page: Any, live_webapp: LiveWebapp, stripe_client: Any, shot: Any
) -> None:
    business = business_of(stripe_client)
    open_link(page, live_webapp, "customer", "104")
    assert page.locator("h1").inner_text() == f"Pay {business}"
    assert page.locator(".balance").inner_text() == "$5,275.24"
    shot(page, "1-customer-page")
    page.fill("#amount", "150.25")
    page.click("button.pay-button")
    page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
    assert "150.25" in page.locator("[data-testid=total-amount]").inner_text()
    assert page.locator(".lead").inner_text() == f"Pay {business}"  # the name our page showed
    shot(page, "2-checkout")
    pay_on_checkout(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r".*/pay/return/.*"))
    shot(page, "3-return-before-webhook")
    page.locator('#payment-status[data-status="paid"]').wait_for(timeout=30_000)
    assert page.locator(".status-label").inner_text() == "Paid"
    assert page.locator("#refresh-hint").is_hidden()
    attempt = next(a for a in attempts(live_webapp.app) if a.netsuite_customer_id == "104")
    assert (attempt.status, attempt.amount_minor, attempt.currency) == ("paid", 15025, "USD")
    assert attempt.payment_intent_id and attempt.payment_intent_id.startswith("pi_")
    # What Stripe's own confirmation shows appears once the page learns it is paid, without a reload.
    charge = stripe_client.v1.payment_intents.retrieve(
        attempt.payment_intent_id, {"expand": ["latest_charge"]}
    ).latest_charge
    card = charge.payment_method_details.card
    page.locator("#receipt-link").wait_for()
    assert page.locator('[data-field="card"]').inner_text() == f"{card.brand.title()} ending in {card.last4}"
    assert page.locator("#receipt-link a").get_attribute("href") == charge.receipt_url
    assert page.locator('[data-field="amount"]').inner_text() == f"${Decimal(charge.amount).scaleb(-2):,.2f}"
    assert page.locator('[data-field="date"]').is_visible()
    shot(page, "4-return-paid")
    page.reload()
    assert page.locator('[data-field="card"]').inner_text() == f"{card.brand.title()} ending in {card.last4}"


def test_declined_card_is_not_paid_and_back_releases_the_amount(
    page: Any, live_webapp: LiveWebapp, shot: Any
) -> None:
    open_link(page, live_webapp, "customer", "103")
    page.fill("#amount", "700.00")
    page.click("button.pay-button")
    pay_on_checkout(page, "4000 0000 0000 0002")
    page.locator("[data-testid=error-message]").wait_for()
    assert "declined" in page.locator("[data-testid=error-message]").inner_text().lower()
    shot(page, "1-declined")
    attempt = next(a for a in attempts(live_webapp.app) if a.netsuite_customer_id == "103")
    wait_for(lambda: next(a for a in attempts(live_webapp.app) if a.id == attempt.id).failure_message)
    assert next(a for a in attempts(live_webapp.app) if a.id == attempt.id).status == "open"
    page.click("[data-testid=back-link]")
    page.wait_for_url(re.compile(r".*/pay/c/.*"))
    assert "Nothing was charged" in page.locator(".notice").first.inner_text()
    assert page.locator("#amount").input_value() == "1450.00"  # the whole balance is payable again
    shot(page, "2-back-on-page")
    assert next(a for a in attempts(live_webapp.app) if a.id == attempt.id).status == "canceled"


def test_ticking_invoices_sets_the_amount_with_the_keyboard(
    page: Any, live_webapp: LiveWebapp, shot: Any
) -> None:
    open_link(page, live_webapp, "customer", "102")
    assert page.locator("#amount").input_value() == "2900.00"
    page.focus("#inv-1002")
    page.keyboard.press("Space")
    assert page.locator("#amount").input_value() == "1400.00"
    page.check("#inv-1001")
    assert page.locator("#amount").input_value() == "2900.00"
    page.uncheck("#inv-1002")
    assert page.locator("#amount").input_value() == "1500.00"
    shot(page, "1-invoice-ticked")
    page.uncheck("#inv-1001")
    assert page.locator("#amount").input_value() == "2900.00"


def test_ticking_a_kwd_invoice_proposes_what_stripe_can_charge(
    page: Any, live_webapp: LiveWebapp, shot: Any
) -> None:
    open_link(page, live_webapp, "customer", "108")
    assert page.locator("#amount").input_value() == "1530.870"
    page.check("#inv-1038")  # KWD 280.125 due; Stripe charges three-decimal amounts in steps of 0.010
    assert page.locator("#amount").input_value() == "280.120"
    assert "KWD\xa00.005" in page.locator("#rounding-hint").inner_text()
    shot(page, "kwd-invoice-ticked")  # not paid here: test_invoice_links_render_exact_amounts pays INV1038


@pytest.mark.parametrize(
    ("invoice", "due", "payable"),
    [("1026", "¥125,000", "¥125,000"), ("1038", "KWD 280.125", "KWD 280.120")],
    ids=["jpy-106", "kwd-108"],
)
def test_invoice_links_render_exact_amounts(
    page: Any, live_webapp: LiveWebapp, shot: Any, invoice: str, due: str, payable: str
) -> None:
    open_link(page, live_webapp, "invoice", invoice)
    assert page.locator("h1").inner_text() == f"Invoice INV{invoice}"
    assert page.locator(".balance").inner_text().replace("\xa0", " ") == due
    assert page.locator(".pay-total strong").inner_text().replace("\xa0", " ") == payable
    shot(page, "invoice-page")
    page.click("button.pay-button")
    page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
    shot(page, "checkout")
    total = page.locator("[data-testid=total-amount]").inner_text()
    assert re.sub(r"[^0-9.]", "", total) == re.sub(r"[^0-9.]", "", payable)


def test_saving_the_payment_method_records_consent_and_saves_the_card(
    page: Any, live_webapp: LiveWebapp, stripe_client: Any, shot: Any
) -> None:
    open_link(page, live_webapp, "customer", "110")
    page.fill("#amount", "33.33")
    page.check("#save_payment_method")
    shot(page, "1-save-ticked")
    page.click("button.pay-button")
    page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
    assert business_of(stripe_client) in page.locator("[data-testid=save-agreement]").inner_text()
    pay_on_checkout(page, "4242424242424242")
    page.locator('#payment-status[data-status="paid"]').wait_for(timeout=30_000)
    attempt = next(a for a in attempts(live_webapp.app) if a.netsuite_customer_id == "110")
    wait_for(
        lambda: any(
            c.payment_method_id for c in consents(live_webapp.app) if c.payment_attempt_id == attempt.id
        )
    )
    [consent] = [c for c in consents(live_webapp.app) if c.payment_attempt_id == attempt.id]
    business = business_of(stripe_client)
    assert consent.text_shown.startswith(f"I authorise {business} ") and consent.ip == "127.0.0.1"
    assert "Chrome" in (consent.user_agent or "")
    methods = stripe_client.v1.customers.payment_methods.list(attempt.stripe_customer_id)
    assert consent.payment_method_id in [method.id for method in methods.data]
    shot(page, "2-paid")


def test_mobile_layout(browser: Any, live_webapp: LiveWebapp, shot: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="de-DE")
    page = context.new_page()
    open_link(page, live_webapp, "customer", "105")
    assert page.locator(".balance").inner_text().replace("\xa0", " ") == "4.250,00 €"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing forces sideways scrolling
    shot(page, "mobile-de")
    context.close()
