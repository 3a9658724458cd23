"""A reversal of a recorded payment as NetSuite records: application update, credit memo, customer refund.

A reversal is paid out of the payment itself, in this order: first what the payment left unapplied, then
what it applied, the last application first. What comes off an invoice is moved to a credit memo on that
invoice (the payment's application shrinks and the credit memo takes its place, so the invoice stays settled
and the sale is reduced), and a customer refund, paid from the Stripe clearing account (the money leaves the
bank with the payout, on the deposit), refunds the payment. A failed bank debit is different: the customer
never paid, so every application is undone (the invoices are open again) and all that is left of the payment
is refunded, with the failure reason in the memo. Nothing is ever deleted.

Every figure comes from the payment as it was recorded and the charge's earlier reversals (Stripe's order:
created, then id), so a reversal's records are the same on every re-run: upserts by external id and
absolute application amounts. The loader writes a charge's reversals in that order, and once one is
written it never upserts the payment's original body again (its apply lines would take back what the credit
memos now settle).

A refund that fails after it left the balance keeps its records (the customer refund, and the credit memo if
one was made: the sale is still reduced, the merchant still owes the customer), and its failure is a customer
payment of the same amount INTO the Stripe clearing account the refund was paid from (`undepFunds` F: the
money is back in Stripe's balance, and the deposit of the payout that carries it moves it to the bank), on the
same customer, unapplied, with the failure reason in its memo: the customer's credit stands again, for finance
to refund another way. It mirrors a failed bank debit's customer refund; nothing is deleted or voided.
The original payment's own credit stays used by the refund, so a later refund of the same charge beyond what
the payment has left is refused (a mapping error naming the amounts) for a person to settle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.records import (
    ApplyLine,
    CreditMemo,
    CustomerPayment,
    CustomerRefund,
    LedgerWrite,
    PaymentApplications,
)
from stripe_netsuite.sync.reversals import Reversal
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.sync.stripe_facts import exchange_rate, tran_date

__all__ = ["RecordedPayment", "ReturnedRefund", "ReversalLedger", "build_reversal"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class RecordedPayment:
    """The customer payment a charge became: ids, amount, and the applications it was created with."""

    internal_id: str
    charge_id: str
    customer_id: str
    currency: str
    currency_id: str
    amount: Decimal
    applications: tuple[ApplyLine, ...]
    subsidiary_id: str | None = None

    @property
    def unapplied(self) -> Decimal:
        return self.amount - sum((line.amount for line in self.applications), ZERO)


@dataclass(frozen=True)
class ReturnedRefund:
    """A failed refund's money back in the Stripe clearing account: a customer payment posted to it."""

    record_type: ClassVar[str] = "customerPayment"
    replace: ClassVar[tuple[str, ...]] = ()
    internal_id: ClassVar[None] = None

    payment: CustomerPayment

    @property
    def external_id(self) -> str:
        return self.payment.external_id

    @property
    def amount(self) -> Decimal:
        return self.payment.amount

    def body(self) -> dict[str, Any]:
        body = self.payment.body()
        body["undepFunds"] = {"id": "F"}  # to `account` (the clearing account), not Undeposited Funds
        return body


@dataclass(frozen=True)
class ReversalLedger:
    """What a reversal becomes in NetSuite, in write order."""

    refund: CustomerRefund | ReturnedRefund
    payment_update: PaymentApplications | None = None
    credit_memo: CreditMemo | None = None

    def writes(self) -> tuple[LedgerWrite, ...]:
        """Unapply first (the invoice must have room for the credit memo), then credit, then refund."""
        steps: Sequence[LedgerWrite | None] = (self.payment_update, self.credit_memo, self.refund)
        return tuple(step for step in steps if step is not None)


def _taken(applications: Sequence[ApplyLine], amount: Decimal) -> dict[str, Decimal]:
    """How much of `amount` comes off each application, the last application first."""
    taken: dict[str, Decimal] = {}
    left = amount
    for line in reversed(applications):
        value = min(left, line.amount) if left > 0 else ZERO
        taken[line.doc_id] = taken.get(line.doc_id, ZERO) + value
        left -= value
    return taken


