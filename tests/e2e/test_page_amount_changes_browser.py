"""A customer in a real browser while NetSuite changes under the open page: Stripe's Checkout then asks for
what NetSuite says is due, and only after our page showed it. The cases are in
tests/integration/test_page_amount_changes.py; this one proves the browser's own form carries what it showed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import LiveWebapp
from tests.e2e.webapp_support import attempts, token_for
from tests.integration.conftest import NetSuiteSandboxClient
from tests.servers import RunningServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_an_invoice_paid_down_while_its_page_is_open_is_shown_again_then_charged_what_is_due(
    page: Any, live_webapp: LiveWebapp, netsuite_sandbox: RunningServer, stripe_client: Any, shot: Any
) -> None:
    ns = NetSuiteSandboxClient(netsuite_sandbox.url)
    page.goto(f"{live_webapp.url}/pay/i/{token_for(live_webapp.app, 'invoice', '1021')}")
    assert page.locator(".pay-total strong").inner_text() == "€2,150.00"
    ns.create("customerPayment", {
        "customer": {"id": "105"}, "currency": {"id": "4"}, "payment": 150.0, "undepFunds": {"id": "T"},
        "tranDate": "2026-10-01",
        "apply": {"items": [{"doc": {"id": "1021"}, "apply": True, "amount": 150.0}]},
    })  # fmt: skip
    [row] = ns.rows("SELECT foreignamountunpaid FROM transaction WHERE id = 1021")
    due = Decimal(str(row["foreignamountunpaid"]))

    page.click("button.pay-button")

    error = page.locator("#amount-error")
    error.wait_for()
    assert f"it is now €{due:,.2f}" in error.inner_text() and "Nothing was charged" in error.inner_text()
    assert page.locator(".pay-total strong").inner_text() == f"€{due:,.2f}"
    assert attempts(live_webapp.app) == []
    shot(page, "shown-again")

    page.click("button.pay-button")
    page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
    [attempt] = attempts(live_webapp.app)
    session = stripe_client.v1.checkout.sessions.retrieve(attempt.checkout_session_id)
    assert session.amount_total == int(due * 100) and session.currency == "eur"
