"""The NetSuite records a payout becomes: a `deposit`, and the journal entry that takes back a failed one.

Amounts are integers in the payout currency's minor units until they are rendered: the total is checked in
integers and only the body carries decimal strings (`money.from_minor`), never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from stripe_netsuite.money import from_minor
from stripe_netsuite.sync.records import memo_text

__all__ = ["AccountLine", "Deposit", "DepositReversal", "PaymentLine"]


def _ref(internal_id: str) -> dict[str, str]:
    return {"id": internal_id}


@dataclass(frozen=True)
class PaymentLine:
    """An undeposited customer payment, deposited at `amount` in the deposit's currency (minor units)."""

    payment_id: str  # the customerPayment's internal id: the sublist's key
    amount: int
    stripe_id: str  # the charge, for reports


@dataclass(frozen=True)
class AccountLine:
    """An `other` line (adds to the total) or a `cashback` line (subtracts), on one account."""

    account_id: str
    amount: int
    memo: str


@dataclass(frozen=True)
class Deposit:
    """One payout as one NetSuite deposit into the bank account of its currency; upserted by externalId."""

    record_type: ClassVar[str] = "deposit"
    # A repeat replaces every sublist: `other` and `cashback` are unkeyed (they would be appended again), and
    # the payment list must hold exactly this payout's payments.
    replace: ClassVar[tuple[str, ...]] = ("payment", "other", "cashback")
    internal_id: ClassVar[None] = None

    external_id: str
    payout_id: str
    account_id: str
    currency: str
    tran_date: date
    memo: str
    payments: tuple[PaymentLine, ...]
    other: tuple[AccountLine, ...]
    cashback: tuple[AccountLine, ...]

    @property
    def total_minor(self) -> int:
        """payments + other - cashback, as NetSuite totals a deposit."""
        return (sum(line.amount for line in self.payments) + sum(line.amount for line in self.other)
                - sum(line.amount for line in self.cashback))

    def _money(self, minor: int) -> str:
        return format(from_minor(minor, self.currency), "f")

    def _account_lines(self, lines: tuple[AccountLine, ...]) -> dict[str, Any]:
        return {"items": [{"account": _ref(line.account_id), "amount": self._money(line.amount),
                           "memo": memo_text(line.memo)} for line in lines]}

    def body(self) -> dict[str, Any]:
        return {
            "externalId": self.external_id,
            "account": _ref(self.account_id),
            "tranDate": self.tran_date.isoformat(),
            "memo": memo_text(self.memo),
            "payment": {"items": [{"id": line.payment_id, "deposit": True,
                                   "paymentAmount": self._money(line.amount)} for line in self.payments]},
            "other": self._account_lines(self.other),
            "cashback": self._account_lines(self.cashback),
        }


@dataclass(frozen=True)
class DepositReversal:
    """A journal entry moving a failed payout's amount from its bank account back to the clearing account.

    The deposit stands (its payments were really paid to Stripe); the bank never received the money, which
    went back to the Stripe balance and arrives with a later payout, whose deposit credits the clearing
    account through the `payout_failure` line, so the clearing account nets to zero.
    """

    record_type: ClassVar[str] = "journalEntry"
    replace: ClassVar[tuple[str, ...]] = ("line",)
    internal_id: ClassVar[None] = None

    external_id: str
    payout_id: str
    bank_account_id: str
    clearing_account_id: str
    currency: str
    currency_id: str
    amount: int
    tran_date: date
    memo: str

    def body(self) -> dict[str, Any]:
        amount = format(from_minor(self.amount, self.currency), "f")
        memo = memo_text(self.memo)
        return {
            "externalId": self.external_id,
            "currency": _ref(self.currency_id),
            "tranDate": self.tran_date.isoformat(),
            "memo": memo,
            "line": {"items": [
                {"account": _ref(self.clearing_account_id), "debit": amount, "memo": memo},
                {"account": _ref(self.bank_account_id), "credit": amount, "memo": memo},
            ]},
        }
