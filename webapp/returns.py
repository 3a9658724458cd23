"""The `returns` blueprint: where Checkout sends the customer back (paid or cancelled), and a status feed.

The outcome always comes from the state DB, which only webhooks move to paid or failed; the redirect's
query string is never trusted.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import stripe
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template

from stripe_netsuite.links import LinkTarget
from stripe_netsuite.payments.cache import TTLCache
from stripe_netsuite.payments.receipts import PaymentReceipt, card_label, fetch_payment_receipt
from stripe_netsuite.payments.service import cancel_attempt
from stripe_netsuite.store.attempt_status import AttemptStatus
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.payments import PaymentAttempt
from webapp.i18n import format_day, format_money
from webapp.pay import page_url
from webapp.services import get_engine_for_app, get_services, get_stripe

__all__ = ["bp"]

bp = Blueprint("returns", __name__, url_prefix="/pay/return")

log = logging.getLogger(__name__)

# What the customer reads for each attempt status, and whether the page should keep checking.
_STATUS = {
    AttemptStatus.CREATED: ("processing", "We are waiting for confirmation of your payment.", False),
    AttemptStatus.OPEN: ("processing", "We are waiting for confirmation of your payment.", False),
    AttemptStatus.PROCESSING: (
        "processing",
        "Your payment is being processed. This can take a few days for bank "
        "payments; you can close this page.",
        False,
    ),
    AttemptStatus.PAID: ("paid", "Thank you, your payment has been received.", True),
    AttemptStatus.FAILED: ("failed", "Your payment did not go through. Nothing was charged.", True),
    AttemptStatus.EXPIRED: ("failed", "This payment session expired. Nothing was charged.", True),
    AttemptStatus.CANCELED: ("failed", "This payment was cancelled. Nothing was charged.", True),
}


def _attempt(attempt_id: str) -> PaymentAttempt:
    try:
        uuid.UUID(attempt_id)
    except ValueError:
        abort(404)
    with session_scope(get_engine_for_app()) as session:
        attempt = session.get(PaymentAttempt, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def _back_url(attempt: PaymentAttempt) -> str:
    """The page the payment came from (a customer page on the payment's currency)."""
    if attempt.link_kind == "invoice" and attempt.netsuite_invoice_ids:
        return page_url(LinkTarget("invoice", attempt.netsuite_invoice_ids[0]))
    return page_url(LinkTarget("customer", attempt.netsuite_customer_id), attempt.currency)


def _receipt(attempt: PaymentAttempt) -> PaymentReceipt | None:
    """Stripe's confirmation of a paid attempt (cached: it does not change); None when unavailable."""
    if attempt.status != AttemptStatus.PAID or not attempt.payment_intent_id:
        return None
    cache = cast(
        TTLCache[PaymentReceipt],
        current_app.extensions.setdefault("payment_receipts", TTLCache(ttl=3600.0, max_items=4096)),
    )
    found = cache.get(attempt.id)
    if found is None:
        try:
            found = fetch_payment_receipt(get_stripe(), attempt.payment_intent_id)
        except stripe.StripeError as error:
            # The payment is confirmed by the state DB; the details are a courtesy the page can do without.
            log.warning(
                "payment details unavailable from Stripe for attempt %s: %s status=%s code=%s request_id=%s",
                attempt.id,
                type(error).__name__,
                error.http_status,
                error.code,
                error.request_id,
            )
            return None
        if found is not None:
            cache.put(attempt.id, found)
    return found


def _receipt_fields(receipt: PaymentReceipt | None) -> dict[str, str | None] | None:
    """The receipt as the page prints it (the same strings for the page and its poller)."""
    if receipt is None:
        return None
    return {
        "amount": format_money(receipt.amount_minor, receipt.currency),
        "date": format_day(receipt.paid_at.date()),
        "card": card_label(receipt),
        "receipt_url": receipt.receipt_url,
    }


def _status(attempt: PaymentAttempt) -> dict[str, Any]:
    state, message, final = _STATUS[AttemptStatus(attempt.status)]
    return {
        "status": state,
        "message": message,
        "final": final,
        "receipt": _receipt_fields(_receipt(attempt)),
    }


@bp.get("/<attempt_id>")
def result(attempt_id: str) -> Any:
    attempt = _attempt(attempt_id)
    return render_template(
        "result.html", attempt=attempt, state=_status(attempt), back_url=_back_url(attempt)
    )


@bp.get("/<attempt_id>/status")
def status(attempt_id: str) -> Any:
    return jsonify(_status(_attempt(attempt_id)))


@bp.get("/<attempt_id>/cancel")
def cancel(attempt_id: str) -> Any:
    attempt = _attempt(attempt_id)
    updated = cancel_attempt(get_services(), attempt.id, datetime.now(UTC)) or attempt
    if updated.status == AttemptStatus.CANCELED:
        flash("Payment cancelled. Nothing was charged.")
    return redirect(_back_url(updated), 303)
