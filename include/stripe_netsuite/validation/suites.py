"""One Great Expectations suite per Stripe object type, built from rules.py.

Every expectation carries meta["reason"], a template filled from the failing row's values: that text is
what finance reads in the quarantine report.
"""

from __future__ import annotations

from typing import Any

import great_expectations as gx
from great_expectations.expectations import Expectation

from stripe_netsuite.validation.rules import (
    CURRENCIES,
    NEGATIVE_TXN_TYPES,
    PAYMENT_STATUSES,
    POSITIVE_TXN_TYPES,
    RULES,
    STATUSES,
    STRIPE_ID,
)

ex = gx.expectations

POSITIVE_AMOUNT_TYPES = ("charge", "refund", "dispute", "payment_intent")


def _meta(reason: str) -> dict[str, Any]:
    return {"reason": reason}


def _pandas(condition: str) -> dict[str, Any]:
    return {"row_condition": condition, "condition_parser": "pandas"}


def _identity() -> list[Expectation]:
    return [
        ex.ExpectColumnValuesToNotBeNull(column="id", meta=_meta("the object has no id")),
        ex.ExpectColumnValuesToMatchRegex(
            column="id", regex=STRIPE_ID.pattern, meta=_meta("id {id!r} is not a Stripe id")
        ),
        ex.ExpectCompoundColumnsToBeUnique(
            column_list=["id", "account"], meta=_meta("id {id} appears more than once in the batch")
        ),
    ]


def _currency(required: bool) -> list[Expectation]:
    found: list[Expectation] = []
    if required:
        found.append(ex.ExpectColumnValuesToNotBeNull(column="currency", meta=_meta("currency is missing")))
    found.append(
        ex.ExpectColumnValuesToBeInSet(
            column="currency",
            value_set=sorted(CURRENCIES),
            meta=_meta("currency {currency!r} is not a Stripe currency (lower-case ISO code)"),
        )
    )
    return found


def _amounts(object_type: str) -> list[Expectation]:
    found: list[Expectation] = []
    for name, required in RULES[object_type].amounts.items():
        allowed = ["int"] if required else ["int", "missing"]
        found.append(
            ex.ExpectColumnValuesToBeInSet(
                column=f"{name}_kind",
                value_set=allowed,
                meta=_meta(f"{name} must be an integer amount in minor units (got {{{name}_kind}})"),
            )
        )
    return found


def _signs(object_type: str) -> list[Expectation]:
    if object_type in POSITIVE_AMOUNT_TYPES:
        return [
            ex.ExpectColumnValuesToBeBetween(
                column="amount", min_value=1, meta=_meta(f"{object_type} amount must be > 0 (got {{amount}})")
            )
        ]
    if object_type == "payout":
        return [
            ex.ExpectColumnValuesToNotBeInSet(
                column="amount", value_set=[0], meta=_meta("payout amount is 0")
            ),
            ex.ExpectColumnValuesToBeBetween(
                column="amount",
                min_value=1,
                **_pandas("automatic == False"),
                meta=_meta("a manual payout's amount must be > 0 (got {amount})"),
            ),
        ]
    if object_type == "balance_transaction":
        return [
            ex.ExpectColumnValuesToBeBetween(
                column="amount",
                min_value=1,
                **_pandas(f"type in {list(POSITIVE_TXN_TYPES)}"),
                meta=_meta("a balance transaction of this type must have amount > 0 (got {amount})"),
            ),
            ex.ExpectColumnValuesToBeBetween(
                column="amount",
                max_value=-1,
                **_pandas(f"type in {list(NEGATIVE_TXN_TYPES)}"),
                meta=_meta("a balance transaction of this type must have amount < 0 (got {amount})"),
            ),
            ex.ExpectColumnValuesToBeBetween(
                column="fee",
                min_value=0,
                **_pandas("fee_may_be_negative == False"),
                meta=_meta("fee must be >= 0 (got {fee})"),
            ),
            ex.ExpectColumnPairValuesToBeEqual(
                column_A="net",
                column_B="amount_minus_fee",
                ignore_row_if="either_value_is_missing",
                meta=_meta("net {net} != amount - fee ({amount_minus_fee})"),
            ),
        ]
    if object_type == "checkout.session":
        return [
            ex.ExpectColumnValuesToBeBetween(
                column="amount_total",
                min_value=0,
                meta=_meta("amount_total must be >= 0 (got {amount_total})"),
            )
        ]
    return []


def _statuses(object_type: str) -> list[Expectation]:
    if object_type not in STATUSES:
        return []
    found: list[Expectation] = [
        ex.ExpectColumnValuesToNotBeNull(column="status", meta=_meta("status is missing")),
        ex.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=list(STATUSES[object_type]),
            meta=_meta(f"status {{status!r}} is not a {object_type} status"),
        ),
    ]
    if object_type == "checkout.session":
        found.append(
            ex.ExpectColumnValuesToBeInSet(
                column="payment_status",
                value_set=list(PAYMENT_STATUSES),
                meta=_meta("payment_status {payment_status!r} is not a Checkout payment status"),
            )
        )
    return found


def _metadata(object_type: str) -> list[Expectation]:
    if not RULES[object_type].metadata:
        return []
    # The metadata contract (stripe_metadata) judges the keys; its reason is the quarantine text.
    return [ex.ExpectColumnValuesToBeNull(column="metadata_problem", meta=_meta("{metadata_problem}"))]


def _cross_object(object_type: str) -> list[Expectation]:
    if object_type == "charge":
        return [
            ex.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="amount",
                column_B="amount_refunded",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=_meta("amount_refunded {amount_refunded} exceeds the charge amount {amount}"),
            )
        ]
    if object_type == "refund":
        return [
            ex.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="charge_amount",
                column_B="charge_refunded_total",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=_meta("refunds of the charge total {charge_refunded_total}, more than its amount "
                           "{charge_amount}"),
            )
        ]  # fmt: skip
    if object_type == "payout":
        return [
            ex.ExpectColumnPairValuesToBeEqual(
                column_A="amount",
                column_B="itemised_net",
                ignore_row_if="either_value_is_missing",
                meta=_meta("paid automatic payout: amount {amount} != sum of its balance transactions' "
                           "nets {itemised_net}"),
            )
        ]  # fmt: skip
    return []


def build_suite(object_type: str) -> gx.ExpectationSuite:
    """The suite for `object_type` (a Stripe `object` value such as "charge" or "checkout.session")."""
    rules = RULES[object_type]
    expectations = [
        *_identity(),
        *_currency(rules.currency_required),
        *_amounts(object_type),
        *_signs(object_type),
        *_statuses(object_type),
        *_metadata(object_type),
        *_cross_object(object_type),
    ]
    return gx.ExpectationSuite(name=f"stripe_{object_type.replace('.', '_')}", expectations=expectations)
