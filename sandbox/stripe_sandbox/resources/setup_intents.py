"""SetupIntents: save a card for later (off-session) use; success attaches it to the customer."""

from __future__ import annotations

import copy
from typing import Any

from .. import cards, errors
from ..events import emit, public
from ..params import Params, merge_metadata
from ..state import Ctx
from .crud import list_route
from .intents import authentication_failed
from .payment_methods import attach_to_customer, card_of, resolve_payment_method
from .routing import Route

NOUN = "setupintent"


def new_setup_intent(
    ctx: Ctx,
    *,
    customer: str | None,
    usage: str = "off_session",
    metadata: dict[str, str] | None = None,
    description: str | None = None,
    payment_method: str | None = None,
) -> dict[str, Any]:
    seti_id = ctx.new_id("seti")
    intent: dict[str, Any] = {
        "id": seti_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": None,
        "cancellation_reason": None,
        "client_secret": f"{seti_id}_secret_{ctx.new_id('secret')[7:]}",
        "created": ctx.now,
        "customer": customer,
        "description": description,
        "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": metadata or {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": payment_method,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {"mandate_options": None, "network": None, "request_three_d_secure": "automatic"}
        },
        "payment_method_types": ["card"],
        "single_use_mandate": None,
        "status": "requires_confirmation" if payment_method else "requires_payment_method",
        "usage": usage,
    }
    ctx.insert(intent)
    emit(ctx, "setup_intent.created", intent)
    return intent


def attempt(ctx: Ctx, intent: dict[str, Any], authenticated: bool = False) -> dict[str, Any]:
    before = copy.deepcopy(intent)
    pm = ctx.load(intent["payment_method"], "payment_method", "PaymentMethod", "payment_method")
    card = card_of(pm)
    if card.decline and card.attach_declines:
        code, message = cards.decline_error(card.decline)
        intent["last_setup_error"] = {
            "code": code,
            "decline_code": card.decline,
            "doc_url": errors.DOCS + code,
            "message": message,
            "payment_method": public(pm),
            "type": "card_error",
        }
        intent["payment_method"] = None
        intent["status"] = "requires_payment_method"
        ctx.save(intent)
        emit(ctx, "setup_intent.setup_failed", intent, before)
        raise errors.StripeError(
            402,
            message,
            type="card_error",
            code=code,
            decline_code=card.decline,
            commit=True,
            extra={"setup_intent": public(intent), "payment_method": public(pm)},
        )
    if card.three_ds and not authenticated:
        intent["status"] = "requires_action"
        url = f"{ctx.base_url}/_sandbox/authenticate/{intent['id']}"
        intent["next_action"] = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url},
        }
        ctx.save(intent)
        emit(ctx, "setup_intent.requires_action", intent, before)
        return intent
    intent["status"] = "succeeded"
    intent["next_action"] = None
    intent["last_setup_error"] = None
    if intent.get("customer"):
        attach_to_customer(ctx, pm, intent["customer"], for_off_session=intent["usage"] == "off_session")
    ctx.save(intent)
    emit(ctx, "setup_intent.succeeded", intent, before)
    return intent


def fail_authentication(ctx: Ctx, intent: dict[str, Any]) -> dict[str, Any]:
    """The customer failed the 3-D Secure challenge of a SetupIntent in requires_action."""
    if intent["status"] != "requires_action":
        raise errors.state_error(
            f"SetupIntent {intent['id']} does not require action (status {intent['status']}).",
            code="setup_intent_unexpected_state",
        )
    return authentication_failed(
        ctx,
        intent,
        error_field="last_setup_error",
        code="setup_intent_authentication_failure",
        message="The latest attempt to set up the payment method has failed because authentication failed.",
        event="setup_intent.setup_failed",
    )


def create(ctx: Ctx, params: Params) -> dict[str, Any]:
    from .lookup import load_customer

    customer = params.text("customer")
    if customer:
        load_customer(ctx, customer)
    types = params.strings("payment_method_types")
    if any(kind != "card" for kind in types):
        raise errors.invalid(
            "The sandbox supports only the `card` payment method type.", "payment_method_types"
        )
    reference = params.text("payment_method")
    pm = resolve_payment_method(ctx, reference) if reference else None
    intent = new_setup_intent(
        ctx,
        customer=customer,
        usage=params.enum("usage", ["off_session", "on_session"], default="off_session") or "off_session",
        metadata=params.metadata(),
        description=params.text("description"),
        payment_method=pm["id"] if pm else None,
    )
    if params.flag("confirm", False):
        return _confirm(ctx, intent)
    return intent


def _confirm(ctx: Ctx, intent: dict[str, Any]) -> dict[str, Any]:
    if intent["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise errors.state_error(
            f"You cannot confirm this SetupIntent because it has a status of {intent['status']}.",
            code="setup_intent_unexpected_state",
            setup_intent=public(intent),
        )
    if not intent.get("payment_method"):
        raise errors.state_error(
            "You cannot confirm this SetupIntent because it's missing a payment method.",
            code="setup_intent_unexpected_state",
            setup_intent=public(intent),
        )
    return attempt(ctx, intent)


def confirm(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    intent = ctx.load(id, "setup_intent", NOUN, "intent")
    reference = params.text("payment_method")
    if reference and intent["status"] in ("requires_payment_method", "requires_confirmation"):
        intent["payment_method"] = resolve_payment_method(ctx, reference)["id"]
    return _confirm(ctx, intent)


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "setup_intent", NOUN, "intent")


def update(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    intent = ctx.load(id, "setup_intent", NOUN, "intent")
    intent["metadata"] = merge_metadata(intent["metadata"], params.metadata())
    if "description" in params:
        intent["description"] = params.text("description") or None
    return ctx.save(intent)


def cancel(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    intent = ctx.load(id, "setup_intent", NOUN, "intent")
    if intent["status"] in ("succeeded", "canceled"):
        raise errors.state_error(
            f"You cannot cancel this SetupIntent because it has a status of {intent['status']}.",
            code="setup_intent_unexpected_state",
            setup_intent=public(intent),
        )
    before = copy.deepcopy(intent)
    intent["status"] = "canceled"
    intent["cancellation_reason"] = params.enum(
        "cancellation_reason", ["abandoned", "duplicate", "requested_by_customer"]
    )
    ctx.save(intent)
    emit(ctx, "setup_intent.canceled", intent, before)
    return intent


ROUTES = [
    Route("POST", "/v1/setup_intents", create),
    list_route("/v1/setup_intents", "setup_intent", "customer"),
    Route("GET", "/v1/setup_intents/{id}", retrieve),
    Route("POST", "/v1/setup_intents/{id}", update),
    Route("POST", "/v1/setup_intents/{id}/confirm", confirm),
    Route("POST", "/v1/setup_intents/{id}/cancel", cancel),
]
