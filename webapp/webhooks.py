"""The `webhooks` blueprint: Stripe events, verified on the raw body, recorded once; Stripe gets its answer
at once and Airflow is asked from outside the request (webapp/dispatch.py), coalesced."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe
from flask import Blueprint, jsonify, request

from stripe_netsuite.payments.events import handle_event
from webapp.dispatch import dag_for_event
from webapp.services import get_dispatcher, get_engine_for_app, get_settings

__all__ = ["bp"]

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _shape_problem(event: Any) -> str | None:
    """Why a signed payload is not an event this handler can apply, or None (fields handle_event reads)."""
    if not isinstance(event, Mapping):
        return f"the JSON is {type(event).__name__}, not an object"
    for name in ("id", "type"):
        if not isinstance(event.get(name), str) or not event[name]:
            return f"{name!r} is missing or not a string"
    data = event.get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("object"), Mapping):
        return "'data.object' is missing or not an object"
    created = event.get("created")
    if created is not None and (isinstance(created, bool) or not isinstance(created, int)):
        return "'created' is not a Unix timestamp"
    return None


@bp.post("/stripe")
def stripe_webhook() -> Any:
    payload = request.get_data(cache=False)  # the exact bytes Stripe signed
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return jsonify(error="missing Stripe-Signature header"), 400
    secret = get_settings().require("STRIPE_WEBHOOK_SECRET")
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, secret, tolerance=300)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        return jsonify(error="bad or expired signature"), 400
    except ValueError:  # not UTF-8 or not JSON
        log.warning("refused a Stripe webhook: the signed payload is not JSON")
        return jsonify(error="payload is not a Stripe event"), 400
    problem = _shape_problem(event)
    if problem:
        # Signed with our secret yet not an event: answer 400 (a 500 would be retried for three days).
        log.warning("refused a Stripe webhook: %s", problem)
        return jsonify(error=f"payload is not a Stripe event: {problem}"), 400
    outcome = handle_event(get_engine_for_app(), event, datetime.now(UTC), dag_for_event)
    if outcome.duplicate:
        return jsonify(received=True, duplicate=True)
    dispatcher = get_dispatcher()
    if outcome.stripe_ids and dispatcher is not None:
        dispatcher.notify()  # returns at once: the trigger happens on the dispatcher's thread
    return jsonify(received=True)
