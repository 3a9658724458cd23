"""What a valid Stripe object is, per type, as data (pure: used by the suites and the frame builder).

Sign rules (integers in minor units, as Stripe sends them):
- charge, refund, dispute, payment_intent: amount > 0 (a refund or dispute amount is positive in Stripe;
  its effect on the balance is negative, which the balance transaction carries).
- payout: amount != 0; negative only for an automatic payout (Stripe debits the bank when the balance is
  negative); a failed payout keeps its original positive amount, the failure is a balance transaction.
- balance_transaction: amount > 0 for charge/payment/payout_failure, < 0 for refund/payment_refund/payout,
  free for the rest (adjustments, dispute withdrawals and reinstatements); fee >= 0 except a fee refund
  (reporting_category dispute_reversal, types adjustment/stripe_fee/tax_fee); net == amount - fee.
- checkout.session: amount_total >= 0 when present; payment_intent.amount_received >= 0.

Metadata: the keys each type may carry follow the contract in stripe_netsuite.stripe_metadata (one invoice or
a list of them, ids of digits); a row breaking it carries the contract's reason in `metadata_problem`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stripe_netsuite import stripe_metadata as meta
from stripe_netsuite.money import STRIPE_CURRENCIES

CURRENCIES: frozenset[str] = frozenset(code.lower() for code in STRIPE_CURRENCIES)
STRIPE_ID = re.compile(r"^[a-z]+_[A-Za-z0-9_]+$")

STATUSES: dict[str, tuple[str, ...]] = {
    "charge": ("succeeded", "pending", "failed"),
    "refund": ("pending", "requires_action", "succeeded", "failed", "canceled"),
    "dispute": (
        "warning_needs_response", "warning_under_review", "warning_closed", "needs_response", "under_review",
        "won", "lost", "prevented",
    ),
    "payout": ("paid", "pending", "in_transit", "canceled", "failed"),
    "balance_transaction": ("available", "pending"),
    "payment_intent": (
        "requires_payment_method", "requires_confirmation", "requires_action", "processing",
        "requires_capture", "canceled", "succeeded",
    ),
    "checkout.session": ("open", "complete", "expired"),
}  # fmt: skip
PAYMENT_STATUSES = ("paid", "unpaid", "no_payment_required")

POSITIVE_TXN_TYPES = ("charge", "payment", "payout_failure")
NEGATIVE_TXN_TYPES = ("refund", "payment_refund", "payout")
NEGATIVE_FEE_TYPES = ("adjustment", "stripe_fee", "tax_fee")
REFUND_COUNTED_STATUSES = ("pending", "requires_action", "succeeded")


@dataclass(frozen=True)
class EntityRules:
    """Fields each object type must carry; amounts map to whether they are required.

    `metadata` names the contract fields (stripe_metadata) the type's metadata may carry, each checked
    when present.
    """

    amounts: Mapping[str, bool]
    currency_required: bool = True
    has_status: bool = True
    metadata: tuple[str, ...] = ()


RULES: dict[str, EntityRules] = {
    "charge": EntityRules({"amount": True, "amount_refunded": False}, metadata=meta.PAYMENT_FIELDS),
    "refund": EntityRules({"amount": True}, metadata=(meta.NETSUITE_CREDIT_MEMO_ID,)),
    "dispute": EntityRules({"amount": True}),
    "payout": EntityRules({"amount": True}),
    "balance_transaction": EntityRules({"amount": True, "fee": True, "net": True}),
    "customer": EntityRules(
        {}, currency_required=False, has_status=False, metadata=(meta.NETSUITE_CUSTOMER_ID,)
    ),
    "payment_intent": EntityRules({"amount": True, "amount_received": False}, metadata=meta.PAYMENT_FIELDS),
    "checkout.session": EntityRules(
        {"amount_total": False}, currency_required=False, metadata=meta.PAYMENT_FIELDS
    ),
}


def kind_of(value: Any) -> str:
    """'int' for a JSON integer, 'missing' for null/absent, else the JSON type seen (float, str, ...)."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "bool"
    return "int" if isinstance(value, int) else type(value).__name__


def row_from_raw(object_type: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The columns the suites check, read from the raw JSON (what Stripe sent, not our typed columns)."""
    rules = RULES[object_type]
    row: dict[str, Any] = {"id": raw.get("id"), "currency": raw.get("currency")}
    if rules.has_status:
        row["status"] = raw.get("status")
    for name in rules.amounts:
        value = raw.get(name)
        row[f"{name}_kind"] = kind_of(value)
        row[name] = value if row[f"{name}_kind"] == "int" else None
    if rules.metadata:
        row["metadata_problem"] = "; ".join(meta.problems(meta.metadata_of(raw), rules.metadata)) or None
    if object_type == "balance_transaction":
        row["type"] = raw.get("type")
        row["reporting_category"] = raw.get("reporting_category")
        fee, amount = row["fee"], row["amount"]
        row["amount_minus_fee"] = amount - fee if amount is not None and fee is not None else None
        row["fee_may_be_negative"] = (
            raw.get("reporting_category") == "dispute_reversal" or raw.get("type") in NEGATIVE_FEE_TYPES
        )
    if object_type == "payout":
        row["automatic"] = bool(raw.get("automatic"))
    if object_type == "checkout.session":
        row["payment_status"] = raw.get("payment_status")
    return row
