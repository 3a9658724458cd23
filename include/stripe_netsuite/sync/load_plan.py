"""What a load run has to do: per charge, its payment and then its reversals in Stripe's order.

A charge's chain is written by one worker, in order (a refund's application amounts assume the earlier ones
are written); chains of one NetSuite customer share a worker too, because they draw on the same invoices.
A reversal waits (is blocked) while an earlier reversal of its charge is not in NetSuite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stripe_netsuite.sync.customers import CustomerMatch
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.reversals import Reversal

__all__ = ["Chain", "Outcome", "PaymentStep", "ReversalStep", "WriteBack"]

KINDS = {"re": "refund", "pyr": "refund", "dp": "dispute", "du": "dispute"}


@dataclass
class Outcome:
    """What became of one ledger record in a run; `status`: loaded, unchanged, failed, blocked or retry."""

    stripe_id: str
    kind: str  # payment, refund, dispute, failed_debit, failed_refund
    status: str
    currency: str | None = None
    amount: Decimal | None = None
    internal_id: str | None = None
    reason: str | None = None


@dataclass
class PaymentStep:
    """A charge whose customer payment is to be written."""

    charge: dict[str, Any]
    account: str
    match: CustomerMatch
    payment_intent: dict[str, Any] | None = None
    balance_transaction: dict[str, Any] | None = None

    @property
    def external_id(self) -> str:
        return external_id(LedgerRecord.PAYMENT, str(self.charge["id"]))


@dataclass
class ReversalStep:
    """A refund, dispute withdrawal or failed debit to be written after the charge's earlier reversals."""

    reversal: Reversal
    obj: dict[str, Any]  # the Stripe object that carries the NetSuite ids afterwards
    account: str
    earlier_reversed: Decimal
    ready: bool = True  # False: the Stripe row is not (yet) validated, so it and every later one waits

    @property
    def kind(self) -> str:
        if self.reversal.record is LedgerRecord.FAILED_PAYMENT_REFUND:
            return "failed_debit"
        if self.reversal.record is LedgerRecord.REFUND_FAILURE:
            return "failed_refund"
        return KINDS.get(self.reversal.stripe_id.split("_", 1)[0], "refund")

    @property
    def external_id(self) -> str:
        return external_id(self.reversal.record, self.reversal.stripe_id)

    @property
    def record_type(self) -> str:
        """customerRefund, or customerPayment for a failed refund's money coming back."""
        return self.reversal.record.record_type

    @property
    def writes_back(self) -> bool:
        """Whether its Stripe object gets the NetSuite ids: not a failed charge (it carries its payment's)
        nor a failed refund (it keeps its customer refund's)."""
        return self.kind not in ("failed_debit", "failed_refund")

    @property
    def credit_memo_external_id(self) -> str:
        return external_id(LedgerRecord.CREDIT_MEMO, self.reversal.stripe_id)


@dataclass
class Chain:
    """One charge's writes, in order; `payment` None when the payment is already in NetSuite."""

    charge_id: str
    customer_id: str
    payment: PaymentStep | None = None
    reversals: list[ReversalStep] = field(default_factory=list)


@dataclass
class WriteBack:
    """NetSuite ids still to be written into a Stripe object (Stripe did not answer when they were made)."""

    obj: dict[str, Any]
    account: str
    kind: str
    values: dict[str, str]
    record_type: str
    external_id: str
