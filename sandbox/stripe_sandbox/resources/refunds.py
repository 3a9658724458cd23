"""Refunds: full or partial, on a charge or a PaymentIntent, at the refund day's exchange rate."""

from __future__ import annotations

import copy
from typing import Any

from .. import cards, errors, money
from ..events import emit
from ..listing import list_objects
from ..params import Params
from ..state import Ctx
from .balance import add_transaction
from .crud import list_route, update_route
from .routing import Route

NOUN = "refund"
# How long after it is created a refund of Stripe's test card ...5126 fails (Stripe: "some time later").
REFUND_FAILS_AFTER = 60


def _refundable_charge(ctx: Ctx, params: Params) -> dict[str, Any]:
    charge_id = params.text("charge")
    intent_id = params.text("payment_intent")
    if charge_id and intent_id:
        raise errors.invalid(
            "You may only specify one of these parameters: charge, payment_intent.", "charge"
        )
    if intent_id:
        pi = ctx.load(intent_id, "payment_intent", "payment_intent", "payment_intent")
        if pi["status"] != "succeeded" or not pi.get("latest_charge"):
            raise errors.invalid(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                "payment_intent",
                "charge_not_refundable" if pi["status"] != "succeeded" else None,
            )
        charge_id = pi["latest_charge"]
    if not charge_id:
        raise errors.missing("charge")
    return ctx.load(charge_id, "charge", "charge", "charge" if params.text("charge") else "payment_intent")


def create(ctx: Ctx, params: Params) -> dict[str, Any]:
    charge = _refundable_charge(ctx, params)
    if charge["status"] != "succeeded" or not charge["captured"]:
        raise errors.invalid(f"Charge {charge['id']} has not been captured and cannot be refunded.", "charge")
    if charge["disputed"]:
        raise errors.invalid(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            "charge",
            "charge_disputed",
        )
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        raise errors.invalid(
            f"Charge {charge['id']} has already been refunded.", "charge", "charge_already_refunded"
        )
    amount = params.integer("amount", minimum=1)
    amount = remaining if amount is None else amount
    if amount > remaining:
        currency = charge["currency"]
        raise errors.invalid(
            f"Refund amount ({money.format_amount(amount, currency)}) is greater than unrefunded amount on "
            "charge "
            f"({money.format_amount(remaining, currency)})",
            "amount",
            "amount_too_large",
        )
    reason = params.enum("reason", ["duplicate", "fraudulent", "requested_by_customer"])
    refund_id = ctx.new_id("re")
    # The refund leaves the balance at today's rate, not the charge's (connector-behaviour detail 5).
    conversion = money.convert(amount, charge["currency"], ctx.settles_in(charge["currency"]), ctx.now)
    method = charge["payment_method_details"]["type"]
    txn = add_transaction(
        ctx,
        # Stripe: `refund` for card charges, `payment_refund` for local payment methods (bank debits).
        kind="refund" if method == "card" else "payment_refund",
        reporting_category="refund",
        source=refund_id,
        amount=-conversion.amount,
        currency=conversion.currency,
        description="REFUND FOR CHARGE"
        + (f" ({charge['description']})" if charge.get("description") else ""),
        exchange_rate=conversion.exchange_rate,
    )
    refund: dict[str, Any] = {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": txn["id"],
        "charge": charge["id"],
        "created": ctx.now,
        "currency": charge["currency"],
        "customer": charge.get("customer"),
        "customer_account": None,
        "destination_details": {
            "card": {
                # Stripe leaves `reference` out until the acquirer reference number exists.
                "reference_status": "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        }
        if method == "card"
        else {"type": method},
        "metadata": params.metadata() or {},
        "payment_intent": charge.get("payment_intent"),
        "payment_method": charge.get("payment_method"),
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    ctx.insert(refund, due=_failure_due(ctx, charge))
    before = copy.deepcopy(charge)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    ctx.save(charge)
    emit(ctx, "charge.refunded", charge, before)
    emit(ctx, "refund.created", refund)
    return refund


def _failure_due(ctx: Ctx, charge: dict[str, Any]) -> int | None:
    """When a refund of this charge fails: Stripe's test card ...5126 fails every refund "some time later"."""
    card = charge["payment_method_details"].get("card") or {}
    return ctx.now + REFUND_FAILS_AFTER if cards.refund_fails(str(card.get("fingerprint"))) else None


def fail_refund(ctx: Ctx, refund: dict[str, Any]) -> dict[str, Any]:
    """The refund failed (scheduler): the money returns to the balance by a `refund_failure` transaction that
    reverses the refund's own, the charge counts it as refunded no more, and `charge.refund.updated` tells."""
    if refund["status"] not in ("pending", "succeeded"):
        return ctx.save(refund, due=None)
    original = ctx.load(refund["balance_transaction"], "balance_transaction", "balance_transaction", "id")
    txn = add_transaction(
        ctx,
        kind="refund_failure",
        reporting_category="refund_failure",
        source=refund["id"],
        amount=-original["amount"],
        currency=original["currency"],
        description="REFUND FAILURE",
        exchange_rate=original["exchange_rate"],
    )
    before = copy.deepcopy(refund)
    refund.update(
        status="failed", failure_reason="expired_or_canceled_card", failure_balance_transaction=txn["id"]
    )
    ctx.save(refund, due=None)
    charge = ctx.load(refund["charge"], "charge", "charge", "charge")
    charge["amount_refunded"] -= refund["amount"]
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    ctx.save(charge)
    emit(ctx, "charge.refund.updated", refund, before)
    emit(ctx, "refund.updated", refund, before)
    return refund


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "refund", NOUN, "refund")


def list_charge_refunds(ctx: Ctx, params: Params, charge: str) -> dict[str, Any]:
    ctx.load(charge, "charge", "charge", "charge")
    return list_objects(ctx, "refund", params, f"/v1/charges/{charge}/refunds", {"charge": charge})


ROUTES = [
    Route("POST", "/v1/refunds", create),
    list_route("/v1/refunds", "refund", "charge", "payment_intent"),
    Route("GET", "/v1/refunds/{id}", retrieve),
    update_route("/v1/refunds/{id}", "refund", NOUN, "refund"),
    Route("GET", "/v1/charges/{charge}/refunds", list_charge_refunds),
]
