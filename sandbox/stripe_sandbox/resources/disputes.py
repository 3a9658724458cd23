"""Disputes: opened by the dispute test card, withdrawn at once with a fee, won or lost by evidence."""

from __future__ import annotations

import copy
from typing import Any

from .. import errors, money
from ..clock import DAY, day_start
from ..events import emit
from ..params import Params, merge_metadata
from ..state import Ctx
from .balance import add_transaction, fee_detail
from .crud import list_route
from .routing import Route

NOUN = "dispute"
EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
CLOSED = ("won", "lost", "warning_closed")


def open_dispute(ctx: Ctx, charge: dict[str, Any]) -> dict[str, Any]:
    """The cardholder disputes `charge`: amount and fee leave the balance now, at today's rate."""
    dispute_id = ctx.new_id("dp")
    currency = charge["currency"]
    conversion = money.convert(charge["amount"], currency, ctx.settles_in(currency), ctx.now)
    fee = ctx.config.dispute_fee
    withdrawal = add_transaction(
        ctx,
        kind="adjustment",
        reporting_category="dispute",
        source=dispute_id,
        amount=-conversion.amount,
        currency=conversion.currency,
        description=f"Chargeback withdrawal for {charge['id']}",
        fee_details=[fee_detail(fee, conversion.currency, "Dispute fee")],
        exchange_rate=conversion.exchange_rate,
    )
    card = charge["payment_method_details"]["card"]
    dispute: dict[str, Any] = {
        "id": dispute_id,
        "object": "dispute",
        "amount": charge["amount"],
        "balance_transactions": [withdrawal],
        "charge": charge["id"],
        "created": ctx.now,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": {**{name: None for name in EVIDENCE_FIELDS}, "enhanced_evidence": {}},
        "evidence_details": {
            "due_by": day_start(ctx.now) + 8 * DAY - 1,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge.get("payment_intent"),
        "payment_method_details": {
            "card": {"brand": card["brand"], "case_type": "chargeback", "network_reason_code": "10.4"},
            "type": "card",
        },
        "reason": "fraudulent",
        "status": "needs_response",
    }
    ctx.insert(dispute)
    before = copy.deepcopy(charge)
    charge["disputed"] = True
    ctx.save(charge)
    emit(ctx, "charge.dispute.created", dispute)
    emit(ctx, "charge.dispute.funds_withdrawn", dispute)
    emit(ctx, "charge.updated", charge, before)
    return dispute


def _close(ctx: Ctx, dispute: dict[str, Any], before: dict[str, Any], status: str) -> None:
    dispute["status"] = status
    dispute["is_charge_refundable"] = False
    if status == "won":
        withdrawal = dispute["balance_transactions"][0]
        reinstatement = add_transaction(
            ctx,
            kind="adjustment",
            reporting_category="dispute_reversal",
            source=dispute["id"],
            amount=-withdrawal["amount"],
            currency=withdrawal["currency"],
            description=f"Chargeback reversal for {dispute['charge']}",
            fee_details=[fee_detail(-withdrawal["fee"], withdrawal["currency"], "Dispute fee refund")],
            exchange_rate=None
            if withdrawal["exchange_rate"] is None
            else money.rate(dispute["currency"], withdrawal["currency"], ctx.now),
        )
        dispute["balance_transactions"] = [*dispute["balance_transactions"], reinstatement]
    ctx.save(dispute)
    emit(ctx, "charge.dispute.closed", dispute, before)
    if status == "won":
        emit(ctx, "charge.dispute.funds_reinstated", dispute)


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "dispute", NOUN, "dispute")


def update(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    dispute = ctx.load(id, "dispute", NOUN, "dispute")
    if dispute["status"] in CLOSED:
        raise errors.invalid(f"This dispute is already closed ({dispute['status']}).")
    before = copy.deepcopy(dispute)
    evidence = params.sub("evidence")
    for name in evidence.values:
        if name in EVIDENCE_FIELDS:
            dispute["evidence"][name] = evidence.text(name) or None
    if evidence.values:
        dispute["evidence_details"]["has_evidence"] = True
    dispute["metadata"] = merge_metadata(dispute["metadata"], params.metadata())
    submit = params.flag("submit", True) and bool(evidence.values)
    if submit:
        dispute["evidence_details"]["submission_count"] += 1
        dispute["status"] = "under_review"
    ctx.save(dispute)
    emit(ctx, "charge.dispute.updated", dispute, before)
    if submit:
        # Stripe's test convention: the evidence text decides the outcome at once.
        text = dispute["evidence"].get("uncategorized_text") or ""
        if "winning_evidence" in text:
            _close(ctx, dispute, copy.deepcopy(dispute), "won")
        elif "losing_evidence" in text:
            _close(ctx, dispute, copy.deepcopy(dispute), "lost")
    return dispute


def close(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    dispute = ctx.load(id, "dispute", NOUN, "dispute")
    if dispute["status"] in CLOSED:
        raise errors.invalid(f"This dispute is already closed ({dispute['status']}).")
    _close(ctx, dispute, copy.deepcopy(dispute), "lost")
    return dispute


ROUTES = [
    list_route("/v1/disputes", "dispute", "charge", "payment_intent"),
    Route("GET", "/v1/disputes/{id}", retrieve),
    Route("POST", "/v1/disputes/{id}", update),
    Route("POST", "/v1/disputes/{id}/close", close),
]
