"""Which invoices a payment is applied to, and by how much: the rule, over facts looked up in NetSuite.

Named invoices (one, or a statement's list) are paid in the order named, each up to its amount remaining.
A payment that cannot be applied as asked (an unknown invoice, one of another customer or currency, one
already paid, or more money than the named invoices still need) is recorded UNAPPLIED with a memo saying
why: never lost, never refused. A payment naming no invoice is applied oldest invoice first when the
auto-apply setting is on, else left unapplied for finance to apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from stripe_netsuite.sync.records import ApplyLine

__all__ = ["ApplicationPlan", "InvoiceFacts", "plan_applications", "without_own_applications"]

ERROR_MEMO = "Stripe Payment Error: could not apply to invoice {invoice}: {reason}"


@dataclass(frozen=True)
class InvoiceFacts:
    """An invoice as NetSuite shows it; `amount_remaining` in the invoice's currency (ISO code)."""

    id: str
    tran_id: str
    customer_id: str
    currency: str
    amount_remaining: Decimal
    tran_date: date


@dataclass(frozen=True)
class ApplicationPlan:
    """The apply lines of a payment, and the memo when it could not be applied as asked."""

    lines: tuple[ApplyLine, ...] = ()
    error_memo: str | None = field(default=None)


def without_own_applications(
    invoices: Iterable[InvoiceFacts], own: Iterable[ApplyLine]
) -> list[InvoiceFacts]:
    """Invoices as they were before this payment, given the lines NetSuite shows it applied (for a re-run)."""
    applied: dict[str, Decimal] = {}
    for line in own:
        applied[line.doc_id] = applied.get(line.doc_id, Decimal(0)) + line.amount
    return [
        InvoiceFacts(i.id, i.tran_id, i.customer_id, i.currency, i.amount_remaining + applied.get(i.id, 0),
                     i.tran_date)
        for i in invoices
    ]


def _refusal(invoice: InvoiceFacts | None, invoice_id: str, customer_id: str, currency: str) -> str | None:
    if invoice is None:
        return "no such invoice in NetSuite"
    if invoice.customer_id != customer_id:
        return f"it belongs to another customer ({invoice.customer_id}), the payment to {customer_id}"
    if invoice.currency != currency:
        return f"it is in {invoice.currency}, the payment in {currency}"
    if invoice.amount_remaining <= 0:
        return "it is already paid"
    return None


def _named(
    amount: Decimal, currency: str, customer_id: str, requested: Sequence[str],
    invoices: Mapping[str, InvoiceFacts],
) -> ApplicationPlan:
    lines: list[ApplyLine] = []
    left = amount
    for invoice_id in requested:
        invoice = invoices.get(invoice_id)
        reason = _refusal(invoice, invoice_id, customer_id, currency)
        if reason is not None:
            name = invoice.tran_id if invoice is not None else invoice_id
            return ApplicationPlan(error_memo=ERROR_MEMO.format(invoice=name, reason=reason))
        assert invoice is not None
        value = min(left, invoice.amount_remaining)
        if value > 0:
            lines.append(ApplyLine(invoice.id, value))
            left -= value
    if left > 0:
        remaining = sum((invoices[i].amount_remaining for i in requested), Decimal(0))
        last = invoices[requested[-1]].tran_id
        names = ", ".join(invoices[i].tran_id for i in requested)
        reason = (
            f"the payment of {amount} {currency} is more than the {remaining} {currency} that remains "
            f"on {names}"
        )
        return ApplicationPlan(error_memo=ERROR_MEMO.format(invoice=last, reason=reason))
    return ApplicationPlan(tuple(lines))


def _oldest_first(
    amount: Decimal, currency: str, customer_id: str, invoices: Iterable[InvoiceFacts]
) -> ApplicationPlan:
    open_invoices = sorted(
        (i for i in invoices
         if i.customer_id == customer_id and i.currency == currency and i.amount_remaining > 0),
        key=lambda i: (i.tran_date, int(i.id) if i.id.isdigit() else 0, i.id),
    )
    lines: list[ApplyLine] = []
    left = amount
    for invoice in open_invoices:
        if left <= 0:
            break
        value = min(left, invoice.amount_remaining)
        lines.append(ApplyLine(invoice.id, value))
        left -= value
    return ApplicationPlan(tuple(lines))


def plan_applications(
    amount: Decimal,
    currency: str,
    customer_id: str,
    requested: Sequence[str],
    invoices: Iterable[InvoiceFacts],
    *,
    auto_apply: bool,
) -> ApplicationPlan:
    """Apply lines for a payment of `amount` in `currency` by `customer_id`.

    `invoices` are the named invoices (and, for auto-apply, the customer's open ones) as they stand without
    this payment: on a re-run pass them through `without_own_applications` first.
    """
    if amount <= 0:
        return ApplicationPlan()
    if requested:
        by_id = {invoice.id: invoice for invoice in invoices}
        return _named(amount, currency, customer_id, requested, by_id)
    if auto_apply:
        return _oldest_first(amount, currency, customer_id, invoices)
    return ApplicationPlan()
