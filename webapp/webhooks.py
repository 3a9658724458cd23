"""The `webhooks` blueprint: Stripe events, verified on the raw body, recorded once, then Airflow is asked."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import stripe
from flask import Blueprint, jsonify, request

from stripe_netsuite.payments.events import handle_event
from webapp.services import get_airflow, get_engine_for_app, get_settings

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/stripe")
def stripe_webhook() -> Any:
    payload = request.get_data(cache=False)  # the exact bytes Stripe signed
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return jsonify(error="missing Stripe-Signature header"), 400
    secret = get_settings().require("STRIPE_WEBHOOK_SECRET")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=300)
    except stripe.SignatureVerificationError:
        return jsonify(error="bad or expired signature"), 400
    except ValueError:
        return jsonify(error="payload is not a Stripe event"), 400
    outcome = handle_event(get_engine_for_app(), event.to_dict(), datetime.now(UTC))
    if outcome.duplicate:
        return jsonify(received=True, duplicate=True)
    airflow = get_airflow()
    if outcome.dag_id and airflow is not None:
        airflow.trigger(outcome.dag_id, {"stripe_event_id": event.id, "stripe_event_type": event.type})
    return jsonify(received=True)
