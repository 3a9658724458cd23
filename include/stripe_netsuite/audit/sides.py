"""The two sides an audit compares, as plain data: what Stripe holds for the period, what NetSuite holds."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from stripe_netsuite.sync.customers import CustomerFacts
from stripe_netsuite.sync.external_ids import LedgerRecord, parse_external_id

__all__ = [
    "NETSUITE_TYPES", "STRIPE_PATHS", "LedgerEntry", "NetSuiteSide", "StripeSide", "named_stripe_id",
    "stripe_path",
]

# SuiteQL's transaction type codes of the records the connector writes, and their REST record types.
NETSUITE_TYPES = {
    "CustPymt": "customerPayment",
    "CustRfnd": "customerRefund",
    "CustCred": "creditMemo",
    "Deposit": "deposit",
    "Journal": "journalEntry",
}
# A Stripe id's prefix -> where Stripe answers for it. Only these make an external id a Stripe one: a
# NetSuite record with `INV-1001` or `abc` as its external id is somebody else's business.
STRIPE_PATHS = {
    "ch": "/v1/charges", "py": "/v1/charges",
    "re": "/v1/refunds", "pyr": "/v1/refunds",
    "dp": "/v1/disputes", "du": "/v1/disputes",
    "po": "/v1/payouts",
}  # fmt: skip


_NAMED = re.compile(r"\b(?:" + "|".join(STRIPE_PATHS) + r")_[A-Za-z0-9]+\b")


def named_stripe_id(memo: str) -> str | None:
    """The first Stripe id a memo names (`Stripe: ch_1`, `Stripe payout po_1`), else None."""
    found = _NAMED.search(memo)
    return found.group(0) if found else None


def stripe_path(stripe_id: str) -> str | None:
    """`/v1/charges/ch_1` for a Stripe id of a kind the ledger records, else None."""
    prefix, sep, rest = stripe_id.partition("_")
    base = STRIPE_PATHS.get(prefix)
    return f"{base}/{stripe_id}" if base and sep and rest else None


@dataclass(frozen=True)
class LedgerEntry:
    """A NetSuite transaction under a Stripe external id, as SuiteQL shows it (amount = foreigntotal)."""

    internal_id: str
    record_type: str  # REST name: customerPayment, customerRefund, creditMemo, deposit, journalEntry
    external_id: str
    customer_id: str | None
    currency: str
    amount: Decimal | None
    tran_date: date | None
    memo: str = ""

    @property
    def ledger(self) -> tuple[LedgerRecord, str] | None:
        """Which connector record this is and the Stripe id it stands for; None if not a Stripe id."""
        parsed = parse_external_id(self.record_type, self.external_id)
        if parsed is None or stripe_path(parsed[1]) is None:
            return None
        return parsed

    @property
    def key(self) -> tuple[str, str]:
        return self.record_type, self.external_id

    def describe(self) -> dict[str, str]:
        """NetSuite's side of a finding, for the report."""
        return {
            "record": f"{self.record_type} {self.internal_id}",
            "external_id": self.external_id,
            "amount": f"{self.amount} {self.currency}" if self.amount is not None else "",
            "customer": self.customer_id or "",
            "date": self.tran_date.isoformat() if self.tran_date else "",
        }


@dataclass(frozen=True)
class StripeSide:
    """Stripe's objects of the period (raw JSON; charges with payment_intent and customer expanded) and
    every Stripe object Stripe answered for, by id (the period's and those NetSuite's records named)."""

    charges: Sequence[Mapping[str, Any]] = ()
    refunds: Sequence[Mapping[str, Any]] = ()
    disputes: Sequence[Mapping[str, Any]] = ()
    payouts: Sequence[Mapping[str, Any]] = ()
    known: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def knows(self, stripe_id: str) -> bool:
        return stripe_id in self.known


@dataclass(frozen=True)
class NetSuiteSide:
    """NetSuite's records under Stripe external ids (those the period's Stripe objects name and those dated in
    the period) and the customers the connector's matching rule needs."""

    entries: Mapping[tuple[str, str], LedgerEntry] = field(default_factory=dict)
    customers: Mapping[str, CustomerFacts] = field(default_factory=dict)
    customers_by_email: Sequence[CustomerFacts] = ()
    # Records of the period without a Stripe external id whose memo starts "Stripe": copies made by hand?
    memo_only: Sequence[LedgerEntry] = ()

    def entry(self, record: LedgerRecord, external_id: str) -> LedgerEntry | None:
        return self.entries.get((record.record_type, external_id))
