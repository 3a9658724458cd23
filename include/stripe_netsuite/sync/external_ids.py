"""The one place a NetSuite externalId is derived from a Stripe id, so that every re-run is an upsert.

NetSuite addresses records by external id in URLs (`PUT /record/v1/{type}/eid:{externalId}`), where only
letters, digits, `_` and `-` are allowed. Stripe ids (`ch_...`, `py_...`, `re_...`, `dp_...`) are letters,
digits and `_`, so they fit as they are; a record that stands for the same Stripe object as another record
of a different kind gets a prefix ending in `-`, which no Stripe id contains, so the two can never collide.
"""

from __future__ import annotations

import re
from enum import Enum

__all__ = ["LedgerRecord", "external_id", "parse_external_id"]

_STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")


class LedgerRecord(Enum):
    """The NetSuite records the ledger writes, each with its NetSuite type and external id prefix."""

    PAYMENT = ("customerPayment", "")  # charge ch_... / py_... (a bank debit's charge)
    REFUND = ("customerRefund", "")  # refund re_... / pyr_..., or a dispute's withdrawal dp_...
    CREDIT_MEMO = ("creditMemo", "cm-")  # the credit memo a refund or dispute puts on the invoice
    FAILED_PAYMENT_REFUND = ("customerRefund", "fail-")  # a bank debit that failed: keyed by its charge
    REFUND_FAILURE = ("customerPayment", "rf-")  # a refund that failed: its money back, keyed by the refund
    DEPOSIT = ("deposit", "")  # an automatic payout po_...
    DEPOSIT_REVERSAL = ("journalEntry", "rev-")  # takes back the deposit of a payout that failed

    def __init__(self, record_type: str, prefix: str) -> None:
        self.record_type = record_type
        self.prefix = prefix


def external_id(record: LedgerRecord, stripe_id: str) -> str:
    """The externalId of the NetSuite record that stands for `stripe_id`."""
    if not isinstance(stripe_id, str) or _STRIPE_ID.fullmatch(stripe_id) is None:
        raise ValueError(f"not a Stripe id: {stripe_id!r}")
    return record.prefix + stripe_id


def parse_external_id(record_type: str, value: str) -> tuple[LedgerRecord, str] | None:
    """The ledger record and Stripe id an externalId of `record_type` stands for; None if it is not ours."""
    candidates = [r for r in LedgerRecord if r.record_type == record_type]
    for record in sorted(candidates, key=lambda r: -len(r.prefix)):  # "fail-" before ""
        if value.startswith(record.prefix) and _STRIPE_ID.fullmatch(value[len(record.prefix):]):
            return record, value[len(record.prefix):]
    return None
