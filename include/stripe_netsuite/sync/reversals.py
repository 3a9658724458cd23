"""Money going back after a payment, read from Stripe: a refund, a dispute's withdrawal, a failed bank debit,
and money coming back when a refund fails.

Each becomes a `Reversal` in the charge's currency, with the Stripe time and exchange rate of the moment the
money moved (a refund or dispute of a converted charge uses that day's rate, not the charge's). A refund that
fails after it left the balance (Stripe: `succeeded`, later `failed`, its money returned by a `refund_failure`
balance transaction) is two movements, as a dispute's withdrawal and reinstatement are: the refund stands, and
its failure is a reversal of its own, so the records do not depend on when the loader first sees the refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord
from stripe_netsuite.sync.payments import stripe_memo
from stripe_netsuite.sync.stripe_facts import (
    StripeRate,
    amount_of,
    charge_amount,
    currency_of,
    expanded,
    id_of,
    rate_of,
)

__all__ = [
    "REFUND_STATUSES",
    "Reversal",
    "dispute_reversal",
    "failed_payment_reversal",
    "refund_failure_reversal",
    "refund_reversal",
]

# A refund takes money out of the Stripe balance when it is created (pending) or done; a cancelled one never
# did, and a failed one did only when Stripe later returned it (`failure_balance_transaction`, see
# `refund_failed_after_leaving`).
REFUND_STATUSES = ("pending", "succeeded")


@dataclass(frozen=True)
class Reversal:
    """A refund, a dispute's withdrawal or a failed debit, in the charge's currency, read from Stripe."""

    record: LedgerRecord  # REFUND, FAILED_PAYMENT_REFUND, or REFUND_FAILURE (money coming back)
    stripe_id: str
    charge_id: str
    currency: str
    amount: Decimal | None  # None: all that is left of the payment (a failed debit)
    created: int
    rate: StripeRate | None
    memo: str


def refund_reversal(
    refund: Mapping[str, Any], balance_transaction: Mapping[str, Any] | None = None
) -> Reversal | None:
    """A Stripe Refund as a reversal; None for a refund that never left the balance (cancelled, or failed
    before it did)."""
    refund_id, charge_id = _ids(refund, "charge")
    if refund.get("status") not in REFUND_STATUSES and not refund_failed_after_leaving(refund):
        return None
    currency = currency_of(refund)
    balance_transaction = balance_transaction or expanded(refund, "balance_transaction")
    amount = amount_of(refund, "amount", currency)
    return Reversal(LedgerRecord.REFUND, refund_id, charge_id, currency, amount, _created(refund),
                    rate_of(balance_transaction), stripe_memo(refund_id))


def refund_failed_after_leaving(refund: Mapping[str, Any]) -> bool:
    """A refund Stripe took out of the balance and then returned: `failed`, with the returning transaction."""
    return refund.get("status") == "failed" and bool(refund.get("failure_balance_transaction"))


def refund_failure_reversal(
    refund: Mapping[str, Any], failure_transaction: Mapping[str, Any]
) -> Reversal | None:
    """The money of a failed refund coming back into the balance, at the time and rate of
    `failure_transaction` (the refund's `refund_failure` balance transaction); None unless it failed so."""
    refund_id, charge_id = _ids(refund, "charge")
    if not refund_failed_after_leaving(refund):
        return None
    if id_of(failure_transaction) != id_of(refund.get("failure_balance_transaction")):
        raise LedgerMappingError(
            f"{id_of(failure_transaction)} is not the failure transaction of {refund_id}"
        )
    currency = currency_of(refund)
    amount = amount_of(refund, "amount", currency)
    reason = refund.get("failure_reason")
    because = f": {reason}" if isinstance(reason, str) and reason else ""
    memo = f"{stripe_memo(refund_id)} refund failed{because}"
    return Reversal(LedgerRecord.REFUND_FAILURE, refund_id, charge_id, currency, amount,
                    _created(failure_transaction), rate_of(failure_transaction), memo)


def dispute_reversal(dispute: Mapping[str, Any]) -> Reversal | None:
    """A dispute whose funds were withdrawn, as a reversal; None while no money left the balance.

    The withdrawal stands for the ledger whatever the outcome, so the records do not depend on when the
    loader first sees the dispute: when it is won, the reinstated money comes back on a later deposit, so a
    won dispute adds nothing here (and removes nothing).
    """
    dispute_id, charge_id = _ids(dispute, "charge")
    transactions = dispute.get("balance_transactions") or []
    withdrawals = [bt for bt in transactions if isinstance(bt, Mapping) and _negative(bt.get("amount"))]
    if not withdrawals:
        return None
    withdrawal = min(withdrawals, key=lambda bt: (_created(bt), str(bt.get("id"))))
    currency = currency_of(dispute)
    reason = dispute.get("reason")
    memo = stripe_memo(dispute_id) + (f" (dispute: {reason})" if isinstance(reason, str) and reason else "")
    amount = amount_of(dispute, "amount", currency)
    return Reversal(LedgerRecord.REFUND, dispute_id, charge_id, currency, amount, _created(withdrawal),
                    rate_of(withdrawal), memo)


def failed_payment_reversal(
    charge: Mapping[str, Any], failed_at: int, balance_transaction: Mapping[str, Any] | None = None
) -> Reversal:
    """A bank debit that failed after its payment was recorded.

    `failed_at`: when Stripe reported the failure (the charge.failed event's created); `balance_transaction`:
    the failure's own balance transaction, when the debit had reached the balance.
    """
    charge_id = id_of(charge)
    if charge_id is None or charge.get("status") != "failed":
        raise LedgerMappingError(f"charge {charge_id} has not failed: there is no failed payment to reverse")
    currency = currency_of(charge)
    charge_amount(charge, currency)  # the same checks as the payment's amount
    message = charge.get("failure_message") or "the bank debit failed"
    code = charge.get("failure_code")
    memo = f"{stripe_memo(charge_id)} payment failed: {message}" + (f" ({code})" if code else "")
    when = _created({"id": charge_id, "created": failed_at})
    return Reversal(LedgerRecord.FAILED_PAYMENT_REFUND, charge_id, charge_id, currency, None, when,
                    rate_of(balance_transaction), memo)


def _ids(obj: Mapping[str, Any], parent: str) -> tuple[str, str]:
    own, charge = id_of(obj), id_of(obj.get(parent))
    if own is None or charge is None:
        raise LedgerMappingError(f"{own or 'a Stripe object'} names no {parent}: it cannot be reversed")
    return own, charge


def _negative(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value < 0


def _created(obj: Mapping[str, Any]) -> int:
    value = obj.get("created")
    if isinstance(value, bool) or not isinstance(value, int):
        raise LedgerMappingError(f"{obj.get('id')} has no created time")
    return value