def build_reversal(
    reversal: Reversal,
    payment: RecordedPayment,
    *,
    earlier_reversed: Decimal,
    settings: LedgerSettings,
) -> ReversalLedger:
    """The records for `reversal` of `payment`, after `earlier_reversed` (the charge's earlier reversals)."""
    if reversal.charge_id != payment.charge_id:
        raise LedgerMappingError(f"{reversal.stripe_id} belongs to charge {reversal.charge_id}, not "
                                 f"{payment.charge_id}")
    if reversal.currency != payment.currency:
        raise LedgerMappingError(f"{reversal.stripe_id} is in {reversal.currency}, its payment in "
                                 f"{payment.currency}")
    if reversal.record is LedgerRecord.REFUND_FAILURE:
        return ReversalLedger(_returned_refund(reversal, payment, settings))
    failed = reversal.amount is None
    amount = payment.amount - earlier_reversed if reversal.amount is None else reversal.amount
    after = earlier_reversed + amount
    if amount <= 0 or after > payment.amount:
        raise LedgerMappingError(
            f"{reversal.stripe_id} would return {amount} {payment.currency} of payment {payment.charge_id}, "
            f"of which {payment.amount - earlier_reversed} {payment.currency} is left to return"
        )
    applied = payment.amount - payment.unapplied
    before_taken = _taken(payment.applications, max(ZERO, earlier_reversed - payment.unapplied))
    after_taken = _taken(payment.applications, applied if failed else max(ZERO, after - payment.unapplied))
    moved = {doc: after_taken[doc] - before_taken[doc] for doc in after_taken
             if after_taken[doc] != before_taken[doc]}
    originals: dict[str, Decimal] = {}
    for line in payment.applications:
        originals[line.doc_id] = originals.get(line.doc_id, ZERO) + line.amount
    order = list(dict.fromkeys(line.doc_id for line in payment.applications))
    date = tran_date(reversal.created, settings.zone)
    rate = exchange_rate(payment.currency, settings.base_currency(payment.subsidiary_id), reversal.rate)
    update = credit = None
    if moved:
        update = PaymentApplications(payment.internal_id, tuple(
            ApplyLine(doc, originals[doc] - after_taken[doc]) for doc in order if doc in moved))
    if moved and not failed:
        credit = CreditMemo(
            external_id=external_id(LedgerRecord.CREDIT_MEMO, reversal.stripe_id),
            customer_id=payment.customer_id, currency_id=payment.currency_id,
            amount=sum(moved.values(), ZERO),
            tran_date=date, exchange_rate=rate, memo=reversal.memo, item_id=settings.credit_memo_item_id,
            applications=tuple(ApplyLine(doc, moved[doc]) for doc in order if doc in moved),
        )
    refund = CustomerRefund(
        external_id=external_id(reversal.record, reversal.stripe_id),
        customer_id=payment.customer_id, currency_id=payment.currency_id, tran_date=date, exchange_rate=rate,
        memo=reversal.memo, payment_option_id=settings.payment_option_id,
        account_id=settings.clearing_account(payment.currency),
        applications=(ApplyLine(payment.internal_id, amount),),
    )
    return ReversalLedger(refund, update, credit)


def _returned_refund(
    reversal: Reversal, payment: RecordedPayment, settings: LedgerSettings
) -> ReturnedRefund:
    if reversal.amount is None or reversal.amount <= 0:
        raise LedgerMappingError(f"{reversal.stripe_id} returns no amount")
    return ReturnedRefund(CustomerPayment(
        external_id=external_id(LedgerRecord.REFUND_FAILURE, reversal.stripe_id),
        customer_id=payment.customer_id, currency_id=payment.currency_id, amount=reversal.amount,
        tran_date=tran_date(reversal.created, settings.zone),
        exchange_rate=exchange_rate(payment.currency, settings.base_currency(payment.subsidiary_id),
                                    reversal.rate),
        memo=reversal.memo, payment_option_id=settings.payment_option_id,
        account_id=settings.clearing_account(payment.currency), applications=(),
    ))
