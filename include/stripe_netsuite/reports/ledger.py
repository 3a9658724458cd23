"""What a finance report is built from: plain rows read from the state DB (reports.read), no database here.

Amounts are integer minor units of the row's currency (Stripe's form); currencies are upper-case ISO codes.
The builders (reports.build) take a `Ledger` and nothing else, so tests construct ledgers directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "DisputeRow",
    "FailedRow",
    "Ledger",
    "PaymentRow",
    "PayoutRow",
    "QuarantineRow",
    "RefundRow",
    "Scope",
]


@dataclass(frozen=True)
class Scope:
    """What a report covers: Stripe objects of the days `start`..`end`, or those one DAG run touched."""

    start: date | None = None
    end: date | None = None
    dag_id: str | None = None
    run_id: str | None = None

    def __post_init__(self) -> None:
        by_days = self.start is not None and self.end is not None
        if by_days == (self.run_id is not None):
            raise ValueError("a report covers either days (start and end) or one run (run_id)")
        if by_days and self.start > self.end:  # type: ignore[operator]
            raise ValueError(f"start {self.start} is after end {self.end}")

    @classmethod
    def day(cls, day: date) -> Scope:
        return cls(start=day, end=day)

    @property
    def title(self) -> str:
        if self.run_id is not None:
            return f"{self.dag_id or 'run'} {self.run_id}"
        if self.start == self.end:
            return f"{self.start}"
        return f"{self.start} to {self.end}"


@dataclass(frozen=True, slots=True)  # slots: a month of a large account is 100,000 of these
class PaymentRow:
    """A succeeded charge, what it settled as (its balance transaction) and its NetSuite customer payment."""

    charge_id: str
    day: date  # created, in the NetSuite account's time zone (the payment's transaction date)
    amount: int
    currency: str
    description: str = ""
    settled_amount: int | None = None  # the balance transaction: settlement currency, before fees
    settled_currency: str | None = None
    fee: int | None = None
    exchange_rate: Decimal | None = None
    sync_status: str = ""  # "" = no sync record yet
    netsuite_id: str | None = None
    livemode: bool = False
    account: str = ""


@dataclass(frozen=True, slots=True)
class RefundRow:
    refund_id: str
    charge_id: str | None
    day: date
    amount: int
    currency: str
    status: str
    sync_status: str = ""
    netsuite_id: str | None = None  # the customer refund
    livemode: bool = False
    account: str = ""


@dataclass(frozen=True, slots=True)
class DisputeRow:
    dispute_id: str
    charge_id: str | None
    day: date
    amount: int
    currency: str
    status: str  # Stripe's: warning_*, needs_response, under_review, won, lost
    reason: str = ""
    sync_status: str = ""
    netsuite_id: str | None = None  # the customer refund of a lost dispute
    livemode: bool = False
    account: str = ""


@dataclass(frozen=True)
class PayoutRow:
    """A payout and its deposit as the deposit loader recorded it (sync record `deposit`)."""

    payout_id: str
    arrival: date
    amount: int
    currency: str
    status: str  # Stripe's payout status
    automatic: bool = True
    deposit_status: str = ""  # the sync record's: synced, blocked, failed; "" = none yet
    deposit_id: str | None = None
    deposit_amount: int | None = None  # the written deposit's total, payout currency
    code: str | None = None  # a blocked payout's code ("manual": to record by hand)
    balance_transaction: str | None = None
    reason: str = ""  # as recorded: what is wrong and what to do
    # Every problem the loader found, (code, balance transaction, sentence); the first is the one above.
    problems: tuple[tuple[str, str, str], ...] = ()
    reversal_id: str | None = None  # the journal entry taking back a failed payout's deposit
    livemode: bool = False
    account: str = ""


@dataclass(frozen=True)
class FailedRow:
    """A NetSuite record that failed to be written, with NetSuite's message."""

    stripe_id: str
    stripe_object_type: str
    record_type: str
    external_id: str
    attempts: int
    message: str
    run_id: str | None
    updated_at: datetime


@dataclass(frozen=True)
class QuarantineRow:
    """A Stripe object that failed a validation expectation and is held back from loading."""

    object_type: str
    object_id: str
    check_name: str
    reason: str
    run_id: str | None
    created_at: datetime
    account: str = ""


@dataclass(frozen=True)
class Ledger:
    """Everything one report shows."""

    scope: Scope
    payments: tuple[PaymentRow, ...] = ()
    refunds: tuple[RefundRow, ...] = ()
    disputes: tuple[DisputeRow, ...] = ()
    payouts: tuple[PayoutRow, ...] = ()
    failed: tuple[FailedRow, ...] = ()
    quarantined: tuple[QuarantineRow, ...] = ()
