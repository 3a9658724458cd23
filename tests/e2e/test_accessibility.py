"""Every state of the payment pages and of the hosted Checkout page, checked with axe-core in chromium.

Any violation of WCAG 2.1 A/AA or axe's best practices fails (the issue demands none serious or critical);
each state is also kept as a screenshot under test-artifacts/e2e/ to look at.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveWebapp
from tests.e2e.test_payment_pages import open_link, pay_on_checkout
from tests.e2e.webapp_support import attempts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def check(page: Any, shot: Any, state: str) -> None:
    shot(page, state)
    assert_accessible(page, state)


def test_customer_pages_in_every_state(page: Any, live_webapp: LiveWebapp, shot: Any) -> None:
    open_link(page, live_webapp, "customer", "102")
    check(page, shot, "customer")
    page.check("#inv-1001")
    page.check("#inv-1002")
    check(page, shot, "statement-pay")
    page.click("a.tab >> text=EUR")
    page.wait_for_url(re.compile(r".*currency=EUR"))
    check(page, shot, "customer-second-currency")
    page.fill("#amount", "abc")
    page.click("button.pay-button")
    page.locator("#amount-error").wait_for()
    check(page, shot, "customer-amount-error")
    open_link(page, live_webapp, "customer", "108")
    page.locator("#rounding-hint").wait_for()
    check(page, shot, "customer-kwd-rounding")
    open_link(page, live_webapp, "customer", "101")
    check(page, shot, "customer-nothing-to-pay")


def test_invoice_pages_in_every_state(page: Any, live_webapp: LiveWebapp, shot: Any) -> None:
    open_link(page, live_webapp, "invoice", "1026")
    check(page, shot, "invoice")
    open_link(page, live_webapp, "invoice", "1038")
    check(page, shot, "invoice-kwd")
    open_link(page, live_webapp, "invoice", "1004")
    check(page, shot, "invoice-already-paid")


def test_error_pages(page: Any, live_webapp: LiveWebapp, shot: Any) -> None:
    page.goto(f"{live_webapp.url}/pay/c/not-a-link")
    assert page.locator("h1").inner_text() == "Link not found"
    check(page, shot, "error-404")
    open_link(page, live_webapp, "customer", "104")
    page.evaluate("() => { document.querySelector('input[name=csrf_token]').value = 'stale'; }")
    page.click("button.pay-button")
    page.locator("#retry-link").wait_for()
    check(page, shot, "error-400-with-way-back")
    page.click("#retry-link")
    page.locator("#amount").wait_for()  # back on the payment page, nothing re-sent


def test_checkout_and_return_pages_in_every_state(page: Any, live_webapp: LiveWebapp, shot: Any) -> None:
    open_link(page, live_webapp, "customer", "107")
    page.fill("#amount", "25.00")
    page.click("button.pay-button")
    page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
    checkout_url = page.url
    check(page, shot, "hosted-checkout")
    pay_on_checkout(page, "4000 0000 0000 0002")
    page.locator("[data-testid=error-message]").wait_for()
    check(page, shot, "hosted-checkout-declined")
    attempt = next(a for a in attempts(live_webapp.app) if a.netsuite_customer_id == "107")
    page.goto(f"{live_webapp.url}/pay/return/{attempt.id}")
    page.locator('#payment-status[data-status="processing"]').wait_for()
    check(page, shot, "return-processing")
    page.goto(checkout_url)
    pay_on_checkout(page, "4000 0027 6000 3184")
    page.locator("text=3D Secure authentication").wait_for()
    check(page, shot, "hosted-3d-secure")
    page.click("text=Complete authentication")
    page.wait_for_url(re.compile(r".*/pay/return/.*"))
    page.locator("#receipt-link").wait_for(timeout=30_000)
    check(page, shot, "return-paid")
    page.goto(checkout_url)
    page.locator("text=Thanks for your payment").wait_for()
    check(page, shot, "hosted-checkout-complete")


def test_mobile_customer_page(browser: Any, live_webapp: LiveWebapp, shot: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="de-DE")
    page = context.new_page()
    open_link(page, live_webapp, "customer", "102")
    check(page, shot, "mobile-customer")
    context.close()
