"""The `returns` blueprint: where Checkout sends the customer back (paid or cancelled), and a status feed.

The outcome always comes from the state DB, which only webhooks move to paid or failed; the redirect's
query string is never trusted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template

from stripe_netsuite.links import LinkTarget
from stripe_netsuite.payments.service import cancel_attempt
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.payments import PaymentAttempt
from webapp.pay import page_url
from webapp.services import get_engine_for_app, get_services

__all__ = ["bp"]

bp = Blueprint("returns", __name__, url_prefix="/pay/return")

# What the customer reads for each attempt status, and whether the page should keep checking.
_STATUS = {
    "created": ("processing", "We are waiting for confirmation of your payment.", False),
    "open": ("processing", "We are waiting for confirmation of your payment.", False),
    "processing": (
        "processing",
        "Your payment is being processed. This can take a few days for bank "
        "payments; you can close this page.",
        False,
    ),
    "paid": ("paid", "Thank you, your payment has been received.", True),
    "failed": ("failed", "Your payment did not go through. Nothing was charged.", True),
    "expired": ("failed", "This payment session expired. Nothing was charged.", True),
    "canceled": ("failed", "This payment was cancelled. Nothing was charged.", True),
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


def _target_of(attempt: PaymentAttempt) -> LinkTarget:
    if attempt.link_kind == "invoice" and attempt.netsuite_invoice_ids:
        return LinkTarget("invoice", attempt.netsuite_invoice_ids[0])
    return LinkTarget("customer", attempt.netsuite_customer_id)


def _status(attempt: PaymentAttempt) -> dict[str, Any]:
    state, message, final = _STATUS[attempt.status]
    return {"status": state, "message": message, "final": final}


@bp.get("/<attempt_id>")
def result(attempt_id: str) -> Any:
    attempt = _attempt(attempt_id)
    return render_template(
        "result.html", attempt=attempt, state=_status(attempt), back_url=page_url(_target_of(attempt))
    )


@bp.get("/<attempt_id>/status")
def status(attempt_id: str) -> Any:
    return jsonify(_status(_attempt(attempt_id)))


@bp.get("/<attempt_id>/cancel")
def cancel(attempt_id: str) -> Any:
    attempt = _attempt(attempt_id)
    updated = cancel_attempt(get_services(), attempt.id, datetime.now(UTC)) or attempt
    if updated.status == "canceled":
        flash("Payment cancelled. Nothing was charged.")
    return redirect(page_url(_target_of(updated)), 303)
