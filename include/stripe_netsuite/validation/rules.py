"""What a valid Stripe object is: one table with an entry per object type, and each rule's reason.

As a dlt resource declares its own load behaviour, each entry of RULES declares all that validation does
for its type: the amount fields, the statuses, the metadata contract fields (stripe_netsuite.stripe_metadata),
the columns derived from the raw JSON, the facts read from related rows, and the type's own checks (in the
vocabulary of checks.py). The Great Expectations suites (suites.py) and the frames they run on (frames.py)
are generated from it; neither names an object type. Pure data and functions: no Great Expectations or
database import.

A rule's reason is what finance reads in the quarantine report: a template filled from the failing row's
values (`{amount}`, `{status!r}`). Amounts are integers in minor units, as Stripe sends them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stripe_netsuite import stripe_metadata as meta
from stripe_netsuite.money import STRIPE_CURRENCIES
from stripe_netsuite.stripe_ids import expandable_id
from stripe_netsuite.validation.checks import (
    Check,
    Related,
    Rule,
    When,
    at_least,
    at_most,
    equal,
    in_set,
    not_in_set,
    not_less_than,
    not_null,
    null,
)

CURRENCIES: frozenset[str] = frozenset(code.lower() for code in STRIPE_CURRENCIES)
STRIPE_ID = re.compile(r"^[a-z]+_[A-Za-z0-9_]+$")

Raw = Mapping[str, Any]


# The refunds that take money back from a charge: all but the failed and the canceled.
REFUND_COUNTED_STATUSES = ("pending", "requires_action", "succeeded")
POSITIVE_TXN_TYPES = ("charge", "payment", "payout_failure")
# `payout` has either sign: a payout takes money out (negative), while a debit payout, which Stripe makes
# when the balance is negative on the payout date, puts money back into the balance (positive).
NEGATIVE_TXN_TYPES = ("refund", "payment_refund")
NEGATIVE_FEE_TYPES = ("adjustment", "stripe_fee", "tax_fee")


@dataclass(frozen=True)
class EntityRules:
    """All that validation checks for one Stripe object type.

    `amounts` maps each amount field to whether it is required; `statuses` are the type's statuses (none:
    the type has no status); `metadata` names the contract fields its metadata may carry, each checked when
    present; `derived` computes checked columns from the raw JSON (any other column a check reads is the raw
    field of that name); `related` adds facts from other rows; `checks` are the type's own rules.
    """

    amounts: Mapping[str, bool] = field(default_factory=dict)
    statuses: tuple[str, ...] = ()
    currency_required: bool = True
    metadata: tuple[str, ...] = ()
    derived: Mapping[str, Callable[[Raw], Any]] = field(default_factory=dict)
    related: tuple[Related, ...] = ()
    checks: tuple[Rule, ...] = ()


def _net_expected(raw: Raw) -> int | None:
    amount, fee = _integer(raw.get("amount")), _integer(raw.get("fee"))
    return amount - fee if amount is not None and fee is not None else None


def _fee_may_be_negative(raw: Raw) -> bool:
    # Stripe refunds a fee (a negative fee) when a dispute is reversed, and in some fee adjustments.
    return raw.get("reporting_category") == "dispute_reversal" or raw.get("type") in NEGATIVE_FEE_TYPES


def _automatic(raw: Raw) -> bool:
    return bool(raw.get("automatic"))


def _charge_id(raw: Raw) -> str | None:
    return expandable_id(raw.get("charge"))


RULES: dict[str, EntityRules] = {
    "charge": EntityRules(
        amounts={"amount": True, "amount_refunded": False},
        statuses=("succeeded", "pending", "failed"),
        metadata=meta.PAYMENT_FIELDS,
        checks=(
            at_least("amount", 1, "charge amount must be > 0 (got {amount})"),
            not_less_than("amount", "amount_refunded",
                          "amount_refunded {amount_refunded} exceeds the charge amount {amount}"),
        ),
    ),
    "refund": EntityRules(
        # A refund's amount is positive in Stripe; its effect on the balance, negative, is the balance
        # transaction's.
        amounts={"amount": True},
        statuses=("pending", "requires_action", "succeeded", "failed", "canceled"),
        metadata=(meta.NETSUITE_CREDIT_MEMO_ID,),
        derived={"charge": _charge_id},
        related=(Related.CHARGE_REFUNDS,),
        checks=(
            at_least("amount", 1, "refund amount must be > 0 (got {amount})"),
            not_less_than("charge_amount", "charge_refunded_total",
                          "refunds of the charge total {charge_refunded_total}, more than its amount "
                          "{charge_amount}"),
        ),
    ),
    "dispute": EntityRules(
        amounts={"amount": True},  # positive, like a refund's
        statuses=(
            "warning_needs_response", "warning_under_review", "warning_closed", "needs_response",
            "under_review", "won", "lost", "prevented",
        ),
        checks=(at_least("amount", 1, "dispute amount must be > 0 (got {amount})"),),
    ),
    "payout": EntityRules(
        amounts={"amount": True},
        statuses=("paid", "pending", "in_transit", "canceled", "failed"),
        derived={"automatic": _automatic},
        related=(Related.PAYOUT_ITEMS,),
        checks=(
            not_in_set("amount", [0], "payout amount is 0"),
            # Negative only for an automatic payout: Stripe debits the bank when the balance is negative. A
            # failed payout keeps its positive amount; the failure is a balance transaction of its own.
            at_least("amount", 1, "a manual payout's amount must be > 0 (got {amount})",
                     When("automatic", (False,))),
            # What a deposit is built from must add up to the payout.
            equal("amount", "itemised_net",
                  "paid automatic payout: amount {amount} != sum of its balance transactions' nets "
                  "{itemised_net}"),
        ),
    ),
    "balance_transaction": EntityRules(
        amounts={"amount": True, "fee": True, "net": True},
        statuses=("available", "pending"),
        derived={"amount_minus_fee": _net_expected, "fee_may_be_negative": _fee_may_be_negative},
        checks=(
            # Money in is positive and money out negative; the other types (adjustments, dispute
            # withdrawals and reinstatements) may be either.
            at_least("amount", 1, "a balance transaction of this type must have amount > 0 (got {amount})",
                     When("type", POSITIVE_TXN_TYPES)),
            at_most("amount", -1, "a balance transaction of this type must have amount < 0 (got {amount})",
                    When("type", NEGATIVE_TXN_TYPES)),
            at_least("fee", 0, "fee must be >= 0 (got {fee})", When("fee_may_be_negative", (False,))),
            equal("net", "amount_minus_fee", "net {net} != amount - fee ({amount_minus_fee})"),
        ),
    ),
    "customer": EntityRules(currency_required=False, metadata=(meta.NETSUITE_CUSTOMER_ID,)),
    "payment_intent": EntityRules(
        amounts={"amount": True, "amount_received": False},
        statuses=(
            "requires_payment_method", "requires_confirmation", "requires_action", "processing",
            "requires_capture", "canceled", "succeeded",
        ),
        metadata=meta.PAYMENT_FIELDS,
        checks=(at_least("amount", 1, "payment_intent amount must be > 0 (got {amount})"),),
    ),
    "checkout.session": EntityRules(
        amounts={"amount_total": False},
        statuses=("open", "complete", "expired"),
        currency_required=False,
        metadata=meta.PAYMENT_FIELDS,
        checks=(
            at_least("amount_total", 0, "amount_total must be >= 0 (got {amount_total})"),
            in_set("payment_status", ("paid", "unpaid", "no_payment_required"),
                   "payment_status {payment_status!r} is not a Checkout payment status"),
        ),
    ),
}  # fmt: skip


def rules_for(object_type: str) -> tuple[Rule, ...]:
    """Every rule of `object_type`: those all types share, generated from its entry, then its own checks."""
    entity = RULES[object_type]
    shared = [
        not_null("id", "the object has no id"),
        Rule(Check.MATCHES, ("id",), "id {id!r} is not a Stripe id", {"regex": STRIPE_ID.pattern}),
        Rule(Check.UNIQUE, ("id", "account"), "id {id} appears more than once in the batch"),
    ]
    if entity.currency_required:
        shared.append(not_null("currency", "currency is missing"))
    shared.append(
        in_set("currency", sorted(CURRENCIES),
               "currency {currency!r} is not a Stripe currency (lower-case ISO code)")
    )  # fmt: skip
    for name, required in entity.amounts.items():
        shared.append(
            in_set(f"{name}_kind", ["int"] if required else ["int", "missing"],
                   f"{name} must be an integer amount in minor units (got {{{name}_kind}})")
        )  # fmt: skip
    if entity.statuses:
        shared.append(not_null("status", "status is missing"))
        shared.append(in_set("status", entity.statuses, f"status {{status!r}} is not a {object_type} status"))
    if entity.metadata:
        # The metadata contract judges the keys; its own reason is the quarantine text.
        shared.append(null("metadata_problem", "{metadata_problem}"))
    return (*shared, *entity.checks)


def kind_of(value: Any) -> str:
    """'int' for a JSON integer, 'missing' for null/absent, else the JSON type seen (float, str, ...)."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "bool"
    return "int" if isinstance(value, int) else type(value).__name__


def _integer(value: Any) -> int | None:
    return value if kind_of(value) == "int" else None


def row_from_raw(object_type: str, raw: Raw) -> dict[str, Any]:
    """The columns the suite checks, read from the raw JSON (what Stripe sent, not our typed columns).

    Facts from related rows (`EntityRules.related`) are not here: frames.py adds them to the batch.
    """
    entity = RULES[object_type]
    row: dict[str, Any] = {"id": raw.get("id"), "currency": raw.get("currency")}
    if entity.statuses:
        row["status"] = raw.get("status")
    for name in entity.amounts:
        row[f"{name}_kind"] = kind_of(raw.get(name))
        row[name] = _integer(raw.get(name))
    if entity.metadata:
        row["metadata_problem"] = "; ".join(meta.problems(meta.metadata_of(raw), entity.metadata)) or None
    for name, derive in entity.derived.items():
        row[name] = derive(raw)
    from_related = {column for related in entity.related for column in related.value}
    for rule in entity.checks:
        for column in rule.reads:
            if column not in row and column not in from_related:
                row[column] = raw.get(column)
    return row
